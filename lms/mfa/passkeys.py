"""WebAuthn passkeys with python-fido2 (Yubico's maintained server library): the options
the browser's ``navigator.credentials`` calls take, and the checks of what comes back
(origin, challenge, relying party, signature, user presence).

The relying party is the site: ``LMS_MFA_RP_ID`` (default: the host name of
``LMS_PUBLIC_URL``) and the origins ``LMS_MFA_ALLOWED_ORIGINS`` (default: the origin of
``LMS_PUBLIC_URL``). A passkey works only on the host name it was made for.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import salted_hmac
from fido2.server import Fido2Server
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from lms.accounts.models import User

from .models import PasskeyDevice


class PasskeyRefused(Exception):
    """What the browser sent does not prove the passkey (or is malformed)."""


def rp_id() -> str:
    return settings.LMS_MFA_RP_ID or (urlsplit(settings.LMS_PUBLIC_URL).hostname or "")


def available() -> bool:
    """Whether passkeys can work here: browsers refuse an IP address as relying party
    (``make run`` serves http://127.0.0.1:8000, where only TOTP apps are offered)."""
    try:
        ipaddress.ip_address(rp_id().strip("[]"))
    except ValueError:
        return bool(rp_id())
    return False


def allowed_origins() -> frozenset[str]:
    configured = [origin.rstrip("/") for origin in settings.LMS_MFA_ALLOWED_ORIGINS]
    if configured:
        return frozenset(configured)
    parts = urlsplit(settings.LMS_PUBLIC_URL)
    return frozenset({f"{parts.scheme}://{parts.netloc}"})


def _server() -> Fido2Server:
    origins = allowed_origins()
    return Fido2Server(
        PublicKeyCredentialRpEntity(id=rp_id(), name=str(settings.LMS_PLATFORM_NAME)),
        verify_origin=lambda origin: origin in origins,
    )


def _state(state: Any) -> dict[str, str | None]:
    """The server's state as the session can store it (JSON)."""
    uv = state.get("user_verification")
    return {"challenge": state["challenge"], "user_verification": uv.value if uv else None}


def _user_handle(user: User) -> bytes:
    """An opaque, stable handle for the authenticator (never the username)."""
    return salted_hmac("lms.mfa.passkey.user", str(user.pk), algorithm="sha256").digest()


def _credentials(user: User) -> list[AttestedCredentialData]:
    return [
        AttestedCredentialData(bytes(device.credential_data))
        for device in PasskeyDevice.objects.filter(user=user, confirmed=True)
    ]


def registration_options(user: User) -> tuple[dict[str, Any], dict[str, str | None]]:
    options, state = _server().register_begin(
        {
            "id": _user_handle(user),
            "name": user.get_username(),
            "displayName": user.get_full_name() or user.get_username(),
        },
        _credentials(user),
        resident_key_requirement=ResidentKeyRequirement.PREFERRED,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return dict(options), _state(state)


def registration_verify(state: dict[str, Any], response: Any) -> tuple[str, bytes, int]:
    """(credential id, credential data, signature count) of a valid registration."""
    try:
        auth_data = _server().register_complete(state, response)
    except (ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(str(error)) from error
    credential = auth_data.credential_data
    if credential is None:
        raise PasskeyRefused("no credential")
    return websafe_encode(credential.credential_id), bytes(credential), auth_data.counter


def authentication_options(user: User) -> tuple[dict[str, Any], dict[str, str | None]]:
    options, state = _server().authenticate_begin(
        _credentials(user), user_verification=UserVerificationRequirement.PREFERRED
    )
    return dict(options), _state(state)


def authentication_verify(
    user: User, state: dict[str, Any], response: Any
) -> tuple[PasskeyDevice, int]:
    """The passkey of ``user`` that signed the challenge, and its new signature count. A
    count that did not grow (when the authenticator keeps one) means a cloned key."""
    try:
        parsed = AuthenticationResponse.from_dict(response)
        device = PasskeyDevice.objects.get(
            user=user, confirmed=True, credential_id=websafe_encode(parsed.raw_id)
        )
        _server().authenticate_complete(
            state, [AttestedCredentialData(bytes(device.credential_data))], parsed
        )
    except PasskeyDevice.DoesNotExist as error:
        raise PasskeyRefused("unknown credential") from error
    except (ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(str(error)) from error
    counter = parsed.response.authenticator_data.counter
    if (counter or device.sign_count) and counter <= device.sign_count:
        raise PasskeyRefused("signature counter did not grow")
    return device, counter
