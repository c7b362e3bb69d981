"""SCIM filters (RFC 7644 §3.4.2.2) as Django queries.

``scim2-models`` parses the filter (and refuses bad syntax, a boolean compared with
``gt``, a value of the wrong type); :class:`QueryBuilder` walks the parsed tree and maps
each attribute the platform honours to a model field. An attribute it does not map is
refused (400 invalidFilter) rather than silently matching nothing. Every operator is
supported (eq ne co sw ew gt ge lt le pr, and, or, not, ``emails[...]`` value paths);
``emails`` is multi-valued and matches when any of the user's addresses matches (see
:func:`any_address`);
string comparisons follow each attribute's ``caseExact`` (userName, emails, names: case
insensitive; externalId, id: exact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import (
    Contains,
    EndsWith,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils.translation import gettext as _
from scim2_models import Group, InvalidFilterException, ScimFilter
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.visitor import FilterVisitor

from . import errors
from .models import ScimEmail
from .resources import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, ScimUserResource

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Field:
    lookup: str
    kind: str = "text"  # text (case-insensitive), exact (case-sensitive), bool, int, date
    nullable: bool = False


USER_FIELDS: dict[str, Field] = {
    "id": Field("pk", "int"),
    "externalid": Field("scim__external_id", "exact", nullable=True),
    "username": Field("username"),
    "name": Field("full_name"),
    "name.formatted": Field("full_name"),
    "displayname": Field("scim__display_name", nullable=True),
    "name.givenname": Field("scim__given_name", nullable=True),
    "name.familyname": Field("scim__family_name", nullable=True),
    "preferredlanguage": Field("preferred_language"),
    # An unassigned ``active`` (removed) is absent: neither true nor false.
    "active": Field("is_active", "active"),
    "meta.created": Field("date_joined", "date"),
    "meta.lastmodified": Field("scim__updated_at", "date", nullable=True),
    "employeenumber": Field("employee_number"),
    "organization": Field("scim__organization", nullable=True),
    "department": Field("unit__code", nullable=True),
    "groups": Field("unit_id", "int", nullable=True),
    "groups.value": Field("unit_id", "int", nullable=True),
    "groups.display": Field("unit__name", nullable=True),
}
GROUP_FIELDS: dict[str, Field] = {
    "id": Field("pk", "int"),
    "externalid": Field("scim__external_id", "exact", nullable=True),
    "displayname": Field("name"),
    "members": Field("users__pk", "int", nullable=True),
    "members.value": Field("users__pk", "int", nullable=True),
    "members.display": Field("users__full_name", nullable=True),
    "meta.lastmodified": Field("scim__updated_at", "date", nullable=True),
}
SCHEMAS = {
    "user": ({USER_SCHEMA.lower(), ENTERPRISE_SCHEMA.lower()}, USER_FIELDS),
    "group": ({GROUP_SCHEMA.lower()}, GROUP_FIELDS),
}
TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
EXACT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
ORDER_LOOKUPS = {
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


class QueryBuilder(FilterVisitor[Q]):
    def __init__(self, kind: str, prefix: str | None = None) -> None:
        self.kind = kind
        self.uris, self.fields = SCHEMAS[kind]
        self.prefix = prefix

    def _field(self, attr_path: AttrPath) -> Field:
        if attr_path.uri and attr_path.uri.lower() not in self.uris:
            raise errors.invalid_filter(
                _("Unknown schema in filter: %(uri)s") % {"uri": attr_path.uri}
            )
        name = attr_path.attr.lower()
        if self.prefix:
            name = f"{self.prefix}.{name}"
        elif attr_path.sub_attr:
            name = f"{name}.{attr_path.sub_attr.lower()}"
        field = self.fields.get(name)
        if field is None:
            raise errors.invalid_filter(
                _("Filtering on “%(attribute)s” is not supported.") % {"attribute": attr_path}
            )
        return field

    def _email_part(self, attr_path: AttrPath) -> str | None:
        """``value``, ``type`` or ``primary`` when ``attr_path`` names (a sub-attribute
        of) a user's ``emails``, else None."""
        if self.kind != "user" or self.prefix or attr_path.attr.lower() != "emails":
            return None
        if attr_path.uri and attr_path.uri.lower() != USER_SCHEMA.lower():
            return None
        part = (attr_path.sub_attr or "value").lower()
        if part not in EMAIL_PARTS:
            raise errors.invalid_filter(
                _("Filtering on “%(attribute)s” is not supported.") % {"attribute": attr_path}
            )
        return part

    def visit_present(self, node: Present) -> Q:
        if part := self._email_part(node.attr_path):
            return any_address(email_present(part))
        field = self._field(node.attr_path)
        if field.kind == "active":
            return ~(Q(is_active=False) & Q(scim__active_unassigned=True))
        if field.kind in ("text", "exact"):
            present = Q(**{f"{field.lookup}__isnull": False}) & ~Q(**{field.lookup: ""})
            return present
        return Q(**{f"{field.lookup}__isnull": False})

    def visit_comparison(self, node: Comparison) -> Q:
        if part := self._email_part(node.attr_path):
            return any_address(email_compare(part, node.op, node.value))
        field = self._field(node.attr_path)
        op, value = node.op, node.value
        if value is None:
            if op == CompareOperator.eq:
                return ~self.visit_present(Present(node.attr_path))
            if op == CompareOperator.ne:
                return self.visit_present(Present(node.attr_path))
            raise errors.invalid_filter(_("Only eq and ne compare with null."))
        if field.kind in ("bool", "active"):
            if not isinstance(value, bool) or op not in (CompareOperator.eq, CompareOperator.ne):
                raise errors.invalid_filter(_("A boolean attribute compares with eq or ne."))
            match = Q(**{field.lookup: value})
            if field.kind == "active" and value is False:
                match &= self.visit_present(Present(node.attr_path))
            return match if op == CompareOperator.eq else ~match
        if field.kind == "int":
            try:
                value = int(str(value))
            except ValueError:
                return NOTHING if op != CompareOperator.ne else Q()
            lookup = ORDER_LOOKUPS.get(op, "exact")
            if op in (CompareOperator.co, CompareOperator.sw, CompareOperator.ew):
                raise errors.invalid_filter(_("An id compares with eq, ne, gt, ge, lt or le."))
        elif field.kind == "date":
            if op not in ORDER_LOOKUPS and op not in (CompareOperator.eq, CompareOperator.ne):
                raise errors.invalid_filter(_("A date compares with eq, ne, gt, ge, lt or le."))
            lookup = ORDER_LOOKUPS.get(op, "exact")
        else:
            if not isinstance(value, str):
                raise errors.invalid_filter(_("This attribute compares with a string."))
            lookups = EXACT_LOOKUPS if field.kind == "exact" else TEXT_LOOKUPS
            lookup = ORDER_LOOKUPS.get(op) or lookups.get(op, lookups[CompareOperator.eq])
        match = Q(**{f"{field.lookup}__{lookup}": value})
        return ~match if op == CompareOperator.ne else match

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = result & term if node.op == LogicalOperator.and_ else result | term
        return result

    def visit_value_path(self, node: ValuePath) -> Q:
        if self.prefix:
            raise errors.invalid_filter(_("Value filters do not nest."))
        attr = node.attr_path.attr.lower()
        if self._email_part(node.attr_path) is not None:
            return any_address(EmailFilter().visit(node.val_filter))
        inner = QueryBuilder(self.kind, prefix=attr)
        return inner.visit(node.val_filter)


# --- e-mail addresses -------------------------------------------------------------------
#
# ``emails`` is multi-valued: a user matches when ANY of their addresses matches
# (RFC 7644 §3.4.2.2), and in ``emails[...]`` one and the same address must satisfy the
# whole inner filter. An address is therefore described by a predicate over three SQL
# expressions (its value, type and primary), built once and applied to each place an
# address lives (see :func:`any_address`). Values and types compare case-insensitively
# (``caseExact`` false in RFC 7643 §8.7.1) as ``LOWER(x) op lower(value)``, which the
# ``scimemail_value_lower`` index serves for ``eq``; an absent type is "" and an absent
# primary is false.

EMAIL_PARTS = ("value", "type", "primary")
Address = dict[str, Any]
Predicate = Callable[[Address], Q]
STRING_LOOKUPS = {
    CompareOperator.eq: Exact,
    CompareOperator.ne: Exact,
    CompareOperator.co: Contains,
    CompareOperator.sw: StartsWith,
    CompareOperator.ew: EndsWith,
    CompareOperator.gt: GreaterThan,
    CompareOperator.ge: GreaterThanOrEqual,
    CompareOperator.lt: LessThan,
    CompareOperator.le: LessThanOrEqual,
}


def _text(expression: Any) -> Any:
    # Values and types are never NULL (an absent type is ""): no COALESCE, which would
    # keep PostgreSQL and SQLite from using the index on LOWER(value).
    return Lower(expression, output_field=CharField())


def _flag(expression: Any) -> Any:
    return Coalesce(expression, Value(False), output_field=BooleanField())


def email_present(part: str) -> Predicate:
    if part == "primary":
        # A boolean is present when it is asserted; an absent one reads as false.
        return lambda address: Q(IsNull(address["primary"], False))
    return lambda address: ~Q(Exact(_text(address[part]), ""))


def email_compare(part: str, op: CompareOperator, value: Any) -> Predicate:
    if value is None:
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise errors.invalid_filter(_("Only eq and ne compare with null."))
        present = email_present(part)
        return present if op == CompareOperator.ne else (lambda address: ~present(address))
    if part == "primary":
        if not isinstance(value, bool) or op not in (CompareOperator.eq, CompareOperator.ne):
            raise errors.invalid_filter(_("A boolean attribute compares with eq or ne."))
        if op == CompareOperator.eq:
            return lambda address: Q(Exact(_flag(address["primary"]), value))
        return lambda address: ~Q(Exact(_flag(address["primary"]), value))
    if not isinstance(value, str):
        raise errors.invalid_filter(_("This attribute compares with a string."))
    lookup, wanted = STRING_LOOKUPS[op], value.lower()
    if op == CompareOperator.ne:
        return lambda address: ~Q(lookup(_text(address[part]), wanted))
    return lambda address: Q(lookup(_text(address[part]), wanted))


class EmailFilter(FilterVisitor[Predicate]):
    """The filter inside ``emails[...]``, as a predicate on one address."""

    def _part(self, attr_path: AttrPath) -> str:
        part = attr_path.attr.lower()
        if attr_path.uri or attr_path.sub_attr or part not in EMAIL_PARTS:
            raise errors.invalid_filter(
                _("Filtering on “%(attribute)s” is not supported.") % {"attribute": attr_path}
            )
        return part

    def visit_present(self, node: Present) -> Predicate:
        return email_present(self._part(node.attr_path))

    def visit_comparison(self, node: Comparison) -> Predicate:
        return email_compare(self._part(node.attr_path), node.op, node.value)

    def visit_not(self, node: Not) -> Predicate:
        inner = self.visit(node.expr)
        return lambda address: ~inner(address)

    def visit_logical_expr(self, node: LogicalExpr) -> Predicate:
        terms = [self.visit(term) for term in node.terms]
        both = node.op == LogicalOperator.and_

        def combined(address: Address) -> Q:
            result = terms[0](address)
            for term in terms[1:]:
                result = result & term(address) if both else result | term(address)
            return result

        return combined

    def visit_value_path(self, node: ValuePath) -> Predicate:
        raise errors.invalid_filter(_("Value filters do not nest."))


def any_address(predicate: Predicate) -> Q:
    """Users (of the queryset the Q is applied to) with an address satisfying
    ``predicate``. The address the platform writes to is ``User.email`` (it may have been
    changed on the platform since the client sent it), with the type and primary of the
    client's chosen address, or work and primary when SCIM never sent one; the client's
    other addresses are their ``ScimEmail`` rows. This is exactly what a GET returns
    (:func:`lms.scim.resources.user_resource`)."""
    rows = ScimEmail.objects.filter(owner_id=OuterRef("pk"))
    others = rows.filter(chosen=False).filter(
        predicate({"value": F("value"), "type": F("type"), "primary": F("primary")})
    )
    chosen = rows.filter(chosen=True)
    held_as_chosen = chosen.filter(
        predicate({"value": OuterRef("email"), "type": F("type"), "primary": F("primary")})
    )
    held_as_default = ~Q(Exists(chosen)) & predicate(
        {"value": F("email"), "type": Value("work"), "primary": Value(True)}
    )
    holds_email = ~Q(email="")
    return Q(Exists(others)) | (holds_email & (Q(Exists(held_as_chosen)) | held_as_default))


def filter_query(kind: str, text: str | None) -> Q:
    """The query for a filter on ``kind`` ("user" or "group"); Q() for no filter."""
    if text is None or not text.strip():
        return Q()
    model: Any = ScimUserResource if kind == "user" else Group
    try:
        parsed = ScimFilter[model](text)
    except InvalidFilterException as exc:
        raise errors.invalid_filter(_("Invalid filter: %(reason)s") % {"reason": exc}) from exc
    except (ValueError, TypeError) as exc:
        raise errors.invalid_filter(_("Invalid filter: %(reason)s") % {"reason": exc}) from exc
    return QueryBuilder(kind).visit(parsed.ast)
