import pytest
from django.core.management import CommandError, call_command

from assessments.models import Question, QuestionBank
from assessments.portability import ImportRefused, questions_export, questions_import
from assessments.tests.fixtures import QUESTIONS

pytestmark = pytest.mark.django_db

GIFT = """// Red flags
::Live channel:: Which tool is the live channel? {=CENcomm ~CEN ~nCEN}

::Broken:: This one never closes {=yes ~no

::Markings:: Within how many years must packs carry markings? {#5:0}
"""


def test_gift_with_a_bad_question_imports_nothing_and_reports_its_line(db):
    bank = QuestionBank.objects.create(title="Imported")
    with pytest.raises(ImportRefused) as refusal:
        questions_import(actor=None, bank=bank, text=GIFT, fmt="gift")
    lines = [line for line, _reason in refusal.value.report.rejected]
    assert lines == [4]
    assert not Question.objects.exists()


def test_skip_bad_imports_the_good_ones(db):
    bank = QuestionBank.objects.create(title="Imported")
    report = questions_import(actor=None, bank=bank, text=GIFT, fmt="gift", skip_bad=True)
    assert report.imported == 2 and [line for line, _ in report.rejected] == [4]
    types = sorted(q.current_version.type for q in bank.questions.all())
    assert types == ["numeric", "single_choice"]


def test_json_round_trip_keeps_every_type(bank):
    text, skipped = questions_export(bank=bank, fmt="json")
    assert skipped == []
    copy = QuestionBank.objects.create(title="Copy")
    report = questions_import(actor=None, bank=copy, text=text, fmt="json")
    assert report.imported == len(QUESTIONS) and report.rejected == []
    for question in copy.questions.select_related("current_version"):
        original = Question.objects.get(bank=bank, uid=question.uid).current_version
        assert question.current_version.type == original.type
        assert (
            question.current_version.data[
                "correct"
                if "correct" in original.data
                else "regions"
                if "regions" in original.data
                else "answer"
                if "answer" in original.data
                else "correct_order"
            ]
            is not None
        )


def test_gift_export_says_what_it_cannot_hold(bank):
    text, skipped = questions_export(bank=bank, fmt="gift")
    assert "=CENcomm" in text and "=Tobacco -> FCTC Protocol" in text
    assert {title for title, _reason in skipped} == {"ord", "hot"}


def test_commands(tmp_path, bank, capsys):
    out = tmp_path / "bank.gift"
    out.write_text(GIFT)
    copy = QuestionBank.objects.create(title="Target")
    with pytest.raises(CommandError, match="line 4"):
        call_command("questions_import", str(copy.pk), str(out))
    call_command("questions_import", str(copy.pk), str(out), "--skip-bad")
    assert copy.questions.count() == 2
    call_command("questions_export", str(bank.pk), "--format", "json")
    assert '"customs-lms-questions"' in capsys.readouterr().out


def test_aiken_is_read_only(bank, tmp_path):
    """Aiken is an import format (as in Moodle): the command does not offer it for export
    and the service refuses it rather than write another format under its name."""
    from assessments.portability import EXPORT_FORMATS

    assert "aiken" not in EXPORT_FORMATS
    with pytest.raises(CommandError):
        call_command("questions_export", str(bank.pk), "--format", "aiken")
    with pytest.raises(ValueError):
        questions_export(bank=bank, fmt="aiken")


@pytest.mark.parametrize("name", ["giftpeg__markdown.gift", "giftpeg__tf1_html.gift"])
def test_a_gift_file_starting_with_a_format_marker_is_read_as_gift(name, settings):
    """``[markdown]`` or ``[html]`` at the top of a GIFT file is not JSON's ``[``."""
    from pathlib import Path

    from assessments.portability import detect_format, parse_bytes

    data = (Path(settings.BASE_DIR).parent / "shared" / "corpora" / "gift" / name).read_bytes()
    assert data.lstrip()[:1] == b"["
    assert detect_format(data, name) == detect_format(data, "upload") == "gift"
    result = parse_bytes(data, name)
    assert result.errors == [] and result.questions
    assert detect_format(b'[{"type": "single_choice"}]', "bank") == "json"
    assert detect_format(b"[html] Is it? {T}", "bank.txt") == "gift"
