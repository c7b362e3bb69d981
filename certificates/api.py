"""The public verification API: ``GET /api/v1/certificates/verify/<code>/``.

Anyone may ask, without signing in; lookups are throttled per client (scope ``verify``,
shared with the HTML verification page). An unknown code and a malformed one get the
same 404 answer. The answer names the holder, the programme and the issuing
administration and nothing else about the person (no e-mail, employee number or
account).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from lms.accounts.throttles import BudgetThrottle
from lms.accounts.timezones import administration_zone

from . import selectors, services
from .models import Certificate

THROTTLE_SCOPE = "verify"
DEFAULT_VERIFY_RATE = "60/min"
NOT_FOUND_MESSAGE = _("No certificate has this verification code.")


class VerifyThrottle(BudgetThrottle):
    """Verification lookups per client address, for the API and the HTML page alike
    (one budget per client, shared by every app process through the shared cache; while
    Redis is unreachable it is counted in the database, see
    :class:`lms.accounts.throttles.Budget`). The rate is ``REST_FRAMEWORK
    ["DEFAULT_THROTTLE_RATES"]["verify"]``, read on every request so that
    ``override_settings`` applies.

    The client is ``REMOTE_ADDR``. ``X-Forwarded-For`` counts only when DRF's
    ``NUM_PROXIES`` says how many proxies stand in front (DRF itself would trust the
    whole header when ``NUM_PROXIES`` is unset, which lets anyone pick a new address
    per request)."""

    scope = THROTTLE_SCOPE

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return DEFAULT_VERIFY_RATE

    def get_ident(self, request: Any) -> str:
        if not api_settings.NUM_PROXIES:
            return request.META.get("REMOTE_ADDR") or ""
        return super().get_ident(request)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def retry_after(self) -> int:
        """Whole seconds to wait (at least one), for the ``Retry-After`` header."""
        wait = self.wait()
        if wait is None:
            wait = self.duration or 60
        return max(1, math.ceil(wait))


def check_throttle(request: Any) -> int | None:
    """Count one lookup for the client; the seconds to wait when over the rate."""
    throttle = VerifyThrottle()
    if throttle.allow_request(request, None):
        return None
    return throttle.retry_after()


@dataclass(frozen=True)
class Verification:
    """What the verification page and the API say about one certificate."""

    status: str  # valid | expired | revoked (the API's fixed enum)
    shown_status: str  # valid | expired | revoked | renewed (the HTML page)
    holder_name: str
    programme: str
    programme_code: str
    administration_code: str | None
    administration_name: str | None
    issued_at: datetime
    expires_at: datetime | None
    certificate_number: str
    code_display: str
    revoked_at: datetime | None
    revocation_reason: str | None
    superseded: bool
    superseded_at: datetime | None
    renewed_by: str | None
    renewed_by_path: str | None
    verify_url: str
    time_zone: str = "UTC"  # the issuing administration's: the page's dates are shown in it


def verification_of(certificate: Certificate, language: str | None = None) -> Verification:
    """The public facts of a certificate, its status as of now, the programme title in
    ``language`` (default: the active language)."""
    language = language or translation.get_language()
    state = certificate.status_at()
    revoked = state == Certificate.Status.REVOKED
    superseded = certificate.superseded_at is not None
    renewal = None
    if superseded:
        renewal = Certificate.objects.filter(previous_id=certificate.pk).only("code").first()
    if revoked:
        status = "revoked"
    elif state == Certificate.Status.VALID:
        status = "valid"
    else:  # expired, or superseded by a renewal: the fixed enum says expired
        status = "expired"
    administration = certificate.administration
    return Verification(
        status=status,
        shown_status="renewed" if state == Certificate.Status.SUPERSEDED else str(state),
        holder_name=certificate.holder_name,
        programme=certificate.programme.title_for(language),
        programme_code=certificate.programme.code,
        administration_code=administration.code if administration else None,
        administration_name=administration.name if administration else None,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        certificate_number=certificate.number,
        code_display=certificate.code_display,
        revoked_at=certificate.revoked_at if revoked else None,
        revocation_reason=certificate.revoked_reason if revoked else None,
        superseded=superseded,
        superseded_at=certificate.superseded_at,
        renewed_by=services.verify_url(renewal) if renewal else None,
        renewed_by_path=renewal.get_verify_path() if renewal else None,
        verify_url=services.verify_url(certificate),
        time_zone=str(administration_zone(administration)),
    )


class CertificateVerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["valid", "expired", "revoked"],
        help_text="A renewed (superseded) certificate reports expired, with superseded true.",
    )
    holder_name = serializers.CharField()
    programme = serializers.CharField(help_text="The programme's title in the request's language.")
    programme_code = serializers.CharField()
    administration_code = serializers.CharField(
        allow_null=True, help_text="The holder's administration when the certificate was issued."
    )
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Null: does not expire.")
    certificate_number = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True, help_text="Null unless revoked.")
    revocation_reason = serializers.CharField(allow_null=True, help_text="Null unless revoked.")
    superseded = serializers.BooleanField(help_text="Replaced by a renewal.")
    superseded_at = serializers.DateTimeField(allow_null=True)
    renewed_by = serializers.URLField(
        allow_null=True, help_text="The verification URL of the certificate that renewed this one."
    )
    verify_url = serializers.URLField(help_text="This certificate's verification page.")


_DETAIL = inline_serializer("VerificationDetail", fields={"detail": serializers.CharField()})


class CertificateVerifyView(APIView):
    """Verify a certificate by the code printed on it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # public: no session, so no CSRF either
    throttle_classes = [VerifyThrottle]
    throttle_scope = THROTTLE_SCOPE

    @extend_schema(
        operation_id="certificates_verify",
        summary="Verify a certificate",
        description=(
            "Looks a certificate up by its verification code (case, spaces and hyphens "
            "do not matter; O reads as 0, I and L as 1). No sign-in. Lookups are "
            "throttled per client address. Unknown and malformed codes get the same 404."
        ),
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="The verification code printed on the certificate, "
                "for example 7K3M-Q9TX-0B4R-1Z5H-W2NC-8PDA-6YEF.",
            )
        ],
        responses={
            200: CertificateVerificationSerializer,
            404: OpenApiResponse(_DETAIL, description="Unknown or malformed code."),
            429: OpenApiResponse(
                _DETAIL, description="Too many lookups; see the Retry-After header."
            ),
        },
        tags=["certificates"],
    )
    def get(self, request: Request, code: str) -> Response:
        certificate = selectors.certificate_by_code(code)
        if certificate is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        verification = verification_of(certificate, translation.get_language())
        return Response(CertificateVerificationSerializer(verification).data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
