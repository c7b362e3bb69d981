"""Admin forms of assessment pages."""

from __future__ import annotations

import copy
from typing import Any

from lms.authoring import AuthoringPageForm


class AssessmentPageForm(AuthoringPageForm):
    """The draw rules offer only the banks the author may draw from: regional banks and
    their administration's (regional authors: every bank). Another administration's bank is
    neither listed nor accepted. Its rich text names only what the author may use
    (:class:`lms.authoring.AuthoringPageForm`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import QuestionBank
        from .selectors import bank_list_for_user

        formset = self.formsets.get("draw_rules")
        if formset is None:
            return
        user = self.for_user
        banks = bank_list_for_user(user) if user is not None else QuestionBank.objects.none()
        # A form class of this form's own, so that every row and the empty row added in the
        # browser offer these banks (the class shared by every request is left alone).
        rule_form = type(formset.form.__name__, (formset.form,), {})
        bank = copy.deepcopy(rule_form.base_fields["bank"])
        bank.queryset = banks
        rule_form.base_fields = {**rule_form.base_fields, "bank": bank}
        formset.form = rule_form
