"""A training manager authors questions in the Wagtail admin through the structured
editor (no JSON typing): a single-choice question in two languages, and a hotspot question
whose regions are drawn on the image with the mouse. The page reports no script error and
no Content-Security-Policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.content import merged
from assessments.grading import validate_question
from assessments.models import Question
from assessments.services import question_version_save

pytestmark = pytest.mark.django_db(transaction=True)

# Records what the browser reports as a CSP violation, before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


# Requests the editor depends on: its script, its styles, the hotspot images.
OWN = ("/static/js/question_editor.js", "/static/css/question_editor.css", "/assessments/images/")


@pytest.fixture
def author_page(page, regional_author, password):
    """The admin, signed in as a regional training manager, with script errors, console
    errors (CSP violations included), CSP violation events and the editor's own requests
    collected."""
    problems: list[str] = []
    own: list[tuple[str, int]] = []

    def console(message):
        if message.type == "error":  # CSP violations are reported here too
            problems.append(f"console: {message.text}")

    def response(answer):
        if any(path in answer.url for path in OWN):
            own.append((answer.url, answer.status))

    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", console)
    page.on("response", response)
    page.add_init_script(WATCH_CSP)
    page.goto("/cms/login/")
    page.locator("#id_username").fill("author")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")
    page.wait_for_load_state("networkidle")
    page.problems = problems
    page.own_requests = own
    return page


def open_form(page, url: str) -> None:
    page.goto(url)
    # The admin fetches its icons after load: the ORM calls of the test wait for it.
    page.wait_for_load_state("networkidle")


def assert_clean(page) -> None:
    """No CSP violation or script error on the editor page so far, and everything the
    editor needs was served."""
    assert page.evaluate("window.__cspViolations") == []
    assert page.problems == []
    loaded = [url for url, status in page.own_requests if status < 400]
    assert any(url.endswith("/static/js/question_editor.js") for url in loaded)
    assert [(u, s) for u, s in page.own_requests if s >= 400] == []


def editor(page):
    return page.locator("[data-question-editor-root]")


def group(page, name: str):
    return editor(page).get_by_role("group", name=name, exact=True)


def create(page) -> None:
    page.locator("button[type=submit]").filter(has_text="Create").first.click()
    expect(page.locator(".messages")).to_be_visible()
    page.wait_for_load_state("networkidle")  # see open_form


def test_single_choice_in_two_languages_without_typing_json(author_page, bank):
    page = author_page
    open_form(page, "/cms/questions/new/")
    page.locator("#id_bank").select_option(label="Bank")
    page.locator("#id_uid").fill("sc-two-languages")
    expect(page.locator("#id_qtype")).to_have_value("single_choice")

    # The JSON stays in the form, out of sight until asked for.
    expect(editor(page)).to_be_visible()
    expect(page.locator("#id_data")).to_be_hidden()
    expect(page.locator("#id_texts")).to_be_hidden()
    editor(page).get_by_role("button", name="Show JSON").click()
    expect(page.locator("#id_data")).to_be_visible()
    editor(page).get_by_role("button", name="Hide JSON").click()
    expect(page.locator("#id_data")).to_be_hidden()

    ed = editor(page)
    ed.get_by_label("Title").fill("A live channel")
    ed.get_by_label("Question", exact=True).fill("Which tool is the live channel?")
    group(page, "Option 1").get_by_label("Text").fill("CEN")
    group(page, "Option 1").get_by_label("Feedback for this option").fill("CEN stores data.")
    group(page, "Option 2").get_by_label("Text").fill("CENcomm")
    ed.get_by_role("button", name="Add an option").click()
    expect(group(page, "Option 3").get_by_label("Text")).to_be_focused()
    page.keyboard.type("nCEN")
    group(page, "Option 2").get_by_label("Correct").check()
    ed.get_by_role("button", name="Move up").nth(1).click()  # CENcomm first
    ed.get_by_label("When the answer is right").fill("Yes: CENcomm.")
    # Switching the type keeps what both types share: texts, options, the right answer.
    page.locator("#id_qtype").select_option("multiple_response")
    expect(group(page, "Option 1").get_by_role("checkbox", name="Correct")).to_be_checked()
    expect(ed.get_by_label("Scoring")).to_have_value("all_or_nothing")
    page.locator("#id_qtype").select_option("true_false")
    expect(ed.get_by_label("Feedback when the officer answers True")).to_be_visible()
    page.locator("#id_qtype").select_option("single_choice")
    expect(ed.get_by_label("Title")).to_have_value("A live channel")
    expect(group(page, "Option 1").get_by_label("Text")).to_have_value("CENcomm")
    expect(group(page, "Option 1").get_by_role("radio", name="Correct")).to_be_checked()

    ed.get_by_label("Add a language").select_option("es")
    ed.get_by_role("button", name="Add", exact=True).click()
    expect(ed.get_by_role("tab", name="Español")).to_have_attribute("aria-selected", "true")
    # The English text is the placeholder to translate from.
    expect(ed.get_by_label("Title")).to_have_attribute("placeholder", "A live channel")
    ed.get_by_label("Title").fill("Un canal en vivo")
    ed.get_by_label("Question", exact=True).fill("¿Qué herramienta es el canal en vivo?")
    group(page, "Option 1").get_by_label("Text").fill("CENcomm")
    group(page, "Option 2").get_by_label("Text").fill("CEN")
    group(page, "Option 2").get_by_label("Feedback for this option").fill("CEN guarda datos.")
    group(page, "Option 3").get_by_label("Text").fill("nCEN")
    ed.get_by_role("tab", name="English").click()
    expect(ed.get_by_label("Title")).to_have_value("A live channel")

    assert_clean(page)
    create(page)
    version = Question.objects.get(uid="sc-two-languages").current_version
    assert version.type == "single_choice"
    assert version.data == {"options": [{"id": "b"}, {"id": "a"}, {"id": "c"}], "correct": "b"}
    assert version.texts["en"] == {
        "title": "A live channel",
        "stem": "<p>Which tool is the live channel?</p>",
        "feedback": {"correct": "Yes: CENcomm."},
        "options": {
            "b": {"text": "CENcomm"},
            "a": {"text": "CEN", "feedback": "CEN stores data."},
            "c": {"text": "nCEN"},
        },
    }
    assert version.texts["es"]["title"] == "Un canal en vivo"
    assert version.texts["es"]["stem"] == "<p>¿Qué herramienta es el canal en vivo?</p>"
    assert version.texts["es"]["options"] == {
        "b": {"text": "CENcomm"},
        "a": {"text": "CEN", "feedback": "CEN guarda datos."},
        "c": {"text": "nCEN"},
    }
    spanish = merged(version.data, version.texts["es"])
    assert validate_question("single_choice", spanish) == []


def on_screen(canvas):
    """The drawing area's box in the viewport, once scrolled into view."""
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def drag(page, box, start, end) -> None:
    """Press at ``start`` and release at ``end``, fractions of the drawing area."""
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    page.mouse.move(
        box["x"] + 0.5 * (start[0] + end[0]) * box["width"],
        box["y"] + start[1] * box["height"],
        steps=4,
    )
    page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=4)
    page.mouse.up()


def click_at(page, box, at, double=False) -> None:
    x, y = box["x"] + at[0] * box["width"], box["y"] + at[1] * box["height"]
    if double:
        page.mouse.dblclick(x, y)
    else:
        page.mouse.click(x, y)


def close_to(actual, expected, tolerance=3) -> bool:
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(
            close_to(a, e, tolerance) for a, e in zip(actual, expected, strict=True)
        )
    return abs(actual - expected) <= tolerance


def test_hotspot_regions_drawn_with_the_mouse(author_page, bank):
    page = author_page
    open_form(page, "/cms/questions/new/")
    page.locator("#id_bank").select_option(label="Bank")
    page.locator("#id_uid").fill("hotspot-drawn")
    page.locator("#id_qtype").select_option("hotspot")
    ed = editor(page)
    ed.get_by_label("Title").fill("A reefer declared as bananas")
    ed.get_by_label("Question", exact=True).fill("Click each area that does not fit.")
    expect(ed.get_by_text("Choose an image")).to_be_visible()
    ed.get_by_label("Image", exact=True).select_option("reefer_xray")
    expect(ed.get_by_label("Image width (pixels)")).to_have_value("960")
    expect(ed.get_by_label("Image height (pixels)")).to_have_value("360")
    image = ed.locator(".qe-canvas img")
    expect(image).to_have_attribute("src", "/assessments/images/reefer_xray.png")
    for _ in range(50):  # the image the officers see is served to the author too
        if image.evaluate("img => img.complete && img.naturalWidth") == 960:
            break
        page.wait_for_timeout(100)
    assert image.evaluate("img => img.naturalWidth") == 960
    ed.get_by_label("Text alternative of the image").fill("X-ray of a reefer container")

    canvas = ed.get_by_role("application", name="Image with the regions")
    ed.get_by_role("button", name="Draw a rectangle").click()
    box = on_screen(canvas)
    assert box["width"] > 100
    drag(page, box, (0.1, 0.2), (0.3, 0.6))  # 96,72 to 288,216 in image pixels
    rectangle = group(page, "Rectangle r1")
    expect(rectangle).to_be_visible()
    rectangle.get_by_label("Label").fill("Block in the unit")

    ed.get_by_role("button", name="Draw a polygon").click()
    box = on_screen(canvas)
    click_at(page, box, (0.6, 0.2))
    click_at(page, box, (0.9, 0.2))
    click_at(page, box, (0.9, 0.8))
    expect(ed.get_by_text("Polygon: 3 points placed.")).to_be_visible()
    click_at(page, box, (0.6, 0.8), double=True)  # the last corner closes the polygon
    polygon = group(page, "Polygon r2")
    expect(polygon).to_be_visible()
    polygon.get_by_label("Label").fill("Block behind the doors")

    # A second polygon, closed with the button.
    box = on_screen(canvas)
    for at in ((0.4, 0.1), (0.5, 0.3), (0.35, 0.3)):
        click_at(page, box, at)
    ed.get_by_role("button", name="Close polygon").click()
    group(page, "Polygon r3").get_by_label("Label").fill("Triangle")
    # ... selected with the mouse and deleted with the keyboard.
    ed.get_by_role("button", name="Select", exact=True).click()
    box = on_screen(canvas)
    click_at(page, box, (0.42, 0.25))
    expect(ed.locator("[data-region-row=r3]")).to_have_class("qe-entry is-selected")
    page.keyboard.press("Delete")
    expect(group(page, "Polygon r3")).to_have_count(0)

    ed.get_by_label("Regions to find").select_option("all")
    ed.get_by_label("Clicks allowed").fill("3")
    ed.get_by_label("Penalty per wrong click").fill("0.25")
    assert_clean(page)
    create(page)

    version = Question.objects.get(uid="hotspot-drawn").current_version
    data = version.data
    assert version.type == "hotspot"
    assert data["image"] == {"name": "reefer_xray", "width": 960, "height": 360}
    assert (data["targets"], data["max_clicks"], data["wrong_click_penalty"]) == ("all", 3, 0.25)
    regions = {r["id"]: r for r in data["regions"]}
    assert sorted(regions) == ["r1", "r2"]  # r3 was deleted
    assert regions["r1"]["shape"] == "rect"
    assert close_to(regions["r1"]["coords"], [96, 72, 192, 144]), regions["r1"]
    assert regions["r2"]["shape"] == "polygon"
    expected = [[576, 72], [864, 72], [864, 288], [576, 288]]
    assert close_to(regions["r2"]["coords"], expected), regions["r2"]
    assert version.texts["en"]["regions"] == {
        "r1": {"text": "Block in the unit"},
        "r2": {"text": "Block behind the doors"},
    }
    assert version.texts["en"]["image_alt"] == "X-ray of a reefer container"
    assert validate_question("hotspot", merged(data, version.texts["en"])) == []


def test_rectangle_added_and_removed_with_the_keyboard(author_page, bank):
    page = author_page
    open_form(page, "/cms/questions/new/")
    page.locator("#id_qtype").select_option("hotspot")
    ed = editor(page)
    ed.get_by_label("Image", exact=True).select_option("bill_of_lading")
    adding = ed.get_by_role("group", name="Add a rectangle by its coordinates (image pixels)")
    adding.get_by_label("Left (x)").fill("10")
    adding.get_by_label("Top (y)").fill("20")
    adding.get_by_label("Width").fill("30")
    adding.get_by_label("Width").press("Tab")
    page.keyboard.type("0")
    page.keyboard.press("Enter")  # no height above 0: refused, and the form is not sent
    expect(adding.get_by_role("alert")).to_contain_text("Give four numbers")
    adding.get_by_label("Height").fill("40")
    adding.get_by_label("Height").press("Enter")
    rectangle = group(page, "Rectangle r1")
    expect(rectangle.get_by_label("Width")).to_have_value("30")
    expect(adding.get_by_label("Left (x)")).to_be_focused()
    assert '"coords": [\n        10,\n        20,\n        30,\n        40\n      ]' in (
        page.locator("#id_data").input_value()
    )
    rectangle.get_by_label("Height").fill("45")
    assert "45" in page.locator("#id_data").input_value()
    rectangle.get_by_role("button", name="Delete this region").focus()
    page.keyboard.press("Enter")
    expect(group(page, "Rectangle r1")).to_have_count(0)
    expect(adding.get_by_label("Left (x)")).to_be_focused()  # the keyboard goes on from here
    adding.get_by_label("Left (x)").fill("1")
    adding.get_by_label("Top (y)").fill("2")
    adding.get_by_label("Width", exact=True).fill("3")
    adding.get_by_label("Height", exact=True).fill("4")
    adding.get_by_role("button", name="Add the rectangle").click()
    expect(group(page, "Rectangle r2")).to_be_visible()  # ids are never reused
    assert page.url.endswith("/cms/questions/new/")
    assert_clean(page)


def test_unreadable_json_leaves_the_raw_fields_and_editing_an_existing_question(author_page, bank):
    """A question stored the way the demo seeds it (each language's texts carrying the
    whole question) is edited through the editor; broken JSON switches the editor off."""
    question = Question.objects.create(bank=bank, uid="seeded-tf")
    english = {
        "title": "Who organises it?",
        "stem": "<p>The shipper <strong>usually</strong> organises it.</p>",
        "feedback": {"correct": "Right."},
        "data": {"correct": False, "feedback_true": "Not so.", "feedback_false": "Yes."},
    }
    spanish = {
        "title": "¿Quién lo organiza?",
        "stem": "<p>El embarcador suele organizarlo.</p>",
        "feedback": {"correct": "Bien."},
        "data": {"correct": False, "feedback_true": "No.", "feedback_false": "Sí."},
    }
    question_version_save(
        actor=None,
        question=question,
        qtype="true_false",
        data={"correct": False, "feedback_true": "Not so.", "feedback_false": "Yes."},
        texts={"en": english, "es": spanish},
    )
    page = author_page
    open_form(page, f"/cms/questions/edit/{question.pk}/")
    ed = editor(page)
    expect(ed.get_by_label("False", exact=True)).to_be_checked()
    # Rich HTML is kept as HTML; the Spanish feedback is found in its language's data.
    expect(ed.get_by_label("Question", exact=True)).to_have_value(english["stem"])
    ed.get_by_role("tab", name="Español").click()
    expect(ed.get_by_label("Feedback when the officer answers True")).to_have_value("No.")
    ed.get_by_label("Title").fill("¿Quién organiza el «rip-on»?")
    ed.get_by_label("True", exact=True).check()

    ed.get_by_role("button", name="Show JSON").click()
    data = page.locator("#id_data")
    written = data.input_value()
    assert '"correct": true' in written
    data.fill("{not json")
    expect(ed.get_by_role("status")).to_contain_text("cannot be read")
    expect(ed.get_by_label("Title")).to_have_count(0)
    data.fill(written)
    expect(ed.get_by_label("Title")).to_have_value("¿Quién organiza el «rip-on»?")

    assert_clean(page)
    page.locator("button[type=submit]").filter(has_text="Save").first.click()
    expect(page.locator(".messages")).to_be_visible()
    page.wait_for_load_state("networkidle")
    version = Question.objects.get(pk=question.pk).current_version
    assert version.data == {"correct": True, "feedback_true": "Not so.", "feedback_false": "Yes."}
    assert version.texts["es"]["title"] == "¿Quién organiza el «rip-on»?"
    assert version.texts["es"]["feedback_true"] == "No."
    assert version.texts["en"]["stem"] == english["stem"]
    for texts in version.texts.values():
        assert validate_question("true_false", merged(version.data, texts)) == []


def new_question(page, uid: str, qtype: str):
    open_form(page, "/cms/questions/new/")
    page.locator("#id_bank").select_option(label="Bank")
    page.locator("#id_uid").fill(uid)
    page.locator("#id_qtype").select_option(qtype)
    ed = editor(page)
    ed.get_by_label("Title").fill(f"About {uid}")
    ed.get_by_label("Question", exact=True).fill(f"What about {uid}?")
    return ed


def saved_valid(uid: str):
    version = Question.objects.get(uid=uid).current_version
    for texts in version.texts.values():
        assert validate_question(version.type, merged(version.data, texts)) == []
    return version


@pytest.mark.slow
def test_the_other_types_are_saved_valid(author_page, bank):
    page = author_page
    ed = new_question(page, "new-mr", "multiple_response")
    group(page, "Option 1").get_by_label("Text").fill("New consignee")
    group(page, "Option 2").get_by_label("Text").fill("Odd route")
    ed.get_by_role("button", name="Add an option").click()
    page.keyboard.type("Usual trade")
    ed.get_by_label("Scoring").select_option("right_minus_wrong")
    create(page)  # no option is ticked: refused, and the editor says why
    problems = editor(page).get_by_role("alert")
    expect(problems).to_contain_text("The question was not saved")
    expect(problems).to_contain_text("en:")
    assert not Question.objects.filter(uid="new-mr").exists()
    ed = editor(page)
    expect(group(page, "Option 3").get_by_label("Text")).to_have_value("Usual trade")
    expect(ed.get_by_label("Scoring")).to_have_value("right_minus_wrong")
    group(page, "Option 1").get_by_label("Correct").check()
    group(page, "Option 2").get_by_label("Correct").check()
    assert_clean(page)
    create(page)
    version = saved_valid("new-mr")
    assert version.data == {
        "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "correct": ["a", "b"],
        "scoring": "right_minus_wrong",
    }

    ed = new_question(page, "new-num", "numeric")
    ed.get_by_label("Correct answer (number)").fill("5.5")
    ed.get_by_label("Tolerance (±)").fill("0.5")
    ed.get_by_label("Unit (optional)").fill("years")
    create(page)
    version = saved_valid("new-num")
    assert version.data == {"answer": 5.5, "tolerance": 0.5}
    assert version.texts["en"]["unit"] == "years"

    ed = new_question(page, "new-ord", "ordering")
    group(page, "Item 1").get_by_label("Text").fill("Alert")
    group(page, "Item 2").get_by_label("Text").fill("Seizure")
    ed.get_by_role("button", name="Add an item").click()
    page.keyboard.type("Entered in CEN")
    group(page, "Item 1").get_by_role("button", name="Move down").click()  # Seizure, Alert
    group(page, "Item 2").get_by_role("button", name="Move down").click()  # ..., CEN, Alert
    expect(group(page, "Item 3").get_by_role("button", name="Move up")).to_be_focused()
    ed.get_by_label("Scoring").select_option("adjacent_pairs")
    create(page)
    version = saved_valid("new-ord")
    assert version.data["correct_order"] == ["i2", "i3", "i1"]
    assert version.data["scoring"] == "adjacent_pairs"
    items = version.texts["en"]["items"]
    assert [items[i]["text"] for i in version.data["correct_order"]] == [
        "Seizure",
        "Entered in CEN",
        "Alert",
    ]

    ed = new_question(page, "new-mat", "matching")
    group(page, "Response 1").get_by_label("Text").fill("CITES")
    group(page, "Response 2").get_by_label("Text").fill("FCTC Protocol")
    ed.get_by_role("button", name="Add a response").click()
    page.keyboard.type("Kyoto Convention")
    group(page, "Premise 1").get_by_label("Text").fill("Tobacco")
    group(page, "Premise 2").get_by_label("Text").fill("Wildlife")
    group(page, "Premise 1").get_by_label("Correct response").select_option(
        label="Response 2: FCTC Protocol"
    )
    group(page, "Premise 2").get_by_label("Correct response").select_option(
        label="Response 1: CITES"
    )
    ed.get_by_label("Scoring").select_option("per_premise")
    create(page)
    version = saved_valid("new-mat")
    assert version.data == {
        "premises": [{"id": "p1"}, {"id": "p2"}],
        "responses": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
        "correct": {"p1": "r2", "p2": "r1"},
        "scoring": "per_premise",
    }


def test_a_types_own_editor_and_its_json_stay_in_step(author_page, bank):
    """A type drawn by its own script (a short answer) may still be written as JSON: the
    drawn part follows the JSON typed, and the question is saved as written."""
    import json

    page = author_page
    ed = new_question(page, "json-short", "short_answer")
    ed.get_by_role("button", name="Show JSON").click()
    data = {
        "answers": [
            {"id": "s1", "text": "8471.30", "fraction": 1},
            {"id": "s2", "text": "8471*", "fraction": 0.5},
        ],
        "case_sensitive": False,
        "ignore_accents": True,
        "ignore_spaces": False,
    }
    page.locator("#id_data").fill(json.dumps(data))
    second = ed.get_by_role("group", name="Answer 2", exact=True)
    expect(second.get_by_label("Accepted answer")).to_have_value("8471*")
    expect(second.get_by_label("Credit")).to_have_value("50")
    expect(ed.get_by_label("Accents do not count")).to_be_checked()
    assert_clean(page)
    create(page)
    version = saved_valid("json-short")
    assert version.type == "short_answer" and version.data == data


def test_short_answer_numeric_units_and_description_are_drawn(author_page, bank):
    """Short answer (accepted answers, credits, feedback, matching options), a numeric
    question turned into several answers with units, and a description worth 0 points."""
    page = author_page
    ed = new_question(page, "drawn-short", "short_answer")
    first = ed.get_by_role("group", name="Answer 1", exact=True)
    first.get_by_label("Accepted answer").fill("precinto")
    first.get_by_label("Feedback for this answer").fill("Yes: the seal.")
    ed.get_by_role("button", name="Add an answer").click()
    page.keyboard.type("seal")
    ed.get_by_role("group", name="Answer 2").get_by_label("Credit").select_option("100")
    ed.get_by_label("Accents do not count").check()
    assert_clean(page)
    create(page)
    version = saved_valid("drawn-short")
    assert [(a["text"], a["fraction"]) for a in version.data["answers"]] == [
        ("precinto", 1),
        ("seal", 1),
    ]
    assert version.data["ignore_accents"] is True
    answers = version.texts["en"]["answers"]
    assert answers[version.data["answers"][0]["id"]]["feedback"] == "Yes: the seal."

    ed = new_question(page, "drawn-units", "numeric")
    ed.get_by_label("Correct answer (number)").fill("600")
    ed.get_by_role("button", name="Several answers or units").click()
    expect(ed.get_by_role("button", name="Add an answer")).to_be_focused()
    ed.get_by_role("button", name="Add an answer").click()
    second = ed.get_by_role("group", name="Answer 2", exact=True)
    second.get_by_label("Number").fill("6000")
    second.get_by_label("Credit").select_option("0")
    second.get_by_label("Feedback").fill("A decimal slip.")
    ed.get_by_label("The officer", exact=True).select_option("required")
    ed.get_by_role("button", name="Add a unit").click()
    page.keyboard.type("kg")
    ed.get_by_role("button", name="Add a unit").click()
    page.keyboard.type("t")
    ed.get_by_role("group", name="Unit 2").get_by_label("Multiplier").fill("0.001")
    ed.get_by_label("Share of the points lost without a unit (0 to 1)").fill("0.25")
    assert_clean(page)
    create(page)
    version = saved_valid("drawn-units")
    data = version.data
    assert [(a["value"], a["fraction"]) for a in data["answers"]] == [(600, 1), (6000, 0)]
    assert data["units"] == [{"unit": "kg", "multiplier": 1}, {"unit": "t", "multiplier": 0.001}]
    assert (data["unit_handling"], data["unit_penalty"]) == ("required", 0.25)

    ed = new_question(page, "drawn-description", "description")
    expect(ed.locator("[data-qe-section=description]")).to_be_visible()
    expect(page.locator("#id_data")).to_be_hidden()
    assert_clean(page)
    create(page)
    version = saved_valid("drawn-description")
    assert version.type == "description" and float(version.points) == 0


def test_an_essay_with_a_rubric_is_drawn_by_its_own_editor_script(author_page, bank):
    """The essay draws its part of the editor (static/js/question_editor/essay.js): word
    limits, files, grader information and a rubric of criteria and levels, no JSON."""
    page = author_page
    ed = new_question(page, "essay-rubric", "essay")
    expect(page.locator("#id_data")).to_be_hidden()
    ed.get_by_label("Fewest words (empty: no minimum)").fill("50")
    ed.get_by_label("Most words (empty: no maximum)").fill("300")
    ed.get_by_label("Files the officer may attach").select_option("1")
    ed.get_by_label(".pdf").check()
    ed.get_by_label("Information for the grader").fill("Names the reporting channel.")
    ed.get_by_role("button", name="Add a rubric").click()
    expect(ed.get_by_role("button", name="Add a criterion")).to_be_focused()
    criterion = ed.get_by_role("group", name="Criterion 1", exact=True)
    criterion.get_by_label("What is assessed").fill("Reporting channel")
    criterion.get_by_role("group", name="Level 1").get_by_label("Description of the level").fill(
        "Not named"
    )
    criterion.get_by_role("group", name="Level 2").get_by_label("Description of the level").fill(
        "Named"
    )
    criterion.get_by_role("group", name="Level 2").get_by_label("Points").fill("2")
    ed.get_by_role("button", name="Add a criterion").click()
    second = ed.get_by_role("group", name="Criterion 2", exact=True)
    expect(second.get_by_label("What is assessed")).to_be_focused()
    page.keyboard.type("Integrity reasoning")
    second.get_by_role("group", name="Level 1").get_by_label("Description of the level").fill(
        "Absent"
    )
    second.get_by_role("group", name="Level 2").get_by_label("Description of the level").fill(
        "Sound"
    )
    second.get_by_role("button", name="Add a level").click()
    page.keyboard.type("Thorough")
    second.get_by_role("group", name="Level 3").get_by_label("Points").fill("3")
    page.locator("#id_points").fill("5")
    assert_clean(page)
    create(page)
    version = saved_valid("essay-rubric")
    data = version.data
    assert (data["min_words"], data["max_words"], data["attachments"]) == (50, 300, 1)
    assert data["file_types"] == [".pdf"]
    assert data["grader_info"] == "Names the reporting channel."
    criteria = data["rubric"]["criteria"]
    assert [c["text"] for c in criteria] == ["Reporting channel", "Integrity reasoning"]
    assert [[(level["text"], level["points"]) for level in c["levels"]] for c in criteria] == [
        [("Not named", 0), ("Named", 2)],
        [("Absent", 0), ("Sound", 1), ("Thorough", 3)],
    ]


def test_a_cloze_is_drawn_by_its_own_editor_script(author_page, bank):
    """The cloze draws its gaps (static/js/question_editor/cloze.js): a short answer with
    two accepted answers, a number with a tolerance, a choice shown as a list, their
    credits, and the markers to write in the question text."""
    page = author_page
    ed = new_question(page, "cloze-drawn", "cloze")
    expect(page.locator("#id_data")).to_be_hidden()
    ed.get_by_label("Question", exact=True).fill(
        "A {{g1}} seal on a container of {{g2}} kg is checked {{g3}}."
    )
    first = ed.get_by_role("group", name="Gap 1", exact=True)
    expect(first.locator("code")).to_have_text("{{g1}}")
    first.get_by_role("group", name="Answer 1").get_by_label("Accepted answer").fill("bolt")
    first.get_by_role("button", name="Add an answer").click()
    page.keyboard.type("cable")
    first.get_by_role("group", name="Answer 2").get_by_label("Credit").select_option("50")
    second = ed.get_by_role("group", name="Gap 2", exact=True)
    second.get_by_label("Number").fill("12500")
    second.get_by_label("Tolerance (±)").fill("50")
    third = ed.get_by_role("group", name="Gap 3", exact=True)
    expect(third.get_by_label("Shown as")).to_have_value("dropdown")
    third.get_by_role("group", name="Option 1").get_by_label("Text").fill("at the gate")
    third.get_by_role("group", name="Option 2").get_by_label("Text").fill("never")
    third.get_by_role("group", name="Option 2").get_by_label("Feedback").fill("Always check.")
    assert_clean(page)
    create(page)
    version = saved_valid("cloze-drawn")
    gaps = {gap["id"]: gap for gap in version.data["gaps"]}
    assert [(a["text"], a["fraction"]) for a in gaps["g1"]["answers"]] == [
        ("bolt", 1),
        ("cable", 0.5),
    ]
    assert (gaps["g2"]["answers"][0]["value"], gaps["g2"]["answers"][0]["tolerance"]) == (
        12500,
        50,
    )
    options = version.texts["en"]["gaps"]["g3"]["options"]
    assert [options[o["id"]]["text"] for o in gaps["g3"]["options"]] == ["at the gate", "never"]
    assert options[gaps["g3"]["options"][1]["id"]]["feedback"] == "Always check."


def test_drag_and_drop_questions_are_drawn_by_their_own_editor_scripts(author_page, bank):
    """Drag and drop into text, onto an image and markers: choices, items and markers with
    their texts, gaps and zones with their right answers, the platform's image chosen
    from a list, all without JSON."""
    page = author_page
    ed = new_question(page, "dd-text", "drag_drop_text")
    expect(page.locator("#id_data")).to_be_hidden()
    ed.get_by_label("Question", exact=True).fill("The {{g1}} proves the {{g2}}.")
    for number, text in ((1, "certificate"), (2, "origin"), (3, "value")):
        ed.get_by_role("group", name=f"Choice {number}").get_by_label("Text").fill(text)
    ed.get_by_label("Gaps are filled by").select_option("select")
    ed.get_by_role("group", name="Gap 2").get_by_label("Right choice").select_option(label="origin")
    assert_clean(page)
    create(page)
    version = saved_valid("dd-text")
    assert version.data["mode"] == "select"
    choices = version.texts["en"]["choices"]
    assert {gap["id"]: choices[gap["correct"]]["text"] for gap in version.data["gaps"]} == {
        "g1": "certificate",
        "g2": "origin",
    }

    ed = new_question(page, "dd-image", "drag_drop_image")
    ed.get_by_label("Image", exact=True).select_option("bill_of_lading")
    ed.get_by_label("Text alternative").fill("A bill of lading")
    ed.get_by_role("group", name="Item 1").get_by_label("Text").fill("Shipper")
    ed.get_by_role("group", name="Item 2").get_by_label("Text").fill("Consignee")
    zone = ed.get_by_role("group", name="Zone 2")
    zone.get_by_label("From the left").fill("40")
    zone.get_by_label("From the top").fill("120")
    assert_clean(page)
    create(page)
    version = saved_valid("dd-image")
    assert version.data["image"]["name"] == "bill_of_lading"
    assert version.data["image"]["width"] > 0
    assert version.data["zones"][1] == {"id": "z2", "x": 40, "y": 120, "correct": "i2"}

    ed = new_question(page, "dd-marker", "drag_drop_marker")
    ed.get_by_label("Image", exact=True).select_option("container_doors")
    ed.get_by_label("Text alternative").fill("The doors of a container")
    ed.get_by_role("group", name="Marker 1").get_by_label("Text").fill("Seal")
    zone = ed.get_by_role("group", name="Zone 1")
    zone.get_by_label("Shape").select_option("rect")
    zone.get_by_label("Coordinates (image pixels)").fill("100, 80, 60, 40")
    assert_clean(page)
    create(page)
    version = saved_valid("dd-marker")
    assert version.data["zones"][0]["shape"] == "rect"
    assert version.data["zones"][0]["coords"] == [100, 80, 60, 40]
    assert version.texts["en"]["markers"]["m1"]["text"] == "Seal"
