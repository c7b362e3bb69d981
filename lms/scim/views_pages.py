"""The SCIM token pages of an administration: list, create (the secret is shown once),
revoke. For the administration's managers and platform admins; 404 for anyone else.
The same shape as the API token pages (lms/api/views_pages.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lms.tracking.selectors import access_tracked_administration

from . import selectors, services
from .forms import ScimTokenForm


def _render(request, administration, form, *, secret=None, token=None, status=200):
    return render(
        request,
        "scim/tokens.html",
        {
            "administration": administration,
            "tokens": selectors.scim_token_list_for_user(request.user, administration),
            "form": form,
            "secret": secret,
            "new_token": token,
            "scim_url": request.build_absolute_uri(reverse("scim:root")),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, code: str) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    if request.method != "POST":
        return _render(request, administration, ScimTokenForm())
    form = ScimTokenForm(request.POST)
    if not form.is_valid():
        return _render(request, administration, form, status=400)
    try:
        token, secret = services.scim_token_create(
            actor=request.user,
            administration=administration,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
    except services.ScimTokenRefused as refusal:
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        return _render(request, administration, form, status=400)
    # The secret is in this response only: no redirect, and never cached.
    return _render(request, administration, ScimTokenForm(), secret=secret, token=token)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    token = selectors.access_scim_token(request.user, administration, pk)
    if request.method == "POST":
        services.scim_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("scim_pages:tokens", args=[administration.code]))
    return render(
        request, "scim/token_revoke.html", {"administration": administration, "token": token}
    )
