"""Writes for single sign-on: who an assertion signs in (the tenancy rule lives here),
and the audited changes of providers and sign-in settings.

The rule: a provider is bound to one administration. The account an assertion yields is
looked up by the provider's stable subject (OIDC ``iss`` + ``sub``, SAML persistent
NameID), never by e-mail alone; at first sign-in an existing account is linked only when
it belongs to the provider's administration and its e-mail matches a verified one, or
(when the provider may create accounts) a new officer of that administration is created.
Whatever the claims say, the account is of the provider's administration or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.sessions import sessions_end_for_user
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import ExternalIdentity, IdentityProvider, SignInSettings
from .secrets import secret_encrypt, secret_rotate

MFA_SESSION_KEY = "lms.mfa.idp_asserted"
PROVIDER_SESSION_KEY = "lms.sso.provider"
# Kept in the session at sign-in for single logout (see views._signed_in): the provider's
# id, the subject, the provider's session id (OIDC ``sid``) and what the protocol module
# needs to ask the provider to end its own session (ID token, NameID, SessionIndex).
PROVIDER_ID_SESSION_KEY = "lms.sso.provider_id"
SUBJECT_SESSION_KEY = "lms.sso.subject"
PROVIDER_SID_SESSION_KEY = "lms.sso.sid"
LOGOUT_SESSION_KEY = "lms.sso.logout"


class SignInRefused(Exception):
    """An assertion that signs nobody in. ``message`` is shown to the person (translated,
    without details an attacker could use); ``reason`` goes to the audit trail."""

    def __init__(self, reason: str, message: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or _(
            "Single sign-on did not succeed. Start again from the sign-in page; if it "
            "fails again, contact your administration's IT help desk."
        )


class SignOutRefused(SignInRefused):
    """A single logout message (logout token, LogoutRequest, LogoutResponse, the
    return from the provider) that ends nothing."""

    def __init__(self, reason: str, message: Any = None) -> None:
        super().__init__(
            reason,
            message
            or _(
                "The identity provider's sign-out could not be confirmed. You are signed "
                "out of this site; close the browser to end the provider's session too."
            ),
        )


@dataclass(frozen=True)
class Assertion:
    """What a provider vouched for, once its protocol module has verified it.
    ``session_id`` is the provider's own session (OIDC ``sid``, SAML SessionIndex);
    ``logout`` is what its protocol module needs later to ask the provider for single
    logout (kept in the platform session)."""

    issuer: str
    subject: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    mfa: bool = False
    session_id: str = ""
    logout: Mapping[str, Any] = field(default_factory=dict)


def _claim(assertion: Assertion, name: str) -> str:
    if not name:
        return ""
    value = assertion.attributes.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def _verified_email(provider: IdentityProvider, assertion: Assertion) -> str:
    email = _claim(assertion, provider.claim_email).lower()
    if not email or "@" not in email:
        return ""
    # OIDC says whether the provider verified it; SAML attributes are the IdP's own records.
    verified = assertion.attributes.get("email_verified", True)
    return email if verified is True or verified == "true" else ""


def _language(value: str) -> str | None:
    """es, es-PE, es_PE -> es; pt-BR -> pt-br; None when the platform has no such language."""
    value = value.lower().replace("_", "-")
    codes = {code for code, _name in settings.LANGUAGES}
    if value in codes:
        return value
    base = value.split("-")[0]
    if base in codes:
        return base
    return next((code for code in codes if code.split("-")[0] == base), None)


def _new_username(base: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", base)[:120] or "officer"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}.{number}"
    return candidate


def _link_candidate(provider: IdentityProvider, email: str) -> User | None:
    """The one active account of the provider's administration with this verified e-mail
    and no identity at this provider yet; None when there is none or more than one."""
    if not email:
        return None
    candidates = list(
        User.objects.filter(
            administration_id=provider.administration_id, is_active=True, email__iexact=email
        ).exclude(external_identities__provider=provider)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


def _create_officer(provider: IdentityProvider, assertion: Assertion, email: str) -> User:
    administration = provider.administration
    unit_code = _claim(assertion, provider.claim_unit)
    unit = (
        Unit.objects.filter(administration=administration, code__iexact=unit_code).first()
        if unit_code
        else None
    )
    language = _language(_claim(assertion, provider.claim_language))
    username = _new_username(
        _claim(assertion, provider.claim_username) or email.split("@")[0] or assertion.subject
    )
    user = User(
        username=username,
        email=email,
        full_name=_claim(assertion, provider.claim_name)[:200],
        administration=administration,
        unit=unit,
        preferred_language=language or administration.primary_language,
        employee_number=_claim(assertion, provider.claim_employee_number)[:64],
    )
    user.set_unusable_password()
    if (
        user.employee_number
        and User.objects.filter(
            administration=administration, employee_number=user.employee_number
        ).exists()
    ):
        # Someone of the administration already has that number: link, do not duplicate.
        raise SignInRefused("employee number already taken")
    user.save()
    group, _created = Group.objects.get_or_create(name=Role.OFFICER.value)
    user.groups.add(group)
    return user


def identity_sign_in(*, provider: IdentityProvider, assertion: Assertion) -> User:
    """The account ``assertion`` signs in, linked or created as the provider's settings
    allow; raises :class:`SignInRefused` (and changes nothing) otherwise."""
    if not provider.is_active or not provider.administration.is_active:
        raise SignInRefused("provider inactive")
    if not assertion.subject:
        raise SignInRefused("no subject")
    try:
        with transaction.atomic():
            return _sign_in(provider, assertion)
    except IntegrityError as error:  # two first sign-ins at once: the second one loses
        raise SignInRefused("concurrent first sign-in") from error


def _sign_in(provider: IdentityProvider, assertion: Assertion) -> User:
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider, issuer=assertion.issuer, subject=assertion.subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if (
            identity.administration_id != provider.administration_id
            or user.administration_id != provider.administration_id
        ):
            # The account moved to another administration since: this provider no
            # longer speaks for it.
            raise SignInRefused("account of another administration")
        if not user.is_active:
            raise SignInRefused(
                "account inactive", _("Your account is deactivated. Contact your manager.")
            )
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
    else:
        email = _verified_email(provider, assertion)
        user = _link_candidate(provider, email)
        if user is not None:
            action = AuditAction.ACCOUNT_LINK
        elif provider.create_accounts:
            user = _create_officer(provider, assertion, email)
            action = AuditAction.ACCOUNT_CREATE_JIT
        else:
            raise SignInRefused(
                "no account to link",
                _(
                    "Your identity provider signed you in, but the platform has no account "
                    "for you in this administration. Ask your training manager to create one."
                ),
            )
        identity = ExternalIdentity.objects.create(
            provider=provider,
            administration_id=provider.administration_id,
            user=user,
            issuer=assertion.issuer,
            subject=assertion.subject,
            last_sign_in_at=timezone.now(),
        )
        audit_record(
            actor=user,
            action=action,
            administration=provider.administration_id,
            target=user,
            after={
                "provider": provider.slug,
                "issuer": assertion.issuer,
                "subject": assertion.subject,
                "unit": user.unit.code if user.unit_id else None,
                "language": user.preferred_language,
            },
        )
    audit_record(
        actor=user,
        action=AuditAction.SIGN_IN,
        administration=provider.administration_id,
        target=user,
        after={"provider": provider.slug, "mfa": assertion.mfa and provider.trust_mfa},
    )
    return user


def sign_in_refused_record(
    *, provider: IdentityProvider | None, reason: str, administration: Administration | None = None
) -> None:
    """The trail's record of a refused single sign-on (its own transaction)."""
    audit_record(
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        administration=provider.administration_id if provider is not None else administration,
        target=provider,
        after={"provider": provider.slug if provider else None, "reason": reason[:200]},
    )


def sign_out_record(*, provider: IdentityProvider, user: User, via: str) -> None:
    """The trail's record of a sign-out through ``provider``: ``via`` is ``rp`` (the
    person signed out here and was sent to the provider), ``backchannel`` (OIDC
    logout token) or ``idp`` (SAML LogoutRequest from the IdP)."""
    audit_record(
        actor=user,
        action=AuditAction.SIGN_OUT,
        administration=provider.administration_id,
        target=user,
        after={"provider": provider.slug, "via": via},
    )


def sign_out_refused_record(*, provider: IdentityProvider, reason: str) -> None:
    audit_record(
        actor=None,
        action=AuditAction.SIGN_OUT_REFUSED,
        administration=provider.administration_id,
        target=provider,
        after={"provider": provider.slug, "reason": reason[:200]},
    )


def provider_sessions_end(
    *, provider: IdentityProvider, issuer: str, subject: str, session_id: str, via: str
) -> int:
    """End the platform sessions the provider opened for ``subject`` (and only its
    session ``session_id`` when given; with no subject, that provider session's
    platform sessions, whoever they are). Only sessions opened through this provider
    are touched, and a subject is looked up among this provider's identities of its
    own administration: a provider cannot end another administration's sessions.
    Returns how many sessions ended; each person signed out is audited."""
    if not provider.is_active or not provider.administration.is_active:
        raise SignOutRefused("provider inactive")
    if not subject and not session_id:
        raise SignOutRefused("neither subject nor session id")
    matching: dict[str, Any] = {PROVIDER_ID_SESSION_KEY: provider.pk}
    if session_id:
        matching[PROVIDER_SID_SESSION_KEY] = session_id
    user_id: int | None = None
    if subject:
        identity = (
            ExternalIdentity.objects.select_related("user")
            .filter(
                provider=provider,
                issuer=issuer,
                subject=subject,
                administration_id=provider.administration_id,
                user__administration_id=provider.administration_id,
            )
            .first()
        )
        if identity is None:
            return 0
        user_id = identity.user_id
        matching[SUBJECT_SESSION_KEY] = subject
    ended = sessions_end_for_user(user_id, matching=matching)
    users = User.objects.filter(
        pk__in=set(ended), administration_id=provider.administration_id
    ).order_by("pk")
    for user in users:
        sign_out_record(provider=provider, user=user, via=via)
    return len(ended)


PROVIDER_AUDITED_FIELDS = [
    "administration_id",
    "slug",
    "name",
    "kind",
    "is_active",
    "issuer",
    "client_id",
    "scopes",
    "email_domains",
    "create_accounts",
    "claim_email",
    "claim_name",
    "claim_username",
    "claim_unit",
    "claim_language",
    "claim_employee_number",
    "trust_mfa",
    "mfa_values",
]


def provider_snapshot(provider: IdentityProvider) -> dict[str, Any]:
    """The audited state of ``provider`` (whether a secret is set, never the secret)."""
    state = {name: getattr(provider, name) for name in PROVIDER_AUDITED_FIELDS}
    state["client_secret_set"] = bool(provider.client_secret_encrypted)
    state["saml_idp_metadata_set"] = bool(provider.saml_idp_metadata)
    return state


def provider_save(
    *,
    actor: User | None,
    provider: IdentityProvider,
    before: Mapping[str, Any] | None,
    client_secret: str = "",
) -> IdentityProvider:
    """Save ``provider`` (``before``: its audited state as loaded, None when new); a
    non-empty ``client_secret`` replaces the stored one, encrypted."""
    provider.email_domains = sorted(
        {d.strip().lower().lstrip("@") for d in provider.email_domains or [] if d.strip()}
    )
    if client_secret:
        provider.client_secret_encrypted = secret_encrypt(client_secret)
    elif provider.client_secret_encrypted:
        # Saved again after a key rotation: the secret moves to the current key.
        provider.client_secret_encrypted = secret_rotate(provider.client_secret_encrypted)
    with transaction.atomic():
        provider.save()
        after = provider_snapshot(provider)
        if client_secret:
            after["client_secret_changed"] = True
        audit_record(
            actor=actor,
            action=AuditAction.IDENTITY_PROVIDER_CHANGE,
            administration=provider.administration_id,
            target=provider,
            before=before,
            after=after,
        )
    return provider


def provider_delete(*, actor: User | None, provider: IdentityProvider) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.IDENTITY_PROVIDER_DELETE,
            administration=provider.administration_id,
            target=provider,
            before=provider_snapshot(provider),
        )
        provider.delete()


def sign_in_settings_save(
    *, actor: User | None, sign_in_settings: SignInSettings, before: Mapping[str, Any] | None
) -> SignInSettings:
    with transaction.atomic():
        sign_in_settings.save()
        audit_record(
            actor=actor,
            action=AuditAction.SIGN_IN_SETTINGS_CHANGE,
            administration=sign_in_settings.administration_id,
            target=sign_in_settings,
            before=before,
            after={"local_passwords": sign_in_settings.local_passwords},
        )
    return sign_in_settings
