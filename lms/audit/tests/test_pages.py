"""The trail pages: tenancy (managers see their administration's records only, platform
admins all), filters, pagination, the CSV export, and pinned query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.audit.models import AuditAction, AuditRecord
from lms.audit.services import audit_record
from lms.audit.views import PER_PAGE
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db

PER_TRAIL = reverse("audit:trail", args=["PER"])
PLATFORM_TRAIL = reverse("audit:platform_trail")


@pytest.fixture
def trail(per, pan, per_manager, pan_manager, platform_admin):
    """Records of PER, of PAN and of the platform; one PER record is old."""
    per_token = audit_record(
        actor=per_manager,
        action=AuditAction.API_TOKEN_CREATE,
        administration=per,
        target=per,
        target_repr='=HYPERLINK("http://evil.example")',
    )
    per_old = AuditRecord.objects.create(
        action=AuditAction.ASSIGNMENT_CREATE,
        administration=per,
        target_repr="PER old assignment",
        at=timezone.now() - dt.timedelta(days=40),
    )
    pan_record = audit_record(
        actor=pan_manager,
        action=AuditAction.API_TOKEN_CREATE,
        administration=pan,
        target=pan,
        target_repr="PAN secret token",
    )
    platform = audit_record(
        actor=platform_admin,
        action=AuditAction.BANK_OWNER_CHANGE,
        administration=None,
        target_repr="Regional bank",
    )
    return {"per": [per_token, per_old], "pan": pan_record, "platform": platform}


def shown(response) -> set[int]:
    return {record.pk for record in response.context["page"]}


def test_a_manager_sees_their_administrations_trail_only(client, trail, per_manager):
    client.force_login(per_manager)
    response = client.get(PER_TRAIL)
    assert response.status_code == 200
    ids = shown(response)
    assert {r.pk for r in trail["per"]} <= ids
    assert trail["pan"].pk not in ids and trail["platform"].pk not in ids
    assert set(AuditRecord.objects.filter(pk__in=ids).values_list("administration", flat=True)) == {
        per_manager.administration_id
    }
    assert "PAN secret token" not in response.content.decode()


def test_others_get_404(client, trail, per_manager, pan_manager, per_officer, coordinator):
    urls = [PER_TRAIL, reverse("audit:trail_export", args=["PER"])]
    assert_hidden_from(client, urls, outsider=pan_manager, owner=per_manager)
    assert_hidden_from(client, urls, outsider=per_officer)
    assert_hidden_from(client, urls, outsider=coordinator)
    platform = [PLATFORM_TRAIL, reverse("audit:platform_trail_export")]
    assert_hidden_from(client, platform, outsider=per_manager)
    assert_hidden_from(client, platform, outsider=coordinator)
    assert_hidden_from(client, [reverse("audit:trail", args=["XXX"])], outsider=per_manager)


def test_a_platform_admin_sees_everything(client, trail, platform_admin):
    client.force_login(platform_admin)
    ids = shown(client.get(PLATFORM_TRAIL))
    assert {trail["pan"].pk, trail["platform"].pk, *(r.pk for r in trail["per"])} <= ids
    assert trail["pan"].pk in shown(client.get(reverse("audit:trail", args=["PAN"])))


def test_filters_by_action_and_days(client, trail, per_manager):
    client.force_login(per_manager)
    per_token, per_old = trail["per"]
    assert shown(client.get(PER_TRAIL, {"action": "api_token.create"})) == {per_token.pk}
    today = timezone.localdate()
    recent = shown(client.get(PER_TRAIL, {"since": (today - dt.timedelta(days=7)).isoformat()}))
    assert per_token.pk in recent and per_old.pk not in recent
    old_day = timezone.localdate(per_old.at)
    older = shown(
        client.get(PER_TRAIL, {"since": old_day.isoformat(), "until": old_day.isoformat()})
    )
    assert older == {per_old.pk}
    # A nonsense filter is shown as an error and ignored, not a server error.
    response = client.get(PER_TRAIL, {"since": "yesterday", "action": "nope"})
    assert response.status_code == 200 and response.context["form"].errors
    assert per_token.pk in shown(response)


def test_pages_of_fifty(client, per, per_manager):
    AuditRecord.objects.bulk_create(
        [
            AuditRecord(action=AuditAction.AUDIT_EXPORT, administration=per)
            for _ in range(PER_PAGE + 3)
        ]
    )
    client.force_login(per_manager)
    first = client.get(PER_TRAIL)
    assert len(first.context["page"]) == PER_PAGE
    count = first.context["page"].paginator.count
    assert len(client.get(PER_TRAIL, {"page": 2}).context["page"]) == count - PER_PAGE


def test_csv_export_neutralises_formulas_and_is_recorded(client, trail, per_manager, per):
    client.force_login(per_manager)
    response = client.get(
        reverse("audit:trail_export", args=["PER"]), {"action": "api_token.create"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *body = rows
    assert header[1] == "Action code" and len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Action"] == "API token created"
    assert row["Target"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Actor's username"] == "manager.per" and row["Administration"] == "PER"
    exported = AuditRecord.objects.get(action=AuditAction.AUDIT_EXPORT)
    assert exported.actor_id == per_manager.pk and exported.administration_id == per.pk
    assert exported.after["filters"] == {"action": ["api_token.create"]}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


#: The session, the user and their roles, the administration (not on the platform's
#: trail), the count and the page of records (joined with their content types and
#: administrations); the site comes from the cache: the same for 3 records as for 63.
PINNED = {PER_TRAIL: 5, PLATFORM_TRAIL: 4}


@pytest.mark.parametrize("url", [PER_TRAIL, PLATFORM_TRAIL])
def test_query_count_is_pinned_and_flat(client, per, per_manager, platform_admin, url):
    client.force_login(platform_admin if url == PLATFORM_TRAIL else per_manager)
    AuditRecord.objects.bulk_create(
        [AuditRecord(action=AuditAction.AUDIT_EXPORT, administration=per) for _ in range(3)]
    )
    client.get(url)  # the per-process caches (site, settings) are filled once
    few = _queries(client, url)
    AuditRecord.objects.bulk_create(
        [AuditRecord(action=AuditAction.AUDIT_EXPORT, administration=per) for _ in range(60)]
    )
    assert _queries(client, url) == few
    assert few == PINNED[url]
