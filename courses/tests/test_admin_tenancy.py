"""Tenancy of authoring in the Wagtail admin (issue 11): H5P activities, media collections
and their permissions, pages in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission

from courses.models import AdministrationCollection, CourseIndexPage, H5PActivity
from courses.packages.h5p.services import h5p_package_import
from courses.services import (
    AUTHOR_GROUP_PREFIX,
    author_groups_sync,
    media_collection_for,
    media_collections_sync,
)
from courses.tests.fixtures import add, package
from lms.accounts.roles import Role

pytestmark = pytest.mark.django_db

H5P = "/cms/snippets/courses/h5pactivity"


@pytest.fixture
def activities(per, pan):
    return {
        owner: h5p_package_import(
            actor=None,
            data=package(),
            title=f"{owner or 'Regional'} activity",
            administration={"PER": per, "PAN": pan}.get(owner),
        )
        for owner in ("PER", "PAN", None)
    }


def test_regional_activities_are_read_only_to_a_bound_author(
    client, activities, pan_author, regional_author
):
    regional = activities[None]
    client.force_login(regional_author)
    assert client.get(f"{H5P}/edit/{regional.pk}/").status_code == 200

    client.force_login(pan_author)
    for action in ("edit", "delete", "copy", "history", "usage"):
        url = f"{H5P}/{action}/{regional.pk}/"
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "Taken", "administration": ""}).status_code == 404
    regional.refresh_from_db()
    assert (regional.title, regional.administration_id) == ("Regional activity", None)
    # Read and use: inspect, listing (without an edit link), chooser.
    assert client.get(f"{H5P}/inspect/{regional.pk}/").status_code == 200
    chooser = client.get("/cms/snippets/choose/courses/h5pactivity/").content.decode()
    assert "Regional activity" in chooser and "PAN activity" in chooser
    assert "PER activity" not in chooser
    chosen = f"/cms/snippets/choose/courses/h5pactivity/chosen/{activities['PER'].pk}/"
    assert client.get(chosen).status_code == 404
    assert (
        client.get(f"/cms/snippets/choose/courses/h5pactivity/chosen/{regional.pk}/").status_code
        == 200
    )


def test_a_bound_author_edits_their_own_activity_and_keeps_it_in_their_administration(
    client, activities, pan, per, pan_author
):
    own = activities["PAN"]
    client.force_login(pan_author)
    url = f"{H5P}/edit/{own.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Renamed", "administration": str(per.pk)})
    assert response.status_code == 200
    assert "cannot be given to another administration" in response.content.decode()
    own.refresh_from_db()
    assert (own.title, own.administration) == ("PAN activity", pan)
    assert client.post(url, {"title": "Renamed", "administration": str(pan.pk)}).status_code == 302
    own.refresh_from_db()
    assert (own.title, own.administration) == ("Renamed", pan)


def test_h5p_search_works_for_a_bound_author(client, activities, pan_author):
    client.force_login(pan_author)
    for url in (f"{H5P}/?q=activity", f"{H5P}/results/?q=activity"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "PAN activity" in html and "Regional activity" in html, url
        assert "PER activity" not in html, url
    response = client.get("/cms/snippets/choose/courses/h5pactivity/results/?q=activity")
    assert response.status_code == 200
    assert "PAN activity" in response.content.decode()
    assert "PER activity" not in response.content.decode()


def test_the_activity_listing_filters_by_the_administrations_the_author_sees(
    client, activities, per, pan, pan_author
):
    client.force_login(pan_author)
    html = client.get(f"{H5P}/").content.decode()
    assert f'value="{pan.pk}"' in html and f'value="{per.pk}"' not in html
    filtered = client.get(f"{H5P}/?administration={pan.pk}").content.decode()
    assert "PAN activity" in filtered and "Regional activity" not in filtered


def test_media_collections_follow_ownership(per, pan, per_author, pan_author, regional_author):
    # A stale grant of an older version: the root for an administration's authors.
    stale_group = Group.objects.create(name=AUTHOR_GROUP_PREFIX + "PER")
    root = Collection.get_first_root_node()
    add_image = Permission.objects.get(codename="add_image")
    GroupCollectionPermission.objects.create(
        group=stale_group, collection=root, permission=add_image
    )
    author_groups_sync()
    author_groups_sync()  # idempotent

    regional = media_collection_for(None)
    per_collection, pan_collection = media_collection_for(per), media_collection_for(pan)
    assert regional.name == "Regional" and per_collection.name == "PER"
    assert {c.get_parent() for c in (regional, per_collection, pan_collection)} == {root}
    assert AdministrationCollection.objects.count() == 3  # Regional, PER, PAN (nothing twice)

    def grants(group_name: str) -> set[tuple[str, str]]:
        return set(
            GroupCollectionPermission.objects.filter(group__name=group_name).values_list(
                "collection__name", "permission__codename"
            )
        )

    actions = {"add", "change", "choose", "delete"}
    own = {(code, f"{a}_{m}") for code in ["PER"] for a in actions for m in ("image", "document")}
    choose = {("Regional", "choose_image"), ("Regional", "choose_document")}
    assert grants(AUTHOR_GROUP_PREFIX + "PER") == own | choose
    assert ("Root", "add_image") not in grants(AUTHOR_GROUP_PREFIX + "PER")
    assert grants(AUTHOR_GROUP_PREFIX + "regional") == {
        ("Root", f"{a}_{m}") for a in actions for m in ("image", "document")
    }
    # An author of PAN without a catalogue gets a group too.
    assert pan_author.groups.filter(name=AUTHOR_GROUP_PREFIX + "PAN").exists()
    assert per_author.groups.filter(name=AUTHOR_GROUP_PREFIX + "PER").exists()
    assert regional_author.groups.filter(name=AUTHOR_GROUP_PREFIX + "regional").exists()


def test_a_new_administration_gets_its_collection_once(per):
    from lms.accounts.tests.factories import AdministrationFactory

    before = media_collections_sync()
    bes = AdministrationFactory(code="BES")
    after = media_collections_sync()
    assert after[per.pk] == before[per.pk]
    assert after[bes.pk].name == "BES"
    assert media_collections_sync()[bes.pk] == after[bes.pk]


def test_training_managers_hold_no_model_level_media_permission(db):
    """Model-level image and document permissions would bypass nothing in Wagtail's
    collection policy, but would show every administration's media in the site history;
    an older database loses them."""
    from lms.accounts.services import role_groups_sync

    group = role_groups_sync()[Role.TRAINING_MANAGER]
    group.permissions.add(*Permission.objects.filter(codename__in=["add_image", "choose_document"]))
    role_groups_sync()
    held = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert not held & {"wagtailimages", "wagtaildocs"}


def test_a_bound_author_explores_and_chooses_only_regional_pages_and_their_own(
    client, home_page, per, pan, pan_author
):
    from courses.selectors import page_list_for_user

    regional = add(home_page, CourseIndexPage(title="Regional courses", slug="courses"))
    per_index = add(home_page, CourseIndexPage(title="PER courses", slug="per", administration=per))
    pan_index = add(home_page, CourseIndexPage(title="PAN courses", slug="pan", administration=pan))
    author_groups_sync()
    visible = set(page_list_for_user(pan_author).filter(depth=3).values_list("pk", flat=True))
    assert visible == {regional.pk, pan_index.pk}
    assert not page_list_for_user(pan_author).filter(pk=per_index.pk).exists()

    client.force_login(pan_author)
    for url in (f"/cms/pages/{per_index.pk}/", f"/cms/choose-page/{per_index.pk}/"):
        assert client.get(url).status_code == 404, url
    chooser = client.get(f"/cms/choose-page/{home_page.pk}/").content.decode()
    assert "PAN courses" in chooser and "Regional courses" in chooser
    assert "PER courses" not in chooser
    api = client.get("/cms/api/main/pages/?child_of=" + str(home_page.pk)).json()
    titles = {item["title"] for item in api["items"]}
    assert "PAN courses" in titles and "PER courses" not in titles

    # Choosing a page of a type only PER has: Wagtail would open the chooser at the common
    # ancestor of every such page, PER's catalogue; here at one the author may see.
    from courses.models import CoursePage

    add(per_index, CoursePage(title="PER only", slug="c", summary="S.", track="illicit_trade"))
    chooser = client.get("/cms/choose-page/?page_type=courses.coursepage")
    assert chooser.status_code == 200
    assert "PER courses" not in chooser.content.decode()
    assert "PER only" not in chooser.content.decode()


def test_activities_for_a_lesson_stay_usable_by_an_author_of_one_administration(
    activities, pan_author
):
    from courses.selectors import h5p_activity_editable_list_for_user, h5p_activity_list_for_user

    usable = set(h5p_activity_list_for_user(pan_author).values_list("title", flat=True))
    editable = set(h5p_activity_editable_list_for_user(pan_author).values_list("title", flat=True))
    assert usable == {"PAN activity", "Regional activity"}
    assert editable == {"PAN activity"}
    assert H5PActivity.objects.count() == 3
