import pytest
from django.http import Http404

from lms.accounts import selectors
from lms.accounts.roles import Role, roles_of
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_administration_manager_sees_only_their_administration(per, pan, per_manager):
    assert list(selectors.administration_list_for_user(per_manager)) == [per]
    assert selectors.can_see_administration(per_manager, per)
    assert not selectors.can_see_administration(per_manager, pan)
    assert selectors.access_administration(per_manager, "per") == per
    with pytest.raises(Http404):
        selectors.access_administration(per_manager, "PAN")


def test_missing_and_foreign_administrations_look_the_same(per, pan, per_manager):
    for code in ("PAN", "ZZZ"):
        with pytest.raises(Http404):
            selectors.access_administration(per_manager, code)


@pytest.mark.parametrize("fixture", ["coordinator", "regional_author", "platform_admin"])
def test_regional_roles_see_every_administration(request, per, pan, fixture):
    actor = request.getfixturevalue(fixture)
    assert set(selectors.administration_list_for_user(actor)) == {per, pan}


def test_training_manager_of_one_administration_sees_only_it(per, pan):
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    assert list(selectors.administration_list_for_user(author)) == [per]


def test_manager_sees_own_officers_not_others(per_manager, per_officer, pan_officer):
    assert selectors.can_see_officer(per_manager, per_officer)
    assert not selectors.can_see_officer(per_manager, pan_officer)
    visible = set(selectors.officer_list_for_user(per_manager))
    assert per_officer in visible and pan_officer not in visible
    with pytest.raises(Http404):
        selectors.access_officer(per_manager, pan_officer.pk)


def test_access_officer_checks_the_administration_in_the_url(per_manager, per_officer, pan):
    with pytest.raises(Http404):
        selectors.access_officer(per_manager, per_officer.pk, administration=pan)


def test_coordinator_never_sees_names(coordinator, per_officer):
    assert not selectors.can_see_officer(coordinator, per_officer)
    assert list(selectors.officer_list_for_user(coordinator)) == [coordinator]


def test_officer_sees_only_themselves(per_officer, per, pan_officer):
    other = UserFactory(administration=per, roles={Role.OFFICER})
    assert selectors.can_see_officer(per_officer, per_officer)
    assert not selectors.can_see_officer(per_officer, other)
    assert list(selectors.officer_list_for_user(per_officer)) == [per_officer]


def test_platform_admin_sees_everyone(platform_admin, per_officer, pan_officer):
    assert {per_officer, pan_officer} <= set(selectors.officer_list_for_user(platform_admin))


def test_inactive_and_anonymous_users_see_nothing(per, per_manager):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.administration_list_for_user(AnonymousUser()).exists()
    per_manager.is_active = False
    assert roles_of(per_manager) == frozenset()
    assert not selectors.can_see_administration(per_manager, per)


def test_superuser_counts_as_platform_admin():
    user = UserFactory(is_superuser=True)
    assert Role.PLATFORM_ADMIN in roles_of(user)


def test_role_groups_exist_after_migrate_with_their_permissions():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
    admins = Group.objects.get(name=Role.PLATFORM_ADMIN.value)
    assert admins.permissions.filter(codename="install_h5plibrary").exists()
