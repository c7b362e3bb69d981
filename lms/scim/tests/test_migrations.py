"""The addresses kept as a JSON list (0002) become ``ScimEmail`` rows (0003), and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lms.accounts.tests.factories import AdministrationFactory, UserFactory

BEFORE = [("scim", "0003_shared_token_base")]
AFTER = [("scim", "0004_scim_email_rows")]
SENT = [
    {"value": "ana@sunat.gob.pe", "type": "work", "primary": False},
    {"value": "ana.home@mail.example", "type": "home", "primary": True},
    {"value": "arios@per.gob.pe", "type": None, "primary": None},
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_json_addresses_become_rows_and_back():
    administration = AdministrationFactory(code="PER", name="SUNAT", official_languages=["es"])
    ana = UserFactory(username="ana", administration=administration, email="ana.home@mail.example")
    plain = UserFactory(username="plain", administration=administration)
    try:
        old = migrate(BEFORE)
        ScimUser = old.get_model("scim", "ScimUser")
        ScimUser.objects.create(user_id=ana.pk, administration_id=administration.pk, emails=SENT)
        ScimUser.objects.create(user_id=plain.pk, administration_id=administration.pk)

        new = migrate(AFTER)
        rows = new.get_model("scim", "ScimEmail").objects.order_by("owner_id", "position")
        assert [
            (r.owner_id, r.position, r.value, r.type, r.primary, r.chosen, r.administration_id)
            for r in rows
        ] == [
            (ana.pk, 0, "ana@sunat.gob.pe", "work", False, False, administration.pk),
            (ana.pk, 1, "ana.home@mail.example", "home", True, True, administration.pk),
            (ana.pk, 2, "arios@per.gob.pe", "", None, False, administration.pk),
        ]

        old = migrate(BEFORE)
        kept = dict(old.get_model("scim", "ScimUser").objects.values_list("user_id", "emails"))
        assert kept == {ana.pk: SENT, plain.pk: []}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
