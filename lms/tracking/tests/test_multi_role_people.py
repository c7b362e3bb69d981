"""An administration manager could take over a colleague who holds the Officers role *and*
a stronger one (training manager, administration manager, platform admin): the API and
the import treated anyone in the Officers group as an officer whose e-mail they may
change, and a password reset then went to the new address (found by the review after
issue 11). People with another role are now never changed as officers."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_cannot_redirect_a_training_managers_email(pan, pan_manager, password):
    colleague = UserFactory(
        username="author.pan",
        administration=pan,
        employee_number="PAN-TM1",
        email="author.pan@ana.invalid",
        roles={Role.OFFICER, Role.TRAINING_MANAGER},  # also takes courses
    )
    manager = Client()
    manager.force_login(pan_manager)
    manager.get("/administrations/PAN/")  # a CSRF cookie
    reply = manager.patch(
        f"/api/v1/officers/{colleague.pk}/",
        json.dumps({"email": "attacker@evil.invalid"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=manager.cookies["csrftoken"].value,
    )
    colleague.refresh_from_db()

    anonymous = Client()
    anonymous.post("/accounts/reset/", {"email": "attacker@evil.invalid"})
    links = [
        re.search(r"/accounts/reset/\S+/", message.body).group(0)
        for message in mail.outbox
        if "attacker@evil.invalid" in message.to
    ]
    assert colleague.email != "attacker@evil.invalid" and not links, (
        f"PATCH answered {reply.status_code}; reset links for the training manager went to "
        f"the manager's address: {links}"
    )


def test_an_import_row_cannot_change_a_multi_role_colleague(pan, pan_manager):
    from lms.tracking.importing import Table, TableRow
    from lms.tracking.officers import officers_plan

    UserFactory(
        username="jefe.pan",
        administration=pan,
        employee_number="PAN-TM2",
        email="jefe@ana.invalid",
        roles={Role.OFFICER, Role.ADMINISTRATION_MANAGER},
    )
    columns = ("employee_number", "full_name", "email")
    table = Table(
        format="csv",
        columns=columns,
        headings={column: column for column in columns},
        rows=(
            TableRow(
                line=2,
                values=dict(zip(columns, ("PAN-TM2", "Jefe", "x@evil.invalid"), strict=True)),
            ),
        ),
    )
    plan = officers_plan(administration=pan, table=table)
    assert [problem.code for problem in plan.rejected] == ["number_not_officer"]
