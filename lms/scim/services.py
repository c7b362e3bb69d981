"""Writes of SCIM: tokens, and provisioning users and units of a token's administration.

Every write runs in one transaction with its audit record (actor: the manager who made
the token; ``after`` names the token's prefix), so a refused request changes nothing.
SCIM provisions officers only: a new user joins the Officers group and nothing else, and
a user who is staff, a superuser or holds any other role is never changed by SCIM (403).
Deactivation (``active`` false or removed, or DELETE) ends the user's sessions and revokes the API
tokens they created; DELETE deactivates rather than destroys, so an officer's training
records and certificates stay, and SCIM answers 404 for them afterwards.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group as RoleGroup
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.selectors import can_see_people_of
from lms.accounts.services import role_groups_sync
from lms.accounts.sessions import sessions_end_for_user
from lms.api.models import ApiToken
from lms.api.services import api_token_revoke
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.tokens import services as tokens

from . import errors
from .models import ScimEmail, ScimGroup, ScimToken, ScimUser
from .resources import GroupFields, UserFields, chosen_email
from .selectors import is_privileged, privileged_ids
from .tokens import SCIM_TOKENS

ScimTokenRefused = tokens.TokenRefused


# --- tokens (SCIM's kind of lms.tokens) -------------------------------------------------


def scim_token_create(
    *, actor: User, administration: Administration, name: str, expires_in_days: int
) -> tuple[ScimToken, str]:
    """Create a SCIM token for ``administration``; returns it with its secret (shown once,
    never stored)."""
    return tokens.token_issue(
        kind=SCIM_TOKENS,
        actor=actor,
        administration=administration,
        name=name,
        expires_in_days=expires_in_days,
    )


def scim_token_revoke(*, actor: User, token: ScimToken) -> ScimToken:
    """Revoke the token (it stops working at once); revoking twice changes nothing."""
    return tokens.token_revoke(kind=SCIM_TOKENS, actor=actor, token=token)


# --- users -----------------------------------------------------------------------------


def _user_state(user: User) -> dict[str, Any]:
    link = ScimUser.objects.filter(user=user).first()
    return {
        "userName": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "emails": [entry.get("value") for entry in link.emails] if link else [],
        "preferred_language": user.preferred_language,
        "active": user.is_active,
        "active_unassigned": bool(link and link.active_unassigned),
        "employee_number": user.employee_number,
        "organization": link.organization if link else "",
        "unit": user.unit.code if user.unit_id else None,
        "external_id": link.external_id if link else "",
        "scim_deleted": bool(link and link.deleted_at),
    }


def _record(token: ScimToken, action: AuditAction, target: Any, label: str, before, after):
    audit_record(
        actor=token.created_by,
        action=action,
        administration=token.administration_id,
        target=target,
        target_repr=label,
        before=before,
        after=None if after is None else {**after, "scim_token": token.prefix},
    )


def _refuse_privileged(user: User) -> None:
    if is_privileged(user):
        raise errors.ScimError(
            403,
            _(
                "This account holds a role beyond officer (or is staff); SCIM provisions "
                "officers only and cannot change it."
            ),
        )


def _check_unique(token: ScimToken, fields: UserFields, user: User | None) -> None:
    others = User.objects.all() if user is None else User.objects.exclude(pk=user.pk)
    if others.filter(username__iexact=fields.username).exists():
        raise errors.uniqueness(_("userName “%(name)s” is taken.") % {"name": fields.username})
    if fields.employee_number and (
        others.filter(
            administration=token.administration, employee_number=fields.employee_number
        ).exists()
    ):
        raise errors.uniqueness(_("employeeNumber is already used in this administration."))
    if fields.external_id:
        links = ScimUser.objects.filter(
            administration=token.administration, external_id=fields.external_id
        )
        if user is not None:
            links = links.exclude(user=user)
        if links.exists():
            raise errors.uniqueness(_("externalId is already used in this administration."))


def _deactivation_effects(token: ScimToken, user: User) -> None:
    sessions_end_for_user(user.pk)
    for api_token in ApiToken.objects.filter(created_by=user, revoked_at__isnull=True):
        if token.created_by is not None and can_see_people_of(
            token.created_by, api_token.administration
        ):
            api_token_revoke(actor=token.created_by, token=api_token)
        else:  # not the token owner's to revoke through the service: revoke it plainly
            ApiToken.objects.filter(pk=api_token.pk).update(revoked_at=timezone.now())


def _apply(user: User, fields: UserFields) -> None:
    user.username = fields.username
    user.full_name = fields.full_name
    user.email = fields.email
    user.preferred_language = fields.preferred_language
    user.is_active = bool(fields.is_active)
    user.employee_number = fields.employee_number
    user.unit = fields.unit


def _link(token: ScimToken, user: User, fields: UserFields) -> None:
    link, _created = ScimUser.objects.update_or_create(
        user=user,
        defaults={
            "administration": token.administration,
            "external_id": fields.external_id,
            "given_name": fields.given_name,
            "family_name": fields.family_name,
            "display_name": fields.display_name,
            "organization": fields.organization,
            "active_unassigned": fields.is_active is None,
            "updated_at": timezone.now(),
            "deleted_at": None,
        },
    )
    _emails_replace(link, fields.emails)


def _emails_replace(link: ScimUser, entries: list[dict[str, Any]]) -> None:
    """The user's addresses become ``entries`` (in order); the chosen one is marked."""
    current = [(e["value"], e["type"], e["primary"]) for e in link.emails]
    if current == [(e["value"], e["type"], e["primary"]) for e in entries]:
        return
    link.addresses.all().delete()
    chosen = chosen_email(entries)
    ScimEmail.objects.bulk_create(
        ScimEmail(
            owner=link,
            administration_id=link.administration_id,
            position=position,
            value=entry["value"],
            type=entry["type"] or "",
            primary=entry["primary"],
            chosen=entry is chosen,
        )
        for position, entry in enumerate(entries)
    )


def scim_user_create(*, token: ScimToken, fields: UserFields) -> User:
    """A new officer of the token's administration (no usable password: they sign in
    through the administration's identity provider or set one by a reset)."""
    with transaction.atomic():
        _check_unique(token, fields, None)
        user = User(administration=token.administration)
        _apply(user, fields)
        user.set_unusable_password()
        user.save()
        officers = RoleGroup.objects.filter(name=Role.OFFICER.value).first()
        if officers is None:
            officers = role_groups_sync()[Role.OFFICER]
        user.groups.add(officers)
        _link(token, user, fields)
        _record(
            token,
            AuditAction.SCIM_USER_CREATE,
            user,
            f"{user.get_full_name()} ({user.username})",
            None,
            _user_state(user),
        )
    return user


def scim_user_update(*, token: ScimToken, user: User, fields: UserFields) -> User:
    """Replace what SCIM maps of ``user`` (locked by the caller) with ``fields``."""
    with transaction.atomic():
        _refuse_privileged(user)
        _check_unique(token, fields, user)
        before = _user_state(user)
        was_active = user.is_active
        _apply(user, fields)
        user.save()
        _link(token, user, fields)
        after = _user_state(user)
        if was_active and not user.is_active:
            _deactivation_effects(token, user)
            action = AuditAction.SCIM_USER_DEACTIVATE
        else:
            action = AuditAction.SCIM_USER_UPDATE
        if before != after or action == AuditAction.SCIM_USER_DEACTIVATE:
            _record(token, action, user, f"{user.get_full_name()} ({user.username})", before, after)
    return user


def scim_user_delete(*, token: ScimToken, user: User) -> None:
    """DELETE: deactivate, end sessions and API tokens, and hide from SCIM (404 from now
    on). The account and its training records stay."""
    with transaction.atomic():
        _refuse_privileged(user)
        before = _user_state(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        link, _created = ScimUser.objects.get_or_create(
            user=user, defaults={"administration": token.administration}
        )
        link.deleted_at = timezone.now()
        link.updated_at = link.deleted_at
        link.save(update_fields=["deleted_at", "updated_at"])
        _deactivation_effects(token, user)
        _record(
            token,
            AuditAction.SCIM_USER_DEACTIVATE,
            user,
            f"{user.get_full_name()} ({user.username})",
            before,
            _user_state(user),
        )


# --- groups (units) ---------------------------------------------------------------------


def _unit_state(unit: Unit) -> dict[str, Any]:
    link = ScimGroup.objects.filter(unit=unit).first()
    return {
        "code": unit.code,
        "name": unit.name,
        "active": unit.is_active,
        "external_id": link.external_id if link else "",
        "members": sorted(unit.users.values_list("pk", flat=True)),
    }


def _free_code(administration: Administration, *candidates: str) -> str:
    taken = set(Unit.objects.filter(administration=administration).values_list("code", flat=True))
    for candidate in candidates:
        code = candidate.strip()[:32]
        if code and code not in taken:
            return code
    number = Unit.objects.filter(administration=administration).count() + 1
    while f"SCIM-{number}" in taken:
        number += 1
    return f"SCIM-{number}"


def _set_members(token: ScimToken, unit: Unit, member_ids: list[int]) -> None:
    administration = token.administration
    wanted = set(member_ids)
    valid = set(
        User.objects.filter(pk__in=wanted, administration=administration)
        .exclude(scim__deleted_at__isnull=False)
        .values_list("pk", flat=True)
    )
    if missing := wanted - valid:
        raise errors.invalid_value(
            _("Member “%(value)s” is not a user of this administration.") % {"value": min(missing)}
        )
    current = set(unit.users.values_list("pk", flat=True))
    changing = sorted((wanted - current) | (current - wanted))
    if privileged_ids(changing):
        raise errors.ScimError(
            403,
            _(
                "A member to add or remove holds a role beyond officer (or is staff); SCIM "
                "provisions officers only and cannot change them."
            ),
        )
    now = timezone.now()
    User.objects.filter(pk__in=sorted(current - wanted)).update(unit=None)
    User.objects.filter(pk__in=sorted(wanted - current)).update(unit=unit)
    ScimUser.objects.filter(user_id__in=changing).update(updated_at=now)


def scim_group_create(*, token: ScimToken, fields: GroupFields) -> Unit:
    with transaction.atomic():
        _check_group_unique(token, fields, None)
        unit = Unit.objects.create(
            administration=token.administration,
            code=_free_code(token.administration, fields.external_id, fields.name),
            name=fields.name,
            kind=Unit.Kind.OFFICE,
        )
        ScimGroup.objects.create(
            unit=unit, administration=token.administration, external_id=fields.external_id
        )
        _set_members(token, unit, fields.member_ids)
        _record(token, AuditAction.SCIM_GROUP_CHANGE, unit, str(unit), None, _unit_state(unit))
    return unit


def _check_group_unique(token: ScimToken, fields: GroupFields, unit: Unit | None) -> None:
    if not fields.external_id:
        return
    links = ScimGroup.objects.filter(
        administration=token.administration, external_id=fields.external_id
    )
    if unit is not None:
        links = links.exclude(unit=unit)
    if links.exists():
        raise errors.uniqueness(_("externalId is already used in this administration."))


def scim_group_update(*, token: ScimToken, unit: Unit, fields: GroupFields) -> Unit:
    """Replace the unit's name, externalId and members (locked by the caller)."""
    with transaction.atomic():
        _check_group_unique(token, fields, unit)
        before = _unit_state(unit)
        unit.name = fields.name
        unit.save(update_fields=["name"])
        ScimGroup.objects.update_or_create(
            unit=unit,
            defaults={
                "administration": token.administration,
                "external_id": fields.external_id,
                "updated_at": timezone.now(),
            },
        )
        _set_members(token, unit, fields.member_ids)
        after = _unit_state(unit)
        if after != before:
            _record(token, AuditAction.SCIM_GROUP_CHANGE, unit, str(unit), before, after)
    return unit


def scim_group_delete(*, token: ScimToken, unit: Unit) -> None:
    """DELETE of a unit: refused while people belong to it (409: move them first);
    otherwise the unit is deactivated (assignments and reports may still name it) and
    SCIM answers 404 for it from then on."""
    with transaction.atomic():
        if unit.users.exists() or unit.children.filter(is_active=True).exists():
            raise errors.ScimError(
                409,
                _("The unit still has people or active sub-units; move them first."),
            )
        before = _unit_state(unit)
        unit.is_active = False
        unit.save(update_fields=["is_active"])
        _record(token, AuditAction.SCIM_GROUP_CHANGE, unit, str(unit), before, _unit_state(unit))
