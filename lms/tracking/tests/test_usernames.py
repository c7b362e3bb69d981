"""Officer imports do not tell one administration which usernames exist in another: a
username held elsewhere is rejected in the words of any invalid username, one of the
administration's own as taken, and no duplicate is created (issue 11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.tracking.importing import ExistingOfficer, Table, TableRow, plan_import
from lms.tracking.models import OfficerImport

pytestmark = pytest.mark.django_db

HEADER = "employee_number,full_name,email,username\n"


def table(*rows: tuple[str, str, str, str]) -> Table:
    columns = ("employee_number", "full_name", "email", "username")
    return Table(
        format="csv",
        columns=columns,
        headings={column: column for column in columns},
        rows=tuple(
            TableRow(line=index + 2, values={**dict(zip(columns, row, strict=True))})
            for index, row in enumerate(rows)
        ),
    )


def test_the_planner_names_only_the_administrations_own_usernames_as_taken():
    plan = plan_import(
        table(
            ("N-1", "Uno", "uno@x.org", "FOREIGN"),
            ("N-2", "Dos", "dos@x.org", "ours"),
            ("N-3", "Tres", "tres@x.org", "Boss"),
            ("N-4", "Cuatro", "cuatro@x.org", "bad name"),
        ),
        existing={"E-1": ExistingOfficer("Ours", "ours@x.org", username="ours")},
        unit_codes=set(),
        administration_languages=["es"],
        taken_usernames={"foreign", "ours", "boss"},
        administration_usernames={"boss"},
    )
    assert [(problem.line, problem.code) for problem in plan.rejected] == [
        (2, "bad_username"),
        (3, "username_taken"),
        (4, "username_taken"),
        (5, "bad_username"),
    ]
    assert plan.creates == []


def test_the_planner_puts_every_username_it_creates_in_the_namespace():
    plan = plan_import(
        table(
            ("N-1", "Uno", "uno@x.org", "jefe.pan"),
            ("N-2", "Dos", "dos@x.org", ""),
            ("N-3", "Tres", "tres@x.org", "Tres.PER"),
        ),
        existing={},
        unit_codes=set(),
        administration_languages=["es"],
        taken_usernames={"jefe.pan", "dos"},
        namespace="per",
    )
    assert plan.rejected == []
    assert [c.username for c in plan.creates] == ["jefe.pan.per", "dos.per", "Tres.PER"]


def test_the_import_preview_says_nothing_of_a_foreign_username(client, per, pan, per_manager):
    UserFactory(username="jefe.pan", administration=pan, roles={Role.ADMINISTRATION_MANAGER})
    client.force_login(per_manager)
    data = (HEADER + "N-1,Nuevo,nuevo@x.org,jefe.pan\nN-2,Otro,otro@x.org,libre\n").encode()
    response = client.post(
        reverse("tracking:imports", args=["PER"]),
        {"file": SimpleUploadedFile("officers.csv", data, content_type="text/csv")},
    )
    record = OfficerImport.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "not a valid username" not in page and "already taken" not in page
    assert record.problems == []
    assert record.created_count == 2  # planned: jefe.pan.per and libre.per, nothing said of PAN
