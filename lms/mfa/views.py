"""The second-factor pages under ``/accounts/security/``: the overview (enrolment), a TOTP
app, passkeys, recovery codes, removal, and the verification step after sign-in.

Managing factors needs a session that proved one, unless the person has none yet (their
first enrolment proves it). Removing one needs a proof of the last few minutes.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.accounts.roles import is_privileged

from . import passkeys, services
from .forms import CodeForm, PasskeyNameForm, RecoveryCodeForm, TotpEnrolForm
from .models import PasskeyDevice
from .qr import qr_data_uri
from .session import (
    PASSKEY_STATE_KEY,
    THEN_KEY,
    TOTP_PENDING_KEY,
    is_fresh,
    is_verified,
    mark_verified,
)

JSON_MAX_BYTES = 64 * 1024


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it is a path or an address of this site, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _verify_url(next_url: str) -> str:
    return f"{reverse('mfa:verify')}?{urlencode({'next': next_url})}"


def _may_manage(request: HttpRequest) -> bool:
    return is_verified(request.session) or not services.has_factor(request.user)


def _enrolment_closed(user: Any) -> bool:
    """A privileged person's first factor needs a window and none is open."""
    return services.enrolment_needs_window(user) and services.enrolment_window_of(user) is None


def _enrolment_closed_answer() -> JsonResponse:
    return JsonResponse(
        {"detail": _("Ask a platform administrator to open an enrolment window for you.")},
        status=403,
    )


def _locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many wrong codes. Try again in %(minutes)d minute.",
        "Too many wrong codes. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > JSON_MAX_BYTES:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _after_enrolment(request: HttpRequest, device: Any) -> str:
    """Where to go once a factor is saved: the session counts as proven (the person just
    showed the factor), and a first factor asks for recovery codes."""
    if not is_verified(request.session):
        mark_verified(request, device)
    if services.recovery_codes_left(request.user) == 0:
        return reverse("mfa:recovery")
    return reverse("mfa:security")


# --- overview ----------------------------------------------------------------------------


@login_required
def security(request: HttpRequest) -> HttpResponse:
    if not _may_manage(request):
        return HttpResponseRedirect(_verify_url(request.get_full_path()))
    user = request.user
    wanted = safe_next(request, request.GET.get("next"))
    if wanted != "/":
        request.session[THEN_KEY] = wanted
    return render(
        request,
        "mfa/security.html",
        {
            "totp_devices": services.totp_devices_of(user),
            "passkeys": services.passkeys_of(user),
            "recovery_left": services.recovery_codes_left(user),
            "has_factor": services.has_factor(user),
            "required": is_privileged(user) and settings.LMS_MFA_REQUIRED,
            "enrolment_closed": _enrolment_closed(user),
            "next": wanted,
            "passkey_form": PasskeyNameForm(),
            "passkeys_available": passkeys.available(),
        },
    )


# --- TOTP -----------------------------------------------------------------------------------


@login_required
def totp_add(request: HttpRequest) -> HttpResponse:
    if not _may_manage(request):
        return HttpResponseRedirect(_verify_url(request.get_full_path()))
    if _enrolment_closed(request.user):
        return HttpResponseRedirect(reverse("mfa:security"))
    key = request.session.get(TOTP_PENDING_KEY)
    if not isinstance(key, str) or (request.method == "GET" and "new" in request.GET):
        key = request.session[TOTP_PENDING_KEY] = services.totp_new_key()
    status = 200
    if request.method == "POST":
        form = TotpEnrolForm(request.POST)
        if form.is_valid():
            try:
                device = services.totp_enrol(
                    user=request.user,
                    key_hex=key,
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                )
            except services.EnrolmentClosed:
                return HttpResponseRedirect(reverse("mfa:security"))
            except services.CodeRefused as refused:
                if refused.locked_for:
                    form.add_error(None, _locked_message(refused.locked_for))
                    status = 429
                else:
                    form.add_error(
                        "code",
                        _("That code is not right. Check the time on your phone and try again."),
                    )
            else:
                del request.session[TOTP_PENDING_KEY]
                messages.success(request, _("Your authenticator app is set up."))
                return HttpResponseRedirect(_after_enrolment(request, device))
    else:
        form = TotpEnrolForm()
    return render(
        request,
        "mfa/totp_add.html",
        {
            "form": form,
            "qr": qr_data_uri(services.totp_config_url(user=request.user, key_hex=key)),
            "secret": services.totp_secret_text(key),
        },
        status=status,
    )


# --- recovery codes ----------------------------------------------------------------------


@login_required
def recovery(request: HttpRequest) -> HttpResponse:
    """GET: how many codes are left. POST: ten new ones, shown in this answer only."""
    if not _may_manage(request) or not services.has_factor(request.user):
        return HttpResponseRedirect(reverse("mfa:security"))
    if request.method == "POST":
        codes = services.recovery_codes_generate(user=request.user)
        then = request.session.pop(THEN_KEY, None)
        return render(
            request,
            "mfa/recovery_codes.html",
            {"codes": codes, "then": safe_next(request, then) if then else reverse("mfa:security")},
        )
    return render(
        request,
        "mfa/recovery.html",
        {"recovery_left": services.recovery_codes_left(request.user)},
    )


# --- passkeys: registration ----------------------------------------------------------------


@login_required
@require_POST
def passkey_register_options(request: HttpRequest) -> HttpResponse:
    if not _may_manage(request):
        return JsonResponse({"detail": _("Prove your second factor first.")}, status=403)
    if _enrolment_closed(request.user):
        return _enrolment_closed_answer()
    options, state = passkeys.registration_options(request.user)
    request.session[PASSKEY_STATE_KEY] = {"purpose": "register", **state}
    return JsonResponse(options)


@login_required
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    if not _may_manage(request):
        return JsonResponse({"detail": _("Prove your second factor first.")}, status=403)
    data = _json_body(request)
    state = request.session.pop(PASSKEY_STATE_KEY, None)
    if data is None or not isinstance(state, dict) or state.get("purpose") != "register":
        return JsonResponse({"detail": _("Start again: the request was not valid.")}, status=400)
    form = PasskeyNameForm({"name": data.get("name") or ""})
    name = (form.cleaned_data["name"] if form.is_valid() else "") or _("Passkey")
    try:
        credential_id, credential_data, count = passkeys.registration_verify(
            state, data.get("credential")
        )
    except passkeys.PasskeyRefused:
        return JsonResponse({"detail": _("This passkey could not be saved.")}, status=400)
    if PasskeyDevice.objects.filter(credential_id=credential_id).exists():
        return JsonResponse({"detail": _("This passkey is already saved.")}, status=400)
    try:
        device = services.passkey_enrol(
            user=request.user,
            name=name,
            credential_id=credential_id,
            credential_data=credential_data,
            sign_count=count,
        )
    except services.EnrolmentClosed:
        return _enrolment_closed_answer()
    messages.success(request, _("Your passkey is saved."))
    return JsonResponse({"redirect": _after_enrolment(request, device)})


# --- removal -----------------------------------------------------------------------------------


@login_required
@require_POST
def device_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"totp": TOTPDevice, "passkey": PasskeyDevice}.get(kind)
    if model is None:
        raise Http404
    device = model.objects.filter(user=request.user, pk=pk).first()
    if device is None:
        raise Http404
    if not is_fresh(request.session):
        messages.info(request, _("Confirm it is you before removing a second factor."))
        return HttpResponseRedirect(_verify_url(reverse("mfa:security")))
    try:
        removed = services.device_remove(
            user=request.user, device=device, privileged=is_privileged(request.user)
        )
    except services.LastFactor:
        messages.error(
            request,
            _("Your role requires a second factor: add another one before removing this one."),
        )
    else:
        messages.success(request, _("“%(name)s” was removed.") % {"name": removed.name})
    return HttpResponseRedirect(reverse("mfa:security"))


# --- verification after sign-in ---------------------------------------------------------


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    user = request.user
    if is_fresh(request.session) or (
        is_verified(request.session) and "next" not in request.GET and request.method == "GET"
    ):
        return HttpResponseRedirect(next_url)
    if not services.has_factor(user):
        return HttpResponseRedirect(reverse("mfa:security"))
    totp_form = CodeForm(prefix="totp")
    recovery_form = RecoveryCodeForm(prefix="recovery")
    status = 200
    if request.method == "POST":
        kind = "recovery" if request.POST.get("kind") == "recovery" else "totp"
        form = (
            RecoveryCodeForm(request.POST, prefix="recovery")
            if kind == "recovery"
            else CodeForm(request.POST, prefix="totp")
        )
        if kind == "recovery":
            recovery_form = form
        else:
            totp_form = form
        if form.is_valid():
            try:
                device = services.code_verify(user=user, code=form.cleaned_data["code"], kind=kind)
            except services.EnrolmentClosed:
                return HttpResponseRedirect(reverse("mfa:security"))
            except services.CodeRefused as refused:
                if refused.locked_for:
                    form.add_error(None, _locked_message(refused.locked_for))
                    status = 429
                else:
                    form.add_error("code", _("That code is not right."))
            else:
                mark_verified(request, device)
                if kind == "recovery":
                    left = services.recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code: %(left)d is left.",
                            "You used a recovery code: %(left)d are left.",
                            left,
                        )
                        % {"left": left},
                    )
                return HttpResponseRedirect(next_url)
    # Shown above the forms when the page opens locked (a refused form says it itself).
    wait = services.lockout_wait(user) if status != 429 else None
    return render(
        request,
        "mfa/verify.html",
        {
            "totp_form": totp_form,
            "recovery_form": recovery_form,
            "has_totp": bool(services.totp_devices_of(user)),
            "has_passkey": bool(services.passkeys_of(user)) and passkeys.available(),
            "has_recovery": services.recovery_codes_left(user) > 0,
            "locked_message": _locked_message(wait) if wait else "",
            "next": next_url,
        },
        status=status,
    )


@login_required
@require_POST
def passkey_verify_options(request: HttpRequest) -> HttpResponse:
    if not services.passkeys_of(request.user):
        return JsonResponse({"detail": _("You have no passkey.")}, status=400)
    options, state = passkeys.authentication_options(request.user)
    request.session[PASSKEY_STATE_KEY] = {"purpose": "verify", **state}
    return JsonResponse(options)


@login_required
@require_POST
def passkey_verify(request: HttpRequest) -> HttpResponse:
    data = _json_body(request)
    state = request.session.pop(PASSKEY_STATE_KEY, None)
    if data is None or not isinstance(state, dict) or state.get("purpose") != "verify":
        return JsonResponse({"detail": _("Start again: the request was not valid.")}, status=400)
    try:
        device, count = passkeys.authentication_verify(request.user, state, data.get("credential"))
    except passkeys.PasskeyRefused:
        services.passkey_refused(user=request.user)
        return JsonResponse({"detail": _("This passkey was not accepted.")}, status=400)
    services.passkey_signed_in(device=device, sign_count=count)
    mark_verified(request, device)
    return JsonResponse({"redirect": safe_next(request, data.get("next"))})
