"""The API token pages of an administration: list, create (the secret is shown once),
revoke. For the administration's managers and platform admins; 404 for anyone else."""

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
from .forms import ApiTokenForm


def _render(request: HttpRequest, administration, form, *, secret=None, token=None, status=200):
    response = render(
        request,
        "api/tokens.html",
        {
            "administration": administration,
            "tokens": selectors.api_token_list_for_user(request.user, administration),
            "form": form,
            "secret": secret,
            "new_token": token,
            "api_docs_url": reverse("api:docs"),
        },
        status=status,
    )
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, code: str) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    if request.method != "POST":
        return _render(request, administration, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render(request, administration, form, status=400)
    try:
        token, secret = services.api_token_create(
            actor=request.user,
            administration=administration,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
    except services.ApiTokenRefused as refusal:
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        return _render(request, administration, form, status=400)
    # The secret is in this response only: no redirect, and never cached.
    return _render(request, administration, ApiTokenForm(), secret=secret, token=token)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    token = selectors.access_api_token(request.user, administration, pk)
    if request.method == "POST":
        services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("api_pages:tokens", args=[administration.code]))
    return render(
        request, "api/token_revoke.html", {"administration": administration, "token": token}
    )
