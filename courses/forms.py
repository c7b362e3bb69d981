from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Level, Track


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    track = forms.ChoiceField(
        label=_("Track"), required=False, choices=[("", _("All tracks")), *Track.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), *settings.WAGTAIL_CONTENT_LANGUAGES],
    )
