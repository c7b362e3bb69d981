"""What SCIM sees of the platform: the mapping between users and units and the SCIM User
(with the enterprise extension) and Group resources, and the discovery documents
(ServiceProviderConfig, ResourceTypes, Schemas). No ORM writes here.

The resource models, their (de)serialisation, PATCH application and filter parsing come
from ``scim2-models`` (pydantic models of RFC 7643/7644, maintained, typed): the server
parses every request with them, so unknown attributes, wrong types and malformed filters
are refused by the same code a SCIM client uses.

Mapping decisions (RFC 7643 attributes → platform):

- ``userName`` → ``username`` (unique on the whole platform: a name taken in another
  administration answers 409 ``uniqueness`` without saying where).
- ``name.formatted`` → ``full_name``; without it, ``givenName familyName``. Given and
  family names are kept as sent (``ScimUser``) and returned as sent; ``formatted`` is
  returned only when the full name is not simply the two joined. ``displayName`` is
  kept as sent, and names the person when no ``name`` is given.
- ``emails``: every address is kept as sent (value, type, primary; at most
  ten, at most one primary, RFC 7643 §2.4); the primary (else the first) value →
  ``email``, the address the platform writes to. The addresses are ``ScimEmail`` rows;
  a filter on ``emails`` matches when any address the user is returned with matches,
  each with its own type and primary (``filters.any_address``).
- ``preferredLanguage`` → ``preferred_language``: en, es, pt-BR, fr (a region variant
  such as es-PE is read as its language); anything else is refused (400 invalidValue).
  Not sent on creation, or removed: unset, returned as absent; the person then reads
  the platform in the administration's language (``User.interface_language``).
- ``active`` → ``is_active``. Deactivation ends the user's sessions and API tokens.
  Removing ``active`` (PATCH remove) leaves it unassigned: the account is inactive
  (with the same effects) and ``active`` is returned as absent until a client sets it.
- enterprise ``employeeNumber`` → ``employee_number`` (unique per administration).
- enterprise ``organization``: may only name the token's administration (by code or
  name); another value is refused (400 invalidValue): a provisioning system that thinks
  a person belongs elsewhere is misconfigured, and silently moving them is what tenants
  fear. The value is kept as asserted and returned only when asserted (the token fixes
  the administration either way).
- enterprise ``department`` → ``unit``: a unit of the administration by code (or name);
  an unknown one is refused. Groups are the same units; being a member of a group *is*
  having that unit, so a user is in at most one group.

Roles, entitlements, certificates and passwords are refused (400 invalidValue): SCIM
creates officers and never grants a role. Other standard profile attributes an HR system
may send (title, phone numbers, addresses) are accepted and not kept.

Only these attributes are published in /Schemas (with the languages, the administration's
code and its unit codes as ``canonicalValues``); any other attribute in a request is
refused by the models (400 invalidSyntax / invalidValue).

ETags are weak, a digest of the resource's representation (``W/"<16 hex>"``): any change
of a mapped attribute changes it, with no version column to keep in step.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    GroupMember,
    GroupMembership,
    Meta,
    Name,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from lms.accounts.models import Administration, Unit
from lms.accounts.models import User as Person

from . import errors

ScimUserResource = User[EnterpriseUser]
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_RESULTS = 200
MAX_CANONICAL_UNITS = 500

# Attributes published (and honoured); sub-attributes per complex attribute.
USER_ATTRIBUTES = {
    "userName": None,
    "displayName": None,
    "name": {"formatted", "givenName", "familyName"},
    "preferredLanguage": None,
    "active": None,
    "emails": {"value", "type", "primary"},
    "groups": {"value", "$ref", "display", "type"},
}
ENTERPRISE_ATTRIBUTES = {"employeeNumber", "organization", "department"}
GROUP_ATTRIBUTES = {"displayName": None, "members": {"value", "$ref", "type"}}


# --- languages --------------------------------------------------------------------------


def scim_language(code: str) -> str:
    """The platform's language code as a BCP 47 tag (pt-br → pt-BR)."""
    language, _sep, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def platform_language(tag: str) -> str | None:
    """The platform language a BCP 47 tag (or ``xx_YY`` locale) asks for, else None."""
    tag = tag.strip().replace("_", "-").lower()
    codes = [code for code, _name in settings.LANGUAGES]
    if tag in codes:
        return tag
    language = tag.split("-")[0]
    matches = [code for code in codes if code.split("-")[0] == language]
    return matches[0] if matches else None


# --- users -----------------------------------------------------------------------------


def location(base_url: str, endpoint: str, pk: int) -> str:
    return f"{base_url}/{endpoint}/{pk}"


def etag_of(resource: Any) -> str:
    data = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    data.pop("meta", None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:16]}"'


MAX_EMAILS = 10


def _email_of(entry: dict[str, Any]) -> Email:
    return Email(value=entry.get("value"), type=entry.get("type"), primary=entry.get("primary"))


def chosen_email(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The address the platform writes to: the primary one, else the first."""
    return next((e for e in entries if e.get("primary")), entries[0] if entries else None)


def _emails(person: Person, link: Any) -> list[Email] | None:
    """The addresses as the client sent them, as long as the one the platform writes to
    is still ``person.email``; an address changed on the platform (profile page, import)
    takes the place of the client's chosen one."""
    stored = list(link.emails) if link and link.emails else []
    chosen = chosen_email(stored)
    if chosen is not None and (chosen.get("value") or "").casefold() == person.email.casefold():
        return [_email_of(entry) for entry in stored]
    others = [entry for entry in stored if entry is not chosen]
    if person.email:
        kept = chosen or {"type": "work", "primary": True}
        others.insert(0, {**kept, "value": person.email})
    return [_email_of(entry) for entry in others] or None


def user_resource(person: Person, base_url: str) -> Any:
    """The SCIM User of ``person`` (``scim`` and ``unit`` loaded or loadable).

    Only what is assigned is returned (RFC 7643 §2.5: an unassigned attribute is left
    out): no ``preferredLanguage`` while the person follows the administration's
    language, no ``active`` once a client removed it, no enterprise extension when none
    of its attributes has a value, ``organization`` only as a client asserted it."""
    link = getattr(person, "scim", None) if hasattr(person, "scim") else None
    given = link.given_name if link else ""
    family = link.family_name if link else ""
    display = link.display_name if link else ""
    name = None
    # ``formatted`` only when it says more than the given and family names or the display
    # name it was made of (else a PATCH of one part would leave a stale full name behind).
    composed = " ".join(part for part in (given, family) if part)
    formatted = person.full_name if person.full_name not in (composed, display) else ""
    if formatted or given or family:
        name = Name(
            formatted=formatted or None,
            given_name=given or None,
            family_name=family or None,
        )
    unit = person.unit
    organization = link.organization if link else ""
    enterprise = None
    if person.employee_number or organization or unit:
        enterprise = EnterpriseUser(
            employee_number=person.employee_number or None,
            organization=organization or None,
            department=unit.code if unit else None,
        )
    unassigned = bool(link and link.active_unassigned and not person.is_active)
    resource = ScimUserResource(
        id=str(person.pk),
        external_id=(link.external_id if link and link.external_id else None),
        user_name=person.username,
        name=name,
        display_name=display or None,
        preferred_language=(
            scim_language(person.preferred_language) if person.preferred_language else None
        ),
        active=None if unassigned else person.is_active,
        emails=_emails(person, link),
        groups=(
            [
                GroupMembership(
                    value=str(unit.pk),
                    ref=location(base_url, "Groups", unit.pk),
                    display=unit.name,
                    type="direct",
                )
            ]
            if unit
            else None
        ),
    )
    if enterprise is not None:
        resource[EnterpriseUser] = enterprise
    resource.meta = Meta(
        resource_type="User",
        created=person.date_joined,
        last_modified=link.updated_at if link else person.date_joined,
        location=location(base_url, "Users", person.pk),
    )
    resource.meta.version = etag_of(resource)
    return resource


@dataclass
class UserFields:
    """What a SCIM User asks the platform to hold (validated, not yet written).

    ``is_active`` None: ``active`` is unassigned (removed by PATCH), which the platform
    holds as an inactive account. ``preferred_language`` "": not chosen (the person
    reads the platform in the administration's language)."""

    username: str
    full_name: str
    given_name: str
    family_name: str
    display_name: str
    email: str
    emails: list[dict[str, Any]]
    preferred_language: str
    is_active: bool | None
    employee_number: str
    organization: str
    unit: Unit | None
    external_id: str


def _unit_by_code_or_name(administration: Administration, value: str) -> Unit | None:
    units = Unit.objects.filter(administration=administration, is_active=True)
    return units.filter(code=value).first() or units.filter(name__iexact=value).first()


def _email_entries(resource: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for email in resource.emails or []:
        value = (email.value or "").strip()
        if not value:
            raise errors.invalid_value(_("Every e-mail address needs a value."))
        if len(value) > 254:
            raise errors.invalid_value(_("The e-mail address is too long."))
        kind = (email.type or "").strip()
        if len(kind) > 32:
            raise errors.invalid_value(_("An e-mail type is at most 32 characters."))
        entries.append({"value": value, "type": kind or None, "primary": email.primary})
    if len(entries) > MAX_EMAILS:
        raise errors.invalid_value(
            _("At most %(max)d e-mail addresses are kept.") % {"max": MAX_EMAILS}
        )
    if sum(1 for entry in entries if entry["primary"]) > 1:
        # RFC 7643 §2.4: the primary value "true" MUST appear no more than once.
        raise errors.invalid_value(_("Only one e-mail address can be primary."))
    return entries


def _active(resource: Any, keep_from: Person | None, patch: bool) -> bool | None:
    """``active`` as sent. Left out: a POST creates an active account (the platform's
    default, returned as ``true``); a PUT keeps what the account has (RFC 7644 §3.5.1
    lets the service provider keep or clear what a replacement omits, and clearing the
    status of everyone an HR system PUTs without it would lock them out); a PATCH that
    removed it leaves it unassigned (RFC 7644 §3.5.2.2), held as an inactive account:
    nobody signs in on an administrative status no client asserts."""
    if resource.active is not None:
        return bool(resource.active)
    if patch:
        return None
    if keep_from is None:
        return True
    link = getattr(keep_from, "scim", None) if hasattr(keep_from, "scim") else None
    if link is not None and link.active_unassigned and not keep_from.is_active:
        return None
    return keep_from.is_active


def user_fields(
    resource: Any,
    administration: Administration,
    *,
    keep_from: Person | None = None,
    patch: bool = False,
) -> UserFields:
    """Validate a parsed SCIM User against the platform's rules; raises ScimError.

    ``keep_from`` (a PUT's current user): what the request leaves out and the platform
    cannot leave unset keeps its value: ``active``, ``preferredLanguage``, and, when the
    enterprise extension is absent, the employee number, the organization and the unit
    (a PUT from a system that manages units through /Groups does not take people out of
    them). ``patch``: ``resource`` is the current user with the operations applied, so
    what is absent from it was removed (unassigned)."""
    if resource.roles or resource.entitlements or resource.x509_certificates:
        raise errors.invalid_value(
            _(
                "SCIM provisions officers only: roles, entitlements and certificates are "
                "not accepted."
            )
        )
    if resource.password:
        raise errors.invalid_value(
            _("Passwords are not provisioned: officers sign in through their administration.")
        )
    username = (resource.user_name or "").strip()
    if not username:
        raise errors.invalid_value(_("userName is required."))
    if len(username) > 150:
        raise errors.invalid_value(_("userName is too long (at most 150 characters)."))
    name = resource.name
    given = ((name.given_name if name else None) or "").strip()
    family = ((name.family_name if name else None) or "").strip()
    formatted = ((name.formatted if name else None) or "").strip()
    full_name = formatted or " ".join(part for part in (given, family) if part)
    display = (resource.display_name or "").strip()
    full_name = full_name or display
    if max(len(full_name), len(given), len(family), len(display)) > 200:
        raise errors.invalid_value(_("The name is too long (at most 200 characters)."))
    emails = _email_entries(resource)
    chosen = chosen_email(emails)
    email = chosen["value"] if chosen else ""
    # Not sent: unset (the administration's language applies), except that a PUT keeps it.
    language = keep_from.preferred_language if keep_from else ""
    if resource.preferred_language:
        language = platform_language(resource.preferred_language) or ""
        if not language:
            raise errors.invalid_value(
                _("preferredLanguage must be one of the platform's languages: %(codes)s.")
                % {"codes": ", ".join(scim_language(c) for c, _n in settings.LANGUAGES)}
            )
    enterprise = resource[EnterpriseUser]
    employee_number, organization, unit = "", "", None
    if enterprise is None and keep_from is not None:
        employee_number, unit = keep_from.employee_number, keep_from.unit
        link = getattr(keep_from, "scim", None) if hasattr(keep_from, "scim") else None
        organization = link.organization if link else ""
    if enterprise is not None:
        employee_number = (enterprise.employee_number or "").strip()
        if len(employee_number) > 64:
            raise errors.invalid_value(_("employeeNumber is too long (at most 64 characters)."))
        organization = (enterprise.organization or "").strip()
        if (
            organization
            and organization.upper() != administration.code
            and (organization.casefold() != administration.name.casefold())
        ):
            raise errors.invalid_value(
                _("organization must be this token's administration (%(code)s).")
                % {"code": administration.code}
            )
        department = (enterprise.department or "").strip()
        if department:
            unit = _unit_by_code_or_name(administration, department)
            if unit is None:
                raise errors.invalid_value(
                    _("department “%(value)s” is not a unit of this administration.")
                    % {"value": department}
                )
    external_id = (resource.external_id or "").strip()
    if len(external_id) > 255:
        raise errors.invalid_value(_("externalId is too long (at most 255 characters)."))
    return UserFields(
        username=username,
        full_name=full_name,
        given_name=given,
        family_name=family,
        display_name=display,
        email=email,
        emails=emails,
        preferred_language=language,
        is_active=_active(resource, keep_from, patch),
        employee_number=employee_number,
        organization=organization,
        unit=unit,
        external_id=external_id,
    )


# --- groups (units) ---------------------------------------------------------------------


def group_resource(unit: Unit, members: list[Person], base_url: str) -> Any:
    link = getattr(unit, "scim", None) if hasattr(unit, "scim") else None
    resource = Group(
        id=str(unit.pk),
        external_id=(link.external_id if link and link.external_id else None),
        display_name=unit.name,
        members=[
            GroupMember(
                value=str(member.pk),
                ref=location(base_url, "Users", member.pk),
                type="User",
            )
            for member in members
        ]
        or None,
    )
    resource.meta = Meta(
        resource_type="Group",
        created=link.created_at if link else None,
        last_modified=link.updated_at if link else None,
        location=location(base_url, "Groups", unit.pk),
    )
    resource.meta.version = etag_of(resource)
    return resource


@dataclass
class GroupFields:
    name: str
    external_id: str
    member_ids: list[int]


def group_fields(resource: Any) -> GroupFields:
    name = (resource.display_name or "").strip()
    if not name:
        raise errors.invalid_value(_("displayName is required."))
    if len(name) > 200:
        raise errors.invalid_value(_("displayName is too long (at most 200 characters)."))
    member_ids: list[int] = []
    for member in resource.members or []:
        if member.type and member.type != "User":
            raise errors.invalid_value(_("A unit's members are users; units do not nest here."))
        try:
            member_ids.append(int(str(member.value)))
        except (TypeError, ValueError) as exc:
            raise errors.invalid_value(
                _("Member “%(value)s” is not a user of this administration.")
                % {"value": member.value}
            ) from exc
    external_id = (resource.external_id or "").strip()
    if len(external_id) > 255:
        raise errors.invalid_value(_("externalId is too long (at most 255 characters)."))
    return GroupFields(name=name, external_id=external_id, member_ids=sorted(set(member_ids)))


# --- discovery --------------------------------------------------------------------------


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description=_(
                    "A SCIM token created by an administration manager; it acts for that "
                    "administration only."
                ),
                primary=True,
            )
        ],
    )
    config.meta = Meta(
        resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"
    )
    return config


def resource_types(base_url: str) -> list[ResourceType]:
    user = ResourceType.from_resource(ScimUserResource)
    user.meta = Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/User")
    group = ResourceType.from_resource(Group)
    group.meta = Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/Group")
    return [user, group]


def _published(schema: Schema, wanted: dict[str, Any] | set[str]) -> Schema:
    attributes = []
    for attribute in schema.attributes or []:
        if attribute.name not in wanted:
            continue
        subs = wanted[attribute.name] if isinstance(wanted, dict) else None
        if subs is not None and attribute.sub_attributes:
            attribute.sub_attributes = [s for s in attribute.sub_attributes if s.name in subs]
        attributes.append(attribute)
    schema.attributes = attributes
    return schema


def _attribute(schema: Schema, name: str, sub: str | None = None) -> Any:
    attribute = next(a for a in schema.attributes or [] if a.name == name)
    if sub is None:
        return attribute
    return next(s for s in attribute.sub_attributes or [] if s.name == sub)


def schemas(base_url: str, administration: Administration) -> list[Schema]:
    """The schemas as this administration's token sees them: only the attributes the
    platform honours, with the values it accepts as canonical values."""
    user = _published(User.to_schema(), USER_ATTRIBUTES)
    _attribute(user, "preferredLanguage").canonical_values = [
        scim_language(code) for code, _name in settings.LANGUAGES
    ]
    # RFC 7643 §4.1.2's canonical types; another type is kept as sent.
    _attribute(user, "emails", "type").canonical_values = ["work", "home", "other"]
    enterprise = _published(EnterpriseUser.to_schema(), ENTERPRISE_ATTRIBUTES)
    _attribute(enterprise, "organization").canonical_values = [administration.code]
    unit_codes = list(
        Unit.objects.filter(administration=administration, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)[:MAX_CANONICAL_UNITS]
    )
    _attribute(enterprise, "department").canonical_values = unit_codes or None
    group = _published(Group.to_schema(), GROUP_ATTRIBUTES)
    _attribute(group, "members", "type").canonical_values = ["User"]
    result = []
    for schema in (user, enterprise, group):
        schema.meta = Meta(resource_type="Schema", location=f"{base_url}/Schemas/{schema.id}")
        result.append(schema)
    return result


def dump(resource: Any, context: Context = Context.RESOURCE_QUERY_RESPONSE, **kwargs: Any) -> Any:
    return resource.model_dump(scim_ctx=context, **kwargs)
