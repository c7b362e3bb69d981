"""Writes for accounts: role groups and role assignment."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import User
from .roles import RETIRED_PERMISSIONS, ROLE_PERMISSIONS, Role


def role_groups_sync() -> dict[Role, Group]:
    """Create the role groups and give each exactly the model permissions it should hold.

    Idempotent: runs after every migration. Permissions a role should not have are taken
    away only when they are among the permissions this module manages, so grants made by
    a platform admin for other models stay.
    """
    names = {n for v in ROLE_PERMISSIONS.values() for n in v} | set(RETIRED_PERMISSIONS)
    managed = {p.pk for p in _permissions(sorted(names))}
    groups: dict[Role, Group] = {}
    with transaction.atomic():
        for role, perm_names in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.get_or_create(name=role.value)
            wanted = {p.pk for p in _permissions(perm_names)}
            current = set(group.permissions.values_list("pk", flat=True))
            if stale := (current & managed) - wanted:
                group.permissions.remove(*stale)
            if missing := wanted - current:
                group.permissions.add(*missing)
            groups[role] = group
    return groups


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def role_groups_sync_on_migrate(app_config: AppConfig, **kwargs: Any) -> None:
    """post_migrate receiver: once the last app with models has migrated (Django sends
    the signal only for those; by then every app's permissions exist), the role groups
    exist with their permissions."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if app_config is with_models[-1]:
        role_groups_sync()


def user_set_roles(*, actor: User | None, user: User, roles: set[Role]) -> None:
    """Give ``user`` exactly ``roles`` (other groups are left alone)."""
    with transaction.atomic():
        role_groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
        if any(r.value not in role_groups for r in roles):
            role_groups = {g.name: g for g in role_groups_sync().values()}
        wanted = {role_groups[r.value] for r in roles}
        current = set(user.groups.filter(name__in=[r.value for r in Role]))
        if current - wanted:
            user.groups.remove(*(current - wanted))
        if wanted - current:
            user.groups.add(*(wanted - current))
        if current != wanted:
            audit_record(
                actor=actor,
                action=AuditAction.USER_ROLES_CHANGE,
                administration=user.administration_id,
                target=user,
                target_repr=f"{user.get_full_name()} ({user.get_username()})",
                before={"roles": sorted(group.name for group in current)},
                after={"roles": sorted(group.name for group in wanted)},
            )
        for cached in ("_lms_roles", "_role_names"):
            if hasattr(user, cached):
                delattr(user, cached)


def user_privileges(user_id: int | None) -> dict[str, Any] | None:
    """What the trail keeps of a user's privileges, read from the database (None: no
    such user yet): every group, superuser, active, administration."""
    if user_id is None:
        return None
    row = (
        User.objects.filter(pk=user_id)
        .values("is_superuser", "is_active", "administration_id")
        .first()
    )
    if row is None:
        return None
    groups = Group.objects.filter(user__pk=user_id).order_by("name").values_list("name", flat=True)
    return {
        "groups": list(groups),
        "is_superuser": row["is_superuser"],
        "is_active": row["is_active"],
        "administration": row["administration_id"],
    }


def user_privileges_record(
    *, actor: User | None, user: User, before: dict[str, Any] | None
) -> None:
    """Record a change of ``user``'s privileges (groups, superuser, active, administration)
    made by a form (the Wagtail admin's user pages) since ``before``; nothing when they
    are the same. Called in the transaction that saved the user; a user moved between
    administrations is recorded for both."""
    after = user_privileges(user.pk)
    if after == before:
        return
    concerned = {user.administration_id, (before or {}).get("administration")} - {None}
    for administration_id in sorted(concerned) or [None]:
        audit_record(
            actor=actor,
            action=AuditAction.USER_ROLES_CHANGE,
            administration=administration_id,
            target=user,
            target_repr=f"{user.get_full_name()} ({user.get_username()})",
            before=before,
            after=after,
        )
