"""The form of a token page: a name and an expiry; a kind adds its own fields (the API's
access) by subclassing :class:`TokenForm`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NAME_MAX_LENGTH

EXPIRY_CHOICES = [
    (30, _("30 days")),
    (90, _("90 days")),
    (365, _("1 year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, coerce=int, initial=90
    )

    def extra(self) -> dict[str, object]:
        """The cleaned values of the kind's own fields, for ``token_issue(extra=…)``."""
        base = set(TokenForm.base_fields)
        return {k: v for k, v in self.cleaned_data.items() if k not in base}
