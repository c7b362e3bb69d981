"""Forms for signing in, choosing a language and editing one's own profile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import User
from .timezones import named_moment, utc_offset_label, validate_time_zone, zone_choices


def time_zone_choices(blank_label: str | None = None) -> list[Any]:
    """The zones grouped by region (America first), each labelled with its place and
    its offset from UTC now: "Lima (UTC−05:00)"."""
    now = timezone.now()
    choices: list[Any] = [("", blank_label)] if blank_label is not None else []
    for region, zones in zone_choices():
        label = pgettext_lazy("time zones", "Other") if region == "Other" else region
        choices.append(
            (label, [(name, f"{place} ({utc_offset_label(name, now)})") for name, place in zones])
        )
    return choices


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones (:func:`time_zone_choices`), validated like the models."""

    def __init__(self, *, blank_label: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=time_zone_choices(blank_label), **kwargs)
        self.error_messages["invalid_choice"] = _("Choose one of the time zones in the list.")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            validate_time_zone(value)


class LoginForm(AuthenticationForm):
    """Django's sign-in form with one generic error, whatever went wrong."""

    error_messages = {
        "invalid_login": _(
            "The username or password is not correct, or sign-in is blocked for a while "
            "after repeated failures. Check both and try again, or reset your password."
        ),
        "inactive": _(
            "The username or password is not correct, or sign-in is blocked for a while "
            "after repeated failures. Check both and try again, or reset your password."
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={
            "required": _("Choose a language."),
            "invalid_choice": _("Choose one of the languages in the list."),
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(required=False)

    class Meta:
        model = User
        fields = ["full_name", "email", "preferred_language", "time_zone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance
        administration = user.administration if user.administration_id else None
        inherited = (administration.time_zone if administration else "") or settings.TIME_ZONE
        # Empty (for instance removed by SCIM) means "not chosen": the administration's.
        language = administration.primary_language if administration else settings.LANGUAGE_CODE
        language_name = dict(settings.LANGUAGES).get(language, language)
        self.fields["preferred_language"].choices = [
            ("", gettext("Same as my administration (%(language)s)") % {"language": language_name}),
            *settings.LANGUAGES,
        ]
        self.fields["time_zone"] = TimeZoneField(
            required=False,
            blank_label=gettext("Same as my administration (%(zone)s)") % {"zone": inherited},
            help_text=escape(
                gettext("Dates and times are shown in this zone. Your local time now: %(now)s.")
                % {
                    "now": named_moment(
                        timezone.now(), timezone.get_current_timezone(), "TIME_FORMAT"
                    )
                }
            ),
        )
