"""Shared fixtures for certificates: a programme on the course tree's final assessment,
and ways to earn and issue certificates through the real services."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from certificates.models import Programme, ProgrammeRequirement, ProgrammeText


def make_programme(
    *,
    code: str = "illicit-trade",
    assessment=None,
    course=None,
    min_score=None,
    validity_months: int | None = 36,
    administration=None,
    recert_assessment=None,
    titles: dict[str, str] | None = None,
) -> Programme:
    programme = Programme.objects.create(
        code=code,
        administration=administration,
        track="illicit_trade",
        validity_months=validity_months,
        recert_window_days=90,
    )
    titles = titles or {
        "en": "Certified illicit trade analyst",
        "es": "Analista certificado en comercio ilícito",
    }
    for language, title in titles.items():
        ProgrammeText.objects.create(
            programme=programme,
            language=language,
            title=title,
            description=f"{title}: red flags, concealment, origin fraud.",
        )
    if course is not None:
        ProgrammeRequirement.objects.create(programme=programme, course=course)
    if assessment is not None:
        ProgrammeRequirement.objects.create(
            programme=programme, assessment=assessment, min_score=min_score
        )
    if recert_assessment is not None:
        ProgrammeRequirement.objects.create(
            programme=programme,
            assessment=recert_assessment,
            purpose=ProgrammeRequirement.Purpose.RECERT,
        )
    return programme


@pytest.fixture
def programme(assessment):
    """Pass the course tree's final assessment with at least 80 %."""
    return make_programme(assessment=assessment.page, min_score=80)


def pass_assessment(officer, assessment_page, wrong=frozenset()):
    """Start, answer every question right (except the types in ``wrong``, left blank),
    submit: through the real services."""
    from assessments import services
    from assessments.tests.fixtures import browser_answer
    from assessments.tests.test_attempts import RIGHT

    attempt = services.attempt_start(actor=officer, assessment=assessment_page)
    for response in attempt.responses.select_related("version"):
        if response.version.type in wrong:
            continue
        services.response_save(
            actor=officer,
            attempt_id=attempt.pk,
            position=response.position,
            seq=1,
            answer=browser_answer(response, RIGHT[response.version.type]),
        )
    return services.attempt_submit(actor=officer, attempt_id=attempt.pk)


@pytest.fixture
def earned(programme, assessment, per_officer, django_capture_on_commit_callbacks):
    """A PER officer who passed the final assessment and so holds a certificate."""
    from courses import services as course_services

    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = pass_assessment(per_officer, assessment.page)
    certificate = per_officer.certificates.get()
    return SimpleNamespace(
        certificate=certificate, officer=per_officer, attempt=attempt, programme=programme
    )


def issue(holder, programme, *, issued_at: datetime | None = None, previous=None):
    """Issue directly (for states that take years to reach, like expiry)."""
    from certificates.services import certificate_issue

    return certificate_issue(
        holder=holder, programme=programme, issued_at=issued_at, previous=previous
    )
