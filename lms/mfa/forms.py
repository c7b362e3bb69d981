"""Forms of the second-factor pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter the code.")},
    )


class RecoveryCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Recovery code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the code.")},
    )


class TotpEnrolForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this app"),
        max_length=64,
        initial=_("Authenticator app"),
        help_text=_("To tell your devices apart, for example “Phone”."),
    )
    code = CodeForm.base_fields["code"]


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label=_("Name of this passkey"), max_length=64, required=False)
