"""The lesson page with real H5P content costs the same queries as with the project's own
content type (issue 12, "Speed"): official packages from the corpus (CoursePresentation,
with its many libraries, and InteractiveVideo), imported as uploads are, placed in a lesson
beside the fixture's lesson with its built KnowledgeCheck. The figure itself is pinned in
``test_pages.PINNED``; ``bench/content.py`` measures time and bytes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import ExternalMediaHost, LessonPage
from courses.packages.h5p.services import h5p_package_import
from courses.tests.fixtures import add, text
from courses.tests.test_pages import PINNED

pytestmark = pytest.mark.django_db

SITE = "127.0.0.1"  # its content origin, derived in tests, is http://localhost
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "h5p"
OFFICIAL = {
    "cp": "h5p-html-exporter__hub-content__H5P.CoursePresentation.h5p",
    "iv": "h5p-html-exporter__hub-content__H5P.InteractiveVideo.h5p",
}


def _count(client, url: str) -> int:
    client.get(url, HTTP_HOST=SITE)  # warm-up
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, HTTP_HOST=SITE)
    assert response.status_code == 200, (url, response.status_code)
    assert 'class="h5p-frame"' in response.content.decode()  # the activities are there
    return len(context.captured_queries)


def test_real_h5p_content_costs_the_same_queries_as_the_built_type(
    client, course_tree, per_officer, platform_admin
):
    paths = {key: CORPUS / name for key, name in OFFICIAL.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        pytest.skip(f"corpus files not found: {missing}")
    ExternalMediaHost.objects.create(host="h5p.org")  # their media, as a platform admin allows
    activities = {
        key: h5p_package_import(actor=platform_admin, data=path.read_bytes())
        for key, path in paths.items()
    }
    assert activities["cp"].libraries.count() > 10  # real content: many libraries

    def lesson(slug: str, *keys: str) -> str:
        page = add(
            course_tree.module1,
            LessonPage(
                title=slug,
                slug=slug,
                body=[
                    text("<p>Real content.</p>"),
                    *(
                        {
                            "type": "h5p",
                            "value": {"activity": activities[key].pk, "required": True},
                            "id": str(uuid.uuid4()),
                        }
                        for key in keys
                    ),
                ],
            ),
        )
        return page.url

    presentation = lesson("presentation", "cp")
    both = lesson("presentation-and-video", "cp", "iv")
    per_officer.preferred_language = "en"
    per_officer.save()
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)

    built = _count(client, "/courses/detecting/landscape/live-channels/")
    assert built == PINNED["lesson"]
    assert _count(client, presentation) == built
    assert _count(client, both) == built  # nor more with a second activity
