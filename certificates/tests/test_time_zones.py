"""Certificates' dates in the right zone: the public verification page (the issuing
administration's, named), the PDF (the holder's), expiry e-mails (the recipient's)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.tests.fixtures import issue, make_programme

pytestmark = pytest.mark.django_db

LIMA = zoneinfo.ZoneInfo("America/Lima")
ISSUED = datetime(2026, 3, 12, 3, 30, tzinfo=UTC)  # 22:30 on 11 March in Lima


@pytest.fixture
def lima_certificate(per, per_officer):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    return issue(per_officer, make_programme(), issued_at=ISSUED)


def test_the_verification_page_shows_the_issuing_administrations_zone(client, lima_certificate):
    response = client.get(reverse("certificates:verify", args=[lima_certificate.code_display]))
    text = response.content.decode()
    assert "March 11, 2026, 10:30 p.m. (America/Lima)" in text  # issued
    assert "March 11, 2029, 10:30 p.m. (America/Lima)" in text  # expires, 36 months on
    assert "valid until March 11, 2029." in text
    assert "(UTC)" not in text
    assert 'datetime="2026-03-11T22:30:00-05:00"' in text


def test_a_signed_in_visitor_still_reads_the_issuers_zone(client, lima_certificate, pan_officer):
    pan_officer.time_zone = "Asia/Tokyo"
    pan_officer.save(update_fields=["time_zone"])
    client.force_login(pan_officer)
    with timezone.override("Asia/Tokyo"):  # as if the visitor's zone leaked in
        text = client.get(
            reverse("certificates:verify", args=[lima_certificate.code_display]),
            headers={"accept-language": "en"},
        ).content.decode()
    assert "(America/Lima)" in text and "Asia/Tokyo" not in text


def test_the_pdf_dates_are_the_holders(lima_certificate, per_officer):
    data = services.print_data(lima_certificate)
    assert (data.issued_on, data.expires_on) == (date(2026, 3, 11), date(2029, 3, 11))
    per_officer.time_zone = "Asia/Tokyo"  # the holder's own choice wins
    per_officer.save(update_fields=["time_zone"])
    lima_certificate.refresh_from_db()
    assert services.print_data(lima_certificate).issued_on == date(2026, 3, 12)


def test_expiry_e_mails_give_the_recipients_local_date(per, per_officer, per_manager):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    per_manager.email = "manager.per@example.org"
    per_manager.save(update_fields=["email"])
    # Expires in about 80 days, at 03:30 UTC: still the day before in Lima.
    soon = timezone.now() + timedelta(days=80)
    issued_at = (soon.replace(hour=3, minute=30, second=0, microsecond=0)).replace(
        year=soon.year - 3
    )
    certificate = issue(per_officer, make_programme(), issued_at=issued_at)
    lima_day = timezone.localdate(certificate.expires_at, LIMA).isoformat()
    utc_day = certificate.expires_at.astimezone(UTC).date().isoformat()
    assert lima_day != utc_day
    mail.outbox.clear()
    assert services.expiry_reminders_send() == 1
    holder = next(m for m in mail.outbox if m.to == [per_officer.email])
    assert lima_day in holder.subject and utc_day not in holder.subject
    digest = next(m for m in mail.outbox if m.to == ["manager.per@example.org"])
    assert lima_day in digest.body and utc_day not in digest.body
