"""The Wagtail admin (/cms/) shows times in the user's zone: their own choice, else their
administration's; Wagtail's separate time-zone preference is not offered (issue 14)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry

from courses.models import CourseIndexPage, LessonPage
from courses.services import author_groups_sync
from courses.tests.fixtures import add
from lms.accounts.models import User

pytestmark = pytest.mark.django_db

# 23:30 on 11 March in Lima (UTC−5); 01:30 on 12 March in São Paulo (UTC−3).
EDITED = dt.datetime(2026, 3, 12, 4, 30, tzinfo=dt.UTC)


@pytest.fixture
def per_edit(home_page, per, per_author):
    """A PER lesson with a revision saved by PER's author at a known moment."""
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    index = add(home_page, CourseIndexPage(title="PER courses", slug="per", administration=per))
    lesson = add(index, LessonPage(title="Seals", slug="seals", body=[]))
    author_groups_sync()
    lesson.save_revision(user=per_author, log_action=True)
    entry = PageLogEntry.objects.filter(page=lesson, action="wagtail.edit").get()
    PageLogEntry.objects.filter(pk=entry.pk).update(timestamp=EDITED)
    return lesson


def shown_times(client, lesson) -> str:
    response = client.get(reverse("wagtailadmin_pages:history", args=[lesson.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_shows_the_authors_administrations_zone(client, per_edit, per_author):
    client.force_login(per_author)
    html = shown_times(client, per_edit)
    assert "March 11, 2026, 11:30 p.m." in html  # Lima
    assert "4:30 a.m." not in html  # not UTC

    # The author's own choice wins over the administration's, at once.
    User.objects.filter(pk=per_author.pk).update(time_zone="America/Sao_Paulo")
    html = shown_times(client, per_edit)
    assert "March 12, 2026, 1:30 a.m." in html
    assert "11:30 p.m." not in html


def test_the_admin_account_offers_no_second_zone_setting(client, per_edit, per_author):
    client.force_login(per_author)
    html = client.get(reverse("wagtailadmin_account")).content.decode()
    assert 'name="locale-current_time_zone"' not in html
    assert re.search(r'name="locale-preferred_language"', html)  # the panel is still there
    # Nothing was written to Wagtail's profile: the zone is ours, computed per request.
    from wagtail.users.models import UserProfile

    assert UserProfile.get_for_user(per_author).current_time_zone == ""
