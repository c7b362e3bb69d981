"""Tenant isolation of essay grading: every URL showing a PER officer's essay (the grading
page, before and after grading, and an attached file) answers 404 to PAN's training
manager, while PER's training manager (the positive control) reaches it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.marking import services as marking_services
from assessments.tests.essay_fixtures import essay_response, sit
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def per_essay(client, essay_assessment, per_officer):
    attempt = sit(per_officer, essay_assessment, submit=False)
    essay = essay_response(attempt)
    client.force_login(per_officer)
    key = client.post(
        reverse("assessments:essay_file_upload", args=[attempt.pk]),
        {"position": essay.position, "file": SimpleUploadedFile("r.pdf", PDF)},
    ).json()["key"]
    services.response_save(
        actor=per_officer,
        attempt_id=attempt.pk,
        position=essay.position,
        seq=9,
        answer={"text": "Seized under article 189.", "files": [key]},
    )
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    client.logout()
    return essay, [
        reverse("assessments_grading", args=[essay.pk]),
        reverse("assessments:essay_file", args=[attempt.pk, key]),
    ]


def test_pan_training_manager_gets_404_for_per_essays(client, per_essay, per_author, pan_author):
    essay, urls = per_essay
    assert_hidden_from(client, urls, outsider=pan_author, owner=per_author)
    marking_services.essay_grade_save(
        actor=per_author, response_id=essay.pk, rubric={"facts": "all", "law": "right"}
    )
    assert_hidden_from(client, urls, outsider=pan_author, owner=per_author)


def test_pan_officer_gets_404_for_per_essay_files(client, per_essay, per_officer, pan_officer):
    _essay, urls = per_essay
    assert_hidden_from(client, urls[1:], outsider=pan_officer, owner=per_officer)
