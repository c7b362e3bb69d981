from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Level, Track
from .search import MAX_QUERY_LENGTH, searchable


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters. Words are searched on the search page (``SearchForm``),
    which looks in every course, module and lesson, not here."""

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


class SearchForm(forms.Form):
    """The catalogue search box: words to find in courses, modules and lessons."""

    q = forms.CharField(
        label=_("Search courses and lessons"),
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "required": _("Type a word or two to search for."),
            "max_length": _(
                "This search is too long: use at most %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_q(self) -> str:
        query = self.cleaned_data["q"]
        if not searchable(query):
            raise forms.ValidationError(
                _("Type at least one word or number: punctuation alone finds nothing."),
                code="no_words",
            )
        return query
