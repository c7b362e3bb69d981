"""Failed sign-in lockout (django-axes), shared by the site and the Wagtail admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def normalised_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Count attempts per account whatever the case or spacing the attacker types."""
    field = (
        settings.AXES_USERNAME_FORM_FIELD
        if hasattr(settings, "AXES_USERNAME_FORM_FIELD")
        else "username"
    )
    raw = ""
    if credentials:
        raw = credentials.get(field) or credentials.get("username") or ""
    elif request is not None and request.method == "POST":
        raw = request.POST.get(field, "")
    return str(raw).strip().lower()


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The same generic page for every locked-out sign-in, on the site and in the admin.

    It says neither whether the account exists nor whether the password was right.
    """
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return TemplateResponse(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=429,
    ).render()
