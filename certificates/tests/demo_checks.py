"""What the demo seed must give certificates (checked by tests/test_seed_demo.py, which runs
the whole ``seed_demo`` once for every app)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from certificates.models import Certificate, Programme
from lms.accounts.roles import Role

# Tables the demo certificates fill, for the idempotency check of tests/test_seed_demo.py.
TABLES = [
    "certificates_programme",
    "certificates_programmetext",
    "certificates_programmerequirement",
    "certificates_certificate",
    "certificates_certificateevent",
    "courses_enrolment",
    "courses_lessonprogress",
]


def check_demo_certificates() -> None:
    """Three regional programmes in four languages, certificates in every state, each
    with its PDF. Called by tests/test_seed_demo.py, which runs the whole seed once."""
    programmes = {p.code: p for p in Programme.objects.prefetch_related("texts", "requirements")}
    assert len(programmes) == 3
    assert {p.track for p in programmes.values()} == {"illicit_trade", "integrity", "ftz"}
    for programme in programmes.values():
        assert programme.administration is None and programme.is_active
        assert programme.recert_window_days == 90
        texts = {text.language: text for text in programme.texts.all()}
        assert set(texts) == {"en", "es", "pt-br", "fr"}
        assert len({text.title for text in texts.values()}) == 4
        assert all(text.description for text in texts.values())
        assert programme.validity_months == (24 if programme.track == "integrity" else 36)
        rows = list(programme.requirements.all())
        course = next(row.course for row in rows if row.course_id)
        exam = next(row for row in rows if row.assessment_id)
        assert len(rows) == 2 and course.administration is None
        assert course.locale.language_code == "en"
        assert exam.min_score == 70
        assert exam.assessment.get_parent().get_parent().pk == course.pk

    now = timezone.now()
    certificates = list(Certificate.objects.select_related("administration", "revoked_by"))
    by_status: dict[str, list[Certificate]] = {}
    for certificate in certificates:
        by_status.setdefault(certificate.status_at(now), []).append(certificate)
    valid = by_status["valid"]
    expiring = [c for c in valid if c.expires_at <= now + timedelta(days=30)]
    assert expiring
    assert len(valid) - len(expiring) >= 3
    assert len({c.administration.code for c in valid if c not in expiring}) >= 2
    assert by_status["expired"]
    revoked = by_status["revoked"]
    assert revoked and all(c.revoked_reason for c in revoked)
    for certificate in revoked:
        manager = certificate.revoked_by
        assert manager.administration_id == certificate.administration_id
        assert manager.groups.filter(name=Role.ADMINISTRATION_MANAGER.value).exists()
    superseded = by_status["superseded"]
    assert superseded
    for certificate in superseded:
        renewal = certificate.next
        assert renewal.status_at(now) == "valid" and renewal.cycle == certificate.cycle + 1
    for certificate in certificates:  # every PDF rendered and stored
        assert certificate.pdf and certificate.pdf_rendered_at is not None, certificate.number
        with certificate.pdf.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
