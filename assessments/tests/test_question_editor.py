"""The question form ships the structured editor (static/js/question_editor.js) with its
settings and translated strings, and saves what the editor writes, validated as before."""

import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from assessments.admin_views import QuestionForm
from assessments.grading import SCORING_RULES
from assessments.models import Question

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "static" / "js" / "question_editor.js"
ISLAND = re.compile(r'<script id="question-editor-config" type="application/json">(.*?)</script>')


def island(page: str) -> dict:
    found = ISLAND.findall(page)
    assert len(found) == 1, "one data island per page"
    return json.loads(found[0])


def test_the_add_form_ships_the_editor_and_its_strings(client, regional_author, bank):
    client.force_login(regional_author)
    page = client.get("/cms/questions/new/").content.decode()
    assert '<script src="/static/js/question_editor.js"' in page
    assert 'href="/static/css/question_editor.css"' in page
    # The JSON fields are still there (the editor writes into them) and can be found.
    assert re.search(r'<select name="qtype"[^>]*data-question-editor="type"', page)
    assert re.search(r'<textarea name="data"[^>]*data-question-editor="data"', page)
    assert re.search(r'<textarea name="texts"[^>]*data-question-editor="texts"', page)
    config = island(page)
    assert config["strings"]["showJson"] == "Show JSON"
    assert config["strings"]["modeRect"] == "Draw a rectangle"
    assert config["languages"] == [{"code": c, "name": n} for c, n in settings.LANGUAGES]
    assert config["defaultLanguage"] == "en" and config["primaryLanguage"] == "en"
    assert config["scoring"] == {key: list(rules) for key, rules in SCORING_RULES.items()}
    # Hotspot images are shown from the URL the officers' page uses.
    assert config["imageUrl"] == "/assessments/images/__name__.png"
    assert {"name": "reefer_xray", "width": 960, "height": 360} in config["images"]
    image = client.get(config["imageUrl"].replace("__name__", "reefer_xray"))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_the_strings_are_translated_in_the_authors_language(client, regional_author, bank):
    client.force_login(regional_author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    with translation.override("es"):
        config = island(client.get("/cms/questions/new/").content.decode())
    assert config["strings"]["title"] == "Título"
    assert config["strings"]["trueLabel"] == "Verdadero"
    assert config["defaultLanguage"] == "es"  # a new question starts in the author's language


def test_every_string_the_script_uses_comes_from_the_server():
    source = SCRIPT.read_text()
    strings = QuestionForm.editor_strings
    used = set(re.findall(r"\bS\.([A-Za-z_]\w*)", source))
    used |= {f"scoring_{rule}" for rules in SCORING_RULES.values() for rule in rules}
    used |= {f"{noun}N" for noun in ("item", "premise", "response")}
    assert 'S[noun + "N"]' in source and 'S["scoring_" + rule]' in source
    assert used - set(strings) == set()
    assert set(strings) - used == set(), "strings nobody shows"
    # ... and no English sentence is written into the script itself.
    literals = set(re.findall(r'"((?:[^"\\]|\\.)*)"', source))
    assert {str(text) for text in strings.values()} & literals == set()
    assert not [text for text in literals if re.fullmatch(r"[A-Z][a-z]+( [a-z]+)+\.?", text)]


def test_the_page_offers_a_fallback_when_the_editor_cannot_run(client, regional_author, bank):
    """The data island is inert JSON and the JSON fields keep their labels and help."""
    client.force_login(regional_author)
    question = Question.objects.get(uid="hot")
    page = client.get(f"/cms/questions/edit/{question.pk}/").content.decode()
    config = island(page)
    assert config["strings"]["closePolygon"] == "Close polygon"
    assert "Answer key and structure (JSON)" in page
    textarea = re.search(r'<textarea name="data"[^>]*>(.*?)</textarea>', page, re.S)
    assert json.loads(html.unescape(textarea.group(1)))["image"]["name"] == "reefer_xray"


# What the editor writes: the answer key and ids in "data", every text per language in
# "texts" keyed by id (see static/js/question_editor.js, serialize()).
HOTSPOT_DATA = {
    "image": {"name": "reefer_xray", "width": 960, "height": 360},
    "regions": [
        {"id": "r1", "shape": "rect", "coords": [96, 72, 192, 144]},
        {"id": "r2", "shape": "polygon", "coords": [[576, 72], [864, 72], [864, 288]]},
    ],
    "targets": "all",
    "max_clicks": 3,
    "wrong_click_penalty": 0.25,
}


def hotspot_texts(language: str, label: str) -> dict:
    return {
        "title": f"Reefer ({language})",
        "stem": "<p>Click each anomaly.</p>",
        "feedback": {"correct": "Yes."},
        "image_alt": f"X-ray ({language})",
        "regions": {"r1": {"text": label}, "r2": {"text": f"{label} 2"}},
    }


def post(client, bank, data, texts, qtype="hotspot", uid="drawn"):
    return client.post(
        "/cms/questions/new/",
        {
            "bank": bank.pk,
            "uid": uid,
            "tags": "",
            "qtype": qtype,
            "points": "2",
            "data": json.dumps(data),
            "texts": json.dumps(texts),
        },
    )


def test_what_the_editor_writes_is_saved_as_it_is(client, regional_author, bank):
    client.force_login(regional_author)
    texts = {"en": hotspot_texts("en", "Block"), "es": hotspot_texts("es", "Bloque")}
    response = post(client, bank, HOTSPOT_DATA, texts)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = Question.objects.get(uid="drawn").current_version
    assert version.type == "hotspot"
    assert version.data == HOTSPOT_DATA and version.texts == texts
    assert float(version.points) == 2


def test_the_server_still_judges_what_the_editor_writes(client, regional_author, bank):
    """A rectangle drawn past the image edge, and a language left without a region
    label, are refused by validate_question with the language named."""
    client.force_login(regional_author)
    data = json.loads(json.dumps(HOTSPOT_DATA))
    data["regions"][0]["coords"] = [900, 72, 100, 50]
    spanish = hotspot_texts("es", "Bloque")
    spanish["regions"]["r2"] = {"text": ""}
    response = post(client, bank, data, {"en": hotspot_texts("en", "Block"), "es": spanish})
    assert response.status_code == 200
    assert not Question.objects.filter(uid="drawn").exists()
    page = html.unescape(response.content.decode())
    assert "en: Region “r1” extends outside the image." in page
    assert "es: Region “r2” has no label." in page
    assert "en: Region “r2” has no label." not in page


def test_a_stem_saved_through_the_editor_is_cleaned(client, regional_author, bank):
    """Links, redirects and scripts typed into a stem never reach the stored question
    (and so never reach officers)."""
    client.force_login(regional_author)
    texts = {"en": hotspot_texts("en", "Block")}
    texts["en"]["stem"] = (
        '<p>Click <a href="https://phish.example">here</a> each anomaly.'
        '<meta http-equiv="refresh" content="0;url=https://phish.example"></p>'
        "<script>steal()</script><p onclick=x()><strong>Now</strong></p>"
    )
    response = post(client, bank, HOTSPOT_DATA, texts)
    assert response.status_code == 302, response.content.decode()[:2000]
    stem = Question.objects.get(uid="drawn").current_version.texts["en"]["stem"]
    assert stem == "<p>Click here each anomaly.</p><p><strong>Now</strong></p>"
