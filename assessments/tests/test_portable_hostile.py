"""A question bank file nested thousands deep is refused like any file that is not a bank
export, never a 500 (found while fuzzing for issue 11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import QuestionBank
from assessments.portable import parse_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"a":' * 30_000, '{"format": ' + "[" * 200 + "]" * 200 + "}"],
    ids=["array", "object", "deeper-than-an-export"],
)
def test_deeply_nested_files_are_not_json_errors(text):
    result = parse_json(text)
    assert [error.code for error in result.errors] == ["not_json"]
    assert "nested too deeply" in result.errors[0].params["detail"]


def test_the_bank_import_page_answers_instead_of_failing(client, regional_author):
    bank = QuestionBank.objects.create(title="Target")
    client.force_login(regional_author)
    upload = SimpleUploadedFile("bank.json", b"[" * 100_000)
    response = client.post(
        f"/cms/banks/{bank.pk}/import/", {"file": upload, "format": "json", "language": "en"}
    )
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    assert not bank.questions.exists()
