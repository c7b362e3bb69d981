"""The form a manager fills to assign training. It parses and checks what the page can
check (one of course or programme, known employee numbers); the service
(:func:`lms.tracking.assignments.assignment_create`) checks the rest and writes."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, Unit, User

from .assignments import assignable_courses, assignable_programmes
from .filters import MAX_ID

NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"

    def _check_values(self, value: Any) -> Any:
        # An id that is not a whole number a database column can hold is refused here,
        # with the field's "invalid choice" message, before it reaches the database.
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text[:20]},
                )
        return super()._check_values(value)


class AssignmentForm(forms.Form):
    course = forms.TypedChoiceField(label=_("Course"), required=False, coerce=int, empty_value=None)
    programme = forms.TypedChoiceField(
        label=_("or certification programme"), required=False, coerce=int, empty_value=None
    )
    units = UnitChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Every officer of these units, including those who join later."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    include_subunits = forms.BooleanField(
        label=_("Include the units inside the chosen units"), required=False, initial=True
    )
    officers = forms.CharField(
        label=_("Officers (employee numbers)"),
        required=False,
        help_text=_("One per line, or separated by commas."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=200_000,
    )
    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the due date.")},
    )
    note = forms.CharField(
        label=_("Note to officers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, administration: Administration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.administration = administration
        self.course_pages = {page.pk: page for page in assignable_courses(administration)}
        self.programmes = {p.pk: p for p in assignable_programmes(administration)}
        self.fields["course"].choices = [("", _("— No course —"))] + [
            (pk, page.title) for pk, page in self.course_pages.items()
        ]
        self.fields["programme"].choices = [("", _("— No programme —"))] + [
            (pk, f"{programme.title_for()} ({programme.code})")
            for pk, programme in self.programmes.items()
        ]
        self.fields["units"].queryset = Unit.objects.filter(
            administration=administration, is_active=True
        ).order_by("name")

    def clean_officers(self) -> list[User]:
        raw = self.cleaned_data.get("officers") or ""
        numbers = list(dict.fromkeys(n for n in NUMBER_SEPARATORS.split(raw) if n))
        if not numbers:
            return []
        found = {
            user.employee_number: user
            for user in User.objects.filter(
                administration=self.administration, employee_number__in=numbers
            )
        }
        unknown = [number for number in numbers if number not in found]
        if unknown:
            raise forms.ValidationError(
                _("No one of this administration has these employee numbers: %(numbers)s"),
                params={"numbers": ", ".join(unknown)},
                code="unknown",
            )
        return [found[number] for number in numbers]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        course, programme = data.get("course"), data.get("programme")
        if "course" in data and "programme" in data and (course is None) == (programme is None):
            raise forms.ValidationError(_("Choose either a course or a programme."))
        if "units" in data and "officers" in data and not data["units"] and not data["officers"]:
            raise forms.ValidationError(_("Choose at least one unit or officer."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "course": self.course_pages.get(data["course"]) if data["course"] else None,
            "programme": self.programmes.get(data["programme"]) if data["programme"] else None,
            "units": list(data["units"]),
            "officers": data["officers"],
            "include_subunits": data["include_subunits"],
            "due_on": data["due_on"],
            "note": data["note"],
        }


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this assignment"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
