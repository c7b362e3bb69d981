"""Tenancy of the admin's forms (issue 11, after the security review): what the admin crawl
does not reach, because it needs a forged form POST or tags.

- A page names, in its blocks and rich text, only what its author may use
  (``lms/authoring.py``), and its form never shows anything else.
- The programme form offers and accepts only the courses and assessments the author may
  see, and names no other.
- A catalogue's owner is fixed for an author bound to one administration.
- Tags (global in taggit) are offered only from what the author may see.

``world`` is the crawl's own fixture (tests/test_tenancy_admin.py): PER's objects carry
``MARKER`` in their titles; ``pan_pages`` are PAN's catalogue, course, module and exam. The
other tests use the smaller ``shelf`` (PER's and PAN's catalogues, media and activities).
"""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client
from wagtail import blocks
from wagtail.blocks.base import get_error_json_data
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.snippets.blocks import SnippetChooserBlock
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.h5p.services import h5p_package_import
from courses.packages.scorm.services import scorm_package_import
from courses.packages.scorm.tests.packages import package as scorm_package
from courses.services import author_groups_sync, media_collection_for
from courses.tests.fixtures import add, package
from lms.authoring import scrub_rich_text, stream_problems, text_problems
from tests.test_tenancy_admin import MARKER, world_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(html: str) -> dict:
    return {"type": "text", "value": html, "id": str(uuid.uuid4())}


def _draft(page):
    """The page as its latest revision has it (read afresh: a page caches its latest
    revision)."""
    return Page.objects.get(pk=page.pk).get_latest_revision().as_object()


def _marked(text: str) -> list[str]:
    return sorted(set(re.findall(rf"{MARKER}[\w -]*", text)))


# --- lessons: chooser blocks and rich text --------------------------------------------------


@pytest.fixture
def pan_lesson(world):
    pan_module = world.pan_pages[2]
    return add(
        pan_module,
        LessonPage(title="PAN lesson", slug="pan-lesson", body=[_text("<p>x</p>")]),
    )


def _lesson_data(lesson, blocks_: list) -> dict:
    return nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "estimated_minutes": 15,
            "required": "on",
            "body": streamfield(blocks_),
        }
    )


def _h5p(activity) -> dict:
    return {"activity": activity.pk, "required": "on", "completion": "answer", "pass_percent": ""}


def test_lesson_blocks_refuse_another_administrations_media_and_activities(
    world, pan_author, pan_lesson
):
    """author.pan saves a draft of PAN's lesson whose blocks name PER's image, document
    and H5P activity by id (and a rich-text link to PER's draft page). Before the fix the
    chooser blocks accepted any existing id, and the edit form, the draft view and the
    preview then showed PER's titles, the image's rendition, the document's file name and
    the page's URL. Now each block gets an error naming it, the answer shows nothing of
    PER's, and the lesson is unchanged."""
    client = _client(pan_author)
    per_draft = world.per_pages[4]
    revisions = pan_lesson.revisions.count()
    data = _lesson_data(
        pan_lesson,
        [
            ("text", rich_text(f'<p><a linktype="page" id="{per_draft.pk}">see</a></p>')),
            ("image", {"image": world.per_image.pk, "alt_text": "x", "caption": ""}),
            ("document", {"document": world.per_document.pk, "description": ""}),
            ("h5p", _h5p(world.per_activity)),
        ],
    )
    saved = client.post(f"/cms/pages/{pan_lesson.pk}/edit/", data)
    assert saved.status_code == 200, "draft saved with PER's ids"
    assert _marked(saved.content.decode()) == []
    assert per_draft.url_path not in saved.content.decode()
    assert "per-circular" not in saved.content.decode()

    error = saved.context["form"].errors.as_data()["body"][0]
    messages = {index: get_error_json_data(e) for index, e in error.block_errors.items()}
    assert sorted(messages) == [0, 1, 2, 3]
    assert "Block 1 (Text): the page it names is not available to you" in str(messages[0])
    assert "Block 2 (Image): the image it names" in str(messages[1])
    assert "Block 3 (Document): the document it names" in str(messages[2])
    assert "Block 4 (H5P activity): the H5P activity it names" in str(messages[3])
    # The chooser's error shows on the chooser itself, inside its block.
    assert set(messages[1]["blockErrors"]) == {"image"}
    assert set(messages[3]["blockErrors"]) == {"activity"}

    assert pan_lesson.revisions.count() == revisions
    edit = client.get(f"/cms/pages/{pan_lesson.pk}/edit/").content.decode()
    draft = client.get(f"/cms/pages/{pan_lesson.pk}/view_draft/").content.decode()
    assert _marked(edit + draft) == []


@pytest.fixture
def shelf(home_page, per, pan, per_author, pan_author, regional_author):
    """PER's and PAN's catalogues down to a lesson, a regional one, and each owner's image,
    document and H5P activity (PER's titles carry the marker)."""
    course_fields = {"summary": "S.", "track": "illicit_trade", "level": "foundation"}
    regional_index = add(home_page, CourseIndexPage(title="Regional courses", slug="courses"))
    regional_course = add(
        regional_index, CoursePage(title="Open course", slug="o", **course_fields)
    )
    regional_module = add(regional_course, ModulePage(title="Open module", slug="m"))
    regional_lesson = add(
        regional_module, LessonPage(title="Open lesson", slug="l", body=[_text("<p>x</p>")])
    )
    pages = {}
    for code, administration in (("per", per), ("pan", pan)):
        title = MARKER if code == "per" else "PAN"
        index = add(
            home_page,
            CourseIndexPage(title=f"{title} catalogue", slug=code, administration=administration),
        )
        course = add(index, CoursePage(title=f"{title} course", slug="c", **course_fields))
        module = add(course, ModulePage(title=f"{title} module", slug="m"))
        lesson = add(
            module, LessonPage(title=f"{title} lesson", slug="l", body=[_text("<p>x</p>")])
        )
        pages[code] = SimpleNamespace(index=index, course=course, module=module, lesson=lesson)
    author_groups_sync()
    Document, Image = get_document_model(), get_image_model()
    media = {}
    for code, administration in (("per", per), ("pan", pan), ("regional", None)):
        title = MARKER if code == "per" else code.upper()
        media[code] = SimpleNamespace(
            image=Image.objects.create(
                title=f"{title} image",
                file=get_test_image_file(f"{code}.png"),
                collection=media_collection_for(administration),
            ),
            document=Document.objects.create(
                title=f"{title} document",
                file=get_test_image_file(f"{code}-circular.pdf"),
                collection=media_collection_for(administration),
            ),
            activity=h5p_package_import(
                actor=None,
                data=package(),
                title=f"{title} activity",
                administration=administration,
            ),
            scorm=scorm_package_import(
                actor=None,
                source=scorm_package(),
                title=f"{title} SCORM package",
                administration=administration,
            ),
        )
    return SimpleNamespace(
        per=pages["per"],
        pan=pages["pan"],
        regional_course=regional_course,
        regional_lesson=regional_lesson,
        media=media,
    )


def test_every_kind_of_reference_is_refused_alone_and_named_by_its_block(shelf, pan_author):
    """One forged reference at a time, in every block that names something (including a
    chooser inside a struct and a link inside a callout's rich text): each is refused on
    its own, with the block's number, its name and the kind of thing it names."""
    per, lesson = shelf.media["per"], shelf.pan.lesson
    client = _client(pan_author)
    page_link = rich_text(f'<p><a linktype="page" id="{shelf.per.course.pk}">x</a></p>')
    link = f'<p><a linktype="page" id="{shelf.per.lesson.pk}">see</a></p>'
    pan_video = shelf.media["pan"].document.pk
    cases = [
        ("text", page_link, "Text", "page"),
        ("image", {"image": per.image.pk, "alt_text": "x", "caption": ""}, "Image", "image"),
        ("video", {"video": per.document.pk, "transcript": rich_text("")}, "Video", "document"),
        (
            "video",
            {"video": pan_video, "captions": per.document.pk, "transcript": rich_text("")},
            "Video",
            "document",
        ),
        ("video", {"video": pan_video, "transcript": rich_text(link)}, "Video", "page"),
        ("document", {"document": per.document.pk}, "Document", "document"),
        ("callout", {"kind": "tip", "title": "T", "body": rich_text(link)}, "Callout", "page"),
        ("scenario", {"title": "T", "body": rich_text(link)}, "Scenario", "page"),
        ("h5p", _h5p(per.activity), "H5P activity", "H5P activity"),
        ("scorm", {"package": per.scorm.pk, "required": "on"}, "SCORM package", "SCORM package"),
    ]
    for block_type, value, label, kind in cases:
        data = _lesson_data(lesson, [("text", rich_text("<p>intro</p>")), (block_type, value)])
        answer = client.post(f"/cms/pages/{lesson.pk}/edit/", data)
        assert answer.status_code == 200, (block_type, value)
        assert _marked(answer.content.decode()) == [], (block_type, value)
        error = answer.context["form"].errors.as_data()["body"][0]
        assert list(error.block_errors) == [1], (block_type, value)
        expected = f"Block 2 ({label}): the {kind} it names is not available to you"
        assert expected in str(get_error_json_data(error.block_errors[1])), (block_type, value)
    assert lesson.revisions.count() == 1


def test_a_lesson_may_name_regional_content_and_its_own(shelf, pan_author):
    """The positive control: PAN's and regional images, documents, activities and pages
    are accepted, so the refusals above are about ownership, not about the blocks."""
    lesson = shelf.pan.lesson
    data = _lesson_data(
        lesson,
        [
            (
                "text",
                rich_text(
                    f'<p><a linktype="page" id="{shelf.pan.course.pk}">ours</a> '
                    f'<a linktype="page" id="{shelf.regional_course.pk}">open</a></p>'
                ),
            ),
            ("image", {"image": shelf.media["pan"].image.pk, "alt_text": "x", "caption": ""}),
            ("image", {"image": shelf.media["regional"].image.pk, "alt_text": "x", "caption": ""}),
            ("document", {"document": shelf.media["pan"].document.pk, "description": ""}),
            ("h5p", _h5p(shelf.media["pan"].activity)),
            ("h5p", _h5p(shelf.media["regional"].activity)),
            ("scorm", {"package": shelf.media["pan"].scorm.pk, "required": "on"}),
            ("scorm", {"package": shelf.media["regional"].scorm.pk, "required": "on"}),
        ],
    )
    answer = _client(pan_author).post(f"/cms/pages/{lesson.pk}/edit/", data)
    assert answer.status_code == 302, answer.context["form"].errors
    draft = _draft(lesson)
    assert [block.block_type for block in draft.body] == [
        "text",
        "image",
        "image",
        "document",
        "h5p",
        "h5p",
        "scorm",
        "scorm",
    ]


def test_regional_authors_may_name_anything(shelf, regional_author, platform_admin):
    """Regional authors and platform admins use every administration's content (a regional
    author edits the regional catalogue, a platform admin every one)."""
    per = shelf.media["per"]
    for author, lesson in (
        (regional_author, shelf.regional_lesson),
        (platform_admin, shelf.pan.lesson),
    ):
        data = _lesson_data(
            lesson,
            [
                ("text", rich_text(f'<p><a linktype="page" id="{shelf.per.course.pk}">x</a></p>')),
                ("image", {"image": per.image.pk, "alt_text": "x", "caption": ""}),
                ("h5p", _h5p(per.activity)),
            ],
        )
        answer = _client(author).post(f"/cms/pages/{lesson.pk}/edit/", data)
        assert answer.status_code == 302, answer.context["form"].errors
        body = _draft(lesson).body
        assert [block.block_type for block in body] == ["text", "image", "h5p"]
        assert body[1].value["image"] == per.image and body[2].value["activity"] == per.activity


def test_the_edit_form_never_shows_what_the_author_may_not_use(shelf, pan_author, platform_admin):
    """A lesson saved by someone who may use more (a platform admin placed PER's media
    in PAN's lesson): PAN's author edits it without seeing PER's titles, file names or
    page URLs; the choosers show nothing and the links keep their text only."""
    per = shelf.media["per"]
    lesson = shelf.pan.lesson
    lesson.body = [
        _text(
            f'<p>See <a linktype="page" id="{shelf.per.course.pk}">the PER course</a> and '
            f'<a linktype="document" id="{per.document.pk}">the circular</a>.</p>'
        ),
        {"type": "image", "value": {"image": per.image.pk, "alt_text": "x"}, "id": "i"},
        {"type": "document", "value": {"document": per.document.pk}, "id": "d"},
        {
            "type": "h5p",
            "value": {"activity": per.activity.pk, "required": True, "completion": "answer"},
            "id": "h",
        },
    ]
    lesson.save_revision(user=platform_admin)

    shown = _client(platform_admin).get(f"/cms/pages/{lesson.pk}/edit/").content.decode()
    assert _marked(shown), "positive control: the platform admin sees PER's titles"
    edit = _client(pan_author).get(f"/cms/pages/{lesson.pk}/edit/")
    page = edit.content.decode()
    assert edit.status_code == 200
    assert _marked(page) == []
    assert "per-circular" not in page and shelf.per.course.url not in page
    assert "the PER course" in page and "the circular" in page  # the text stays
    assert "PAN lesson" in page


def test_the_lesson_preview_names_only_activities_the_author_may_use(
    shelf, pan_author, platform_admin
):
    """Wagtail's preview of a lesson names its activities (they play once published): a
    lesson saved by a platform admin with PER's activity in PAN's lesson shows PAN's
    author the name of PAN's activity only."""
    lesson = shelf.pan.lesson
    lesson.body = [
        {
            "type": "h5p",
            "value": {"activity": activity.pk, "required": True, "completion": "answer"},
            "id": str(uuid.uuid4()),
        }
        for activity in (shelf.media["per"].activity, shelf.media["pan"].activity)
    ]
    lesson.save_revision(user=platform_admin)
    url = f"/cms/pages/{lesson.pk}/view_draft/"
    assert f"{MARKER} activity" in _client(platform_admin).get(url).content.decode()
    draft = _client(pan_author).get(url)
    assert draft.status_code == 200
    assert "PAN activity" in draft.content.decode()
    assert _marked(draft.content.decode()) == []


def test_rich_text_fields_of_pages_are_checked_too(shelf, pan_author):
    """A catalogue's introduction (a RichTextField, not a block) links to a PER page."""
    index = shelf.pan.index
    client = _client(pan_author)

    def post(html: str):
        data = nested_form_data(
            {
                "title": index.title,
                "slug": index.slug,
                "intro": rich_text(html),
                "administration": str(index.administration_id),
            }
        )
        return client.post(f"/cms/pages/{index.pk}/edit/", data)

    refused = post(f'<p><a linktype="page" id="{shelf.per.lesson.pk}">x</a></p>')
    assert refused.status_code == 200
    assert refused.context["form"].errors["intro"] == [
        "This text links to or shows a page that is not available to you: remove the link "
        "or choose another."
    ]
    assert _marked(refused.content.decode()) == []
    assert post(f'<p><a linktype="page" id="{shelf.pan.lesson.pk}">x</a></p>').status_code == 302


def test_the_checks_read_every_block_structure_and_snippet(shelf, pan_author):
    """The validator is generic: snippets of any registered model (here SCORM packages and
    H5P activities), page choosers, lists, nested structs and streams, and rich-text
    embeds; the errors are placed on the very chooser that names a foreign row."""
    per_scorm, pan_scorm = shelf.media["per"].scorm, shelf.media["pan"].scorm
    stream = blocks.StreamBlock(
        [
            ("scorm", SnippetChooserBlock("scorm.ScormPackage")),
            ("pages", blocks.ListBlock(blocks.PageChooserBlock())),
            (
                "nested",
                blocks.StructBlock(
                    [
                        (
                            "inner",
                            blocks.StreamBlock(
                                [("h5p", SnippetChooserBlock("courses.H5PActivity"))]
                            ),
                        ),
                        ("text", blocks.RichTextBlock()),
                    ]
                ),
            ),
        ]
    )
    per = shelf.media["per"]
    value = stream.to_python(
        [
            {"type": "scorm", "value": pan_scorm.pk, "id": "a"},
            {"type": "scorm", "value": per_scorm.pk, "id": "b"},
            {"type": "pages", "value": [shelf.pan.course.pk, shelf.per.course.pk], "id": "c"},
            {
                "type": "nested",
                "value": {
                    "inner": [
                        {"type": "h5p", "value": shelf.media["pan"].activity.pk, "id": "d"},
                        {"type": "h5p", "value": per.activity.pk, "id": "e"},
                    ],
                    "text": f'<p><embed embedtype="image" id="{per.image.pk}" format="left"/></p>',
                },
                "id": "f",
            },
        ]
    )
    error = stream_problems(pan_author, value).as_json_data()
    assert set(error["blockErrors"]) == {1, 2, 3}
    assert "Block 2 (Scorm): the SCORM package it names" in str(error["blockErrors"][1])
    assert set(error["blockErrors"][2]["blockErrors"]) == {1}  # the second page of the list
    nested = error["blockErrors"][3]["blockErrors"]
    assert set(nested) == {"inner", "text"}
    assert set(nested["inner"]["blockErrors"]) == {1}
    assert "the image it names" in str(nested["text"])
    assert stream_problems(pan_author, stream.to_python(value.raw_data[:1])) is None

    embed = f'<p>a</p><embed embedtype="image" id="{per.image.pk}" format="left"/><p>b</p>'
    assert text_problems(pan_author, embed) is not None
    assert scrub_rich_text(pan_author, embed) == "<p>a</p><p>b</p>"
    missing = '<p><a linktype="page" id="999999">gone</a></p>'
    assert text_problems(pan_author, missing) is not None  # answers as a foreign page does
    assert scrub_rich_text(pan_author, missing) == "<p>gone</p>"


# --- courses: ownership follows the tree -----------------------------------------------------


def test_catalogue_owner_cannot_be_changed_by_an_administration_author(world, pan_author):
    """PAN's catalogue showed its owner field (every administration, or none) to
    author.pan, and a draft moving PAN's catalogue to PER, or to the region, was saved
    (taking effect when a moderator publishes). Now the field is fixed to PAN and another
    owner is refused with an error."""
    pan_index = world.pan_pages[0]
    client = _client(pan_author)
    form = client.get(f"/cms/pages/{pan_index.pk}/edit/").context["form"]
    field = form.fields["administration"]
    assert field.disabled and list(field.queryset) == [pan_index.specific.administration]
    revisions = pan_index.revisions.count()
    for owner in (str(world.per_bank.administration_id), ""):
        data = nested_form_data(
            {
                "title": pan_index.title,
                "slug": pan_index.slug,
                "intro": rich_text(""),
                "administration": owner,
            }
        )
        answer = client.post(f"/cms/pages/{pan_index.pk}/edit/", data)
        assert answer.status_code == 200
        assert answer.context["form"].errors["administration"] == [
            "You author for your own administration only: this stays with it and cannot be "
            "given to another administration or to the region."
        ]
    assert pan_index.revisions.count() == revisions
    draft = Page.objects.get(pk=pan_index.pk).get_latest_revision().as_object()
    assert isinstance(draft, CourseIndexPage)
    assert draft.administration_id == pan_index.specific.administration_id


def test_catalogue_owner_stays_and_platform_admins_choose_it(
    shelf, pan_author, platform_admin, per, pan
):
    index = shelf.pan.index

    def data(owner):
        return nested_form_data(
            {
                "title": "PAN catalogue",
                "slug": index.slug,
                "intro": rich_text(""),
                "administration": owner,
            }
        )

    # Sending its own administration (what the disabled field holds) saves the draft.
    assert (
        _client(pan_author).post(f"/cms/pages/{index.pk}/edit/", data(str(pan.pk))).status_code
        == 302
    )
    assert _draft(index).administration_id == pan.pk
    answer = _client(platform_admin).post(f"/cms/pages/{index.pk}/edit/", data(str(per.pk)))
    assert answer.status_code == 302
    assert _draft(index).administration_id == per.pk


def test_a_course_owner_cannot_be_forged(shelf, pan_author, per):
    """CoursePage.administration is not a form field: it follows the catalogue; a POST
    naming another owner changes nothing."""
    course = shelf.pan.course
    data = nested_form_data(
        {
            "title": "PAN course",
            "slug": course.slug,
            "summary": "Edited.",
            "outcomes": streamfield([]),
            "track": "illicit_trade",
            "level": "foundation",
            "estimated_hours": "1",
            "prerequisites": "",
            "enrolment_open": "on",
            "administration": str(per.pk),
            "administration_id": str(per.pk),
        }
    )
    answer = _client(pan_author).post(f"/cms/pages/{course.pk}/edit/", data)
    assert answer.status_code == 302, answer.context["form"].errors
    draft = _draft(course)
    assert draft.summary == "Edited."  # the draft was saved...
    assert draft.administration_id == shelf.pan.index.administration_id  # ...with its owner
    course.refresh_from_db()
    assert course.administration_id == shelf.pan.index.administration_id


# --- certification programmes ----------------------------------------------------------------


def _programme_data(course_id="", assessment_id="", min_score="") -> dict:
    return {
        "code": "probe",
        "track": "illicit_trade",
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "en",
        "texts-0-title": "probe",
        "texts-0-description": "",
        "texts-0-id": "",
        "texts-0-ORDER": "1",
        "recert_window_days": "90",
        "is_active": "on",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-purpose": "initial",
        "requirements-0-course": str(course_id),
        "requirements-0-assessment": str(assessment_id),
        "requirements-0-min_score": min_score,
        "requirements-0-id": "",
        "requirements-0-ORDER": "1",
    }


def test_programme_form_does_not_name_another_administrations_courses(world, pan_author):
    """The programme form's ownership check named the refused course: an author bound to
    PAN learnt the title of any page id of PER (drafts included) by posting it. Now such a
    course or assessment is not a choice at all (Django's generic answer), and nothing of
    PER's shows."""
    from certificates.models import Programme

    client = _client(pan_author)
    per_course, per_exam = world.per_pages[1], world.per_pages[5]
    for data in (
        _programme_data(course_id=per_course.pk),
        _programme_data(assessment_id=per_exam.pk, min_score="70"),
    ):
        answer = client.post("/cms/programmes/new/", data)
        page = answer.content.decode()
        assert answer.status_code == 200
        assert MARKER not in page, re.findall(rf"[^>]*{MARKER}[^<]*", page)[:2]
        row = answer.context["form"].formsets["requirements"].forms[0]
        assert any("Select a valid choice" in e for errors in row.errors.values() for e in errors)
    assert not Programme.objects.filter(code="probe").exists()

    # PAN's own exam is a choice (the positive control).
    pan_exam = world.pan_pages[3]
    answer = client.post("/cms/programmes/new/", _programme_data(assessment_id=pan_exam.pk))
    assert answer.status_code == 302, answer.context["form"].errors
    assert Programme.objects.get(code="probe").administration_id == pan_author.administration_id


# --- tags ------------------------------------------------------------------------------------


def test_tags_of_another_administration_are_not_offered(world, pan_author, per_author):
    """Tags are global (taggit): PER's question, image and document tags showed in the tag
    autocomplete and in the images and documents listings' popular tags. Now each author
    is offered the tags of what they may see."""
    world.per_bank.questions.get().tags.add("zzpersecret-operation")
    world.per_image.tags.add("zzpersecret-image-tag")
    world.per_document.tags.add("zzpersecret-document-tag")
    world.regional_document.tags.add("zzpershared-regional")
    urls = (
        "/cms/tag-autocomplete/?term=zzper",
        "/cms/images/",
        "/cms/images/chooser/",
        "/cms/documents/",
    )

    def tags_shown(user) -> dict[str, list[str]]:
        client = _client(user)
        return {
            url: sorted(
                set(re.findall(r"zzper(?:secret|shared)[-\w]*", client.get(url).content.decode()))
            )
            for url in urls
        }

    assert tags_shown(pan_author) == {
        "/cms/tag-autocomplete/?term=zzper": ["zzpershared-regional"],
        "/cms/images/": [],
        "/cms/images/chooser/": [],
        "/cms/documents/": ["zzpershared-regional"],
    }
    assert tags_shown(per_author) == {
        "/cms/tag-autocomplete/?term=zzper": [
            "zzpersecret-document-tag",
            "zzpersecret-image-tag",
            "zzpersecret-operation",
            "zzpershared-regional",
        ],
        "/cms/images/": ["zzpersecret-image-tag"],
        "/cms/images/chooser/": ["zzpersecret-image-tag"],
        "/cms/documents/": ["zzpersecret-document-tag", "zzpershared-regional"],
    }


def test_a_page_forms_own_choosers_offer_and_show_only_usable_rows(shelf, pan_author):
    """A page type's own foreign key to a tenant-owned model (here a form with an image
    field, as a cover image would be) offers only the rows the author may use, and its
    chooser shows nothing of another administration's row it is given."""
    from django import forms
    from wagtail.images.widgets import AdminImageChooser

    Image = get_image_model()

    class CoverForm(LessonPage.get_edit_handler().get_form_class()):
        cover = forms.ModelChoiceField(
            queryset=Image.objects.all(), widget=AdminImageChooser(), required=False
        )

    lesson, media = shelf.pan.lesson, shelf.media
    form = CoverForm(
        instance=lesson,
        for_user=pan_author,
        parent_page=lesson.get_parent(),
        initial={"cover": media["per"].image.pk},
    )
    offered = set(form.fields["cover"].queryset)
    assert offered == {media["pan"].image, media["regional"].image}
    assert MARKER not in str(form["cover"])
    mine = CoverForm(
        instance=lesson,
        for_user=pan_author,
        parent_page=lesson.get_parent(),
        initial={"cover": media["pan"].image.pk},
    )
    assert "PAN image" in str(mine["cover"])
    # The class every request shares is left alone.
    assert set(CoverForm.base_fields["cover"].queryset) >= {media["per"].image}
