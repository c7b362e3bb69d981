"""The SCIM token form of the token management page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NAME_MAX_LENGTH

EXPIRY_CHOICES = [
    (30, _("30 days")),
    (90, _("90 days")),
    (365, _("1 year")),
]


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What the token is for, for example “HR system” or “Identity provider”."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=365,
    )
