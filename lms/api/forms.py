"""The API token form of the token management page: the shared name and expiry, and the
token's access."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lms.tokens.forms import TokenForm

from .models import ApiToken


class ApiTokenForm(TokenForm):
    scopes = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scopes.choices,
        initial=ApiToken.Scopes.READ,
        widget=forms.RadioSelect,
        help_text=_("Read and write also allows creating officers and assignments."),
    )
    field_order = ["name", "scopes", "expires_in_days"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _(
            "What the token is for, for example “HR system” or “Ministry dashboard”."
        )
