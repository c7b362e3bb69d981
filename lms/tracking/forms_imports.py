"""The upload form of the officer import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OfficerImportForm(forms.Form):
    # An empty file reaches the importer, which explains it in its own words.
    file = forms.FileField(
        label=_("File of officers (CSV or Excel .xlsx)"),
        allow_empty_file=True,
        max_length=255,
        help_text=_(
            "One officer per row. Required columns: employee number, full name, e-mail "
            "address. Optional: unit (its code), position, preferred language, username."
        ),
        error_messages={
            "required": _("Choose a CSV or Excel (.xlsx) file to upload."),
            "max_length": _("The file name is too long: at most 255 characters."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,.xlsm,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    send_invitations = forms.BooleanField(
        label=_("E-mail new officers an invitation to choose their password"),
        required=False,
        initial=True,
    )
