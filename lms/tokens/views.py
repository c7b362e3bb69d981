"""The token pages of an administration, for any kind (the URLs pass ``kind``): list,
create (the secret is shown once, in that response only) and revoke after confirming.
For the administration's managers and platform admins; 404 for anyone else."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lms.accounts.models import Administration
from lms.tracking.selectors import access_tracked_administration

from . import selectors, services
from .forms import TokenForm
from .kinds import TokenKind
from .models import BearerToken


def _render(
    request: HttpRequest,
    kind: TokenKind[Any],
    administration: Administration,
    form: TokenForm,
    *,
    secret: str | None = None,
    token: BearerToken | None = None,
    status: int = 200,
) -> HttpResponse:
    tokens = selectors.token_list_for_user(kind, request.user, administration)
    rows = [(row, [column.value(row) for column in kind.columns]) for row in tokens]
    return render(
        request,
        "tokens/tokens.html",
        {
            "kind": kind,
            "texts": kind.texts,
            "title": kind.texts.title % {"code": administration.code},
            "columns": kind.columns,
            "revoke_url": f"{kind.pages}:token_revoke",
            "administration": administration,
            "tokens": tokens,
            "rows": rows,
            "form": form,
            "secret": secret,
            "new_token": token,
            **kind.page_context(request),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, code: str, kind: TokenKind[Any]) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    if request.method != "POST":
        return _render(request, kind, administration, kind.form())
    form = kind.form(request.POST)
    if not form.is_valid():
        return _render(request, kind, administration, form, status=400)
    try:
        token, secret = services.token_issue(
            kind=kind,
            actor=request.user,
            administration=administration,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
            extra=form.extra(),
        )
    except services.TokenRefused as refusal:
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        return _render(request, kind, administration, form, status=400)
    # The secret is in this response only: no redirect, and never cached.
    return _render(request, kind, administration, kind.form(), secret=secret, token=token)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, code: str, pk: int, kind: TokenKind[Any]) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    token = selectors.access_token(kind, request.user, administration, pk)
    if request.method == "POST":
        services.token_revoke(kind=kind, actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse(f"{kind.pages}:tokens", args=[administration.code]))
    return render(
        request,
        "tokens/token_revoke.html",
        {
            "administration": administration,
            "token": token,
            "texts": kind.texts,
            "list_url": f"{kind.pages}:tokens",
            "question": kind.texts.revoke_question % {"name": token.name, "prefix": token.prefix},
        },
    )
