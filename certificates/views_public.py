"""Public pages and documents: certificate verification (anyone, no sign-in) and what the
platform publishes as an Open Badges issuer (profile, keys, achievements, status lists).

Verification answers are never cached (``Cache-Control: no-store``), so a revocation
shows at the next request; unknown and malformed codes get the same 404 page; lookups
are throttled per client address together with the API (``certificates.api``).
"""

from __future__ import annotations

from django import forms
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from lms.public_url import public_url

from . import codes, credentials, selectors
from . import issuer as ob_issuer
from .api import check_throttle, verification_of
from .models import Certificate, Programme
from .services import STATUS_LIST_SIZE

#: The media type of a VC secured as a JWT (W3C "Securing Verifiable Credentials using
#: JOSE and COSE", section 3.1.1). Verifiers fetch the status list and read the compact
#: JWS from the body whatever the type says; this one says exactly what it is.
VC_JWT_CONTENT_TYPE = "application/vc+jwt"
JSON_LD_CONTENT_TYPE = "application/ld+json"
PUBLIC_DOCUMENT_MAX_AGE = 300


def _no_store(response: HttpResponse) -> HttpResponse:
    """Verification answers: never kept by browsers or proxies, never indexed."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _published(response: HttpResponse, *, vary_language: bool = False) -> HttpResponse:
    """Issuer documents: public, cacheable briefly, readable by verifiers in browsers
    on any origin (they are public and carry no credentials)."""
    patch_cache_control(response, public=True, max_age=PUBLIC_DOCUMENT_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    if vary_language:
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


# --- verification -----------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=100,
        help_text=_(
            "As printed on the certificate, next to “Verification code”. Capital or small "
            "letters, with or without hyphens: both work."
        ),
        error_messages={"required": _("Enter the verification code printed on the certificate.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )


def _missing(request: HttpRequest) -> HttpResponse:
    """The one answer for an unknown and a malformed code alike."""
    return _no_store(
        render(request, "certificates/verify_missing.html", {"form": VerifyForm()}, status=404)
    )


def _throttled(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request, "certificates/throttled.html", {"retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return _no_store(response)


@require_safe
def verify_form(request: HttpRequest) -> HttpResponse:
    """Enter a code. A well-formed code goes to its canonical page; anything else typed
    goes to the page of what was typed, which answers 404 exactly as for an unknown
    code (nothing here tells a malformed code from an unknown one)."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        typed = form.cleaned_data["code"]
        normalized = codes.normalize(typed)
        target = codes.display(normalized) if normalized else typed
        try:
            return redirect(reverse("certificates:verify", args=[target]))
        except NoReverseMatch:  # e.g. a slash: not a path segment, cannot be a code
            return _missing(request)
    return _no_store(render(request, "certificates/verify_form.html", {"form": form}))


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate's status as of now, for anyone holding its code."""
    retry_after = check_throttle(request)
    if retry_after is not None:
        return _throttled(request, retry_after)
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        return _missing(request)
    verification = verification_of(certificate, translation.get_language())
    return _no_store(
        render(
            request,
            "certificates/verify.html",
            {"v": verification, "checked_at": timezone.now()},
        )
    )


# --- issuer documents -------------------------------------------------------------------


@require_safe
def issuer(request: HttpRequest) -> HttpResponse:
    """The Open Badges 3.0 issuer ``Profile`` (JSON-LD), at the URL that is its ``id``."""
    document = credentials.profile_document(ob_issuer.profile())
    return _published(JsonResponse(document, content_type=JSON_LD_CONTENT_TYPE), vary_language=True)


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    """The issuer's public keys (JWK Set). Briefly cacheable: a new key must be
    published here before it signs anything."""
    return _published(JsonResponse(ob_issuer.public_jwks()))


def _lists_in_use() -> int:
    """How many status lists exist (at least one, so the first always resolves)."""
    highest = Certificate.objects.aggregate(top=Max("status_index"))["top"] or 0
    return highest // STATUS_LIST_SIZE + 1


@require_safe
def status_list(request: HttpRequest, list_number: int) -> HttpResponse:
    """A signed ``BitstringStatusListCredential`` (VC-JWT), built from the database on
    every request; ``no-cache`` so that verifiers revalidate and see a revocation at
    once. ``?format=json``: the same credential unsigned, for people reading it."""
    if list_number >= _lists_in_use():
        raise Http404
    token = ob_issuer.status_list_jwt(list_number)
    if request.GET.get("format") == "json":
        document = credentials.verify_credential(token, ob_issuer.public_jwks())
        response: HttpResponse = JsonResponse(document, content_type=JSON_LD_CONTENT_TYPE)
    else:
        response = HttpResponse(token, content_type=VC_JWT_CONTENT_TYPE)
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


#: The same text as in ``issuer.badge_credential``, so that one translation serves both.
CRITERIA_NARRATIVE = _(
    "Met the requirements of the certification programme: the courses completed "
    "and the assessments passed that the programme lists."
)


@require_safe
def achievement(request: HttpRequest, code: str) -> HttpResponse:
    """A programme as an Open Badges 3.0 ``Achievement``, in the active language: an
    active programme, or one that has issued certificates (their credentials name this
    URL as the achievement's ``id``, and must keep resolving after the programme
    closes)."""
    programme = (
        Programme.objects.filter(code=code)
        .filter(Q(is_active=True) | Q(certificates__isnull=False))
        .prefetch_related("texts")
        .distinct()
        .first()
    )
    if programme is None:
        raise Http404
    language = translation.get_language()
    text = programme.text_for(language)
    title = programme.title_for(language)
    document = {
        "@context": [credentials.OB_V3_CONTEXT],
        "id": public_url(reverse("certificates:achievement", args=[programme.code])),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": title,
        "description": programme.description_for(language) or title,
        "criteria": {"narrative": str(CRITERIA_NARRATIVE)},
        "creator": ob_issuer.profile(),
        "inLanguage": text.language if text else language,
    }
    return _published(JsonResponse(document, content_type=JSON_LD_CONTENT_TYPE), vary_language=True)
