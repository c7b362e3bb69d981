"""Attempt times and deadlines on the assessment page are the officer's local times, with
the zone named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Attempt
from courses import services as course_services

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 3, 12, 3, 30, tzinfo=UTC)  # 22:30 on 11 March in Lima


@pytest.fixture
def lima_officer(per, per_officer, assessment):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=assessment.page)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=STARTED)
    return per_officer


def test_an_attempt_shows_when_it_started_in_the_officers_zone(client, lima_officer, assessment):
    client.force_login(lima_officer)  # reads Spanish: d/m/Y H:i
    text = client.get(assessment.page.url).content.decode()
    assert "<td data-started>11/03/2026 22:30 (America/Lima)</td>" in text


def test_the_officers_own_zone_wins(client, lima_officer, assessment):
    lima_officer.time_zone = "America/Sao_Paulo"
    lima_officer.save(update_fields=["time_zone"])
    client.force_login(lima_officer)
    text = client.get(assessment.page.url).content.decode()
    assert "<td data-started>12/03/2026 00:30 (America/Sao_Paulo)</td>" in text


def test_the_deadline_and_the_closed_message_are_local(client, lima_officer, assessment):
    page = assessment.page
    page.available_until = datetime(2030, 1, 1, 4, 59, tzinfo=UTC)  # 23:59 on 31 Dec in Lima
    page.save_revision().publish()
    lima_officer.preferred_language = "en"
    lima_officer.save(update_fields=["preferred_language"])
    client.force_login(lima_officer)
    text = client.get(page.url).content.decode()
    assert "Open until Dec. 31, 2029, 11:59 p.m. (America/Lima)" in text
    attempt = Attempt.objects.get(user=lima_officer)
    services.attempt_submit(actor=lima_officer, attempt_id=attempt.pk)
    page.available_until = timezone.now() - timedelta(days=1)
    page.save_revision().publish()
    closed = client.get(page.url).content.decode()
    assert "This assessment closed on" in closed and "(America/Lima)" in closed
