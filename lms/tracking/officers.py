"""Writing officers: the ORM around the pure import planner (:mod:`lms.tracking.importing`).

- :func:`officers_plan` loads what the planner needs about an administration in a handful
  of queries (whatever the number of rows) and plans a table read from a file.
- :func:`officers_apply` writes a plan, all or nothing: new officers (unusable password,
  Officers group) and the changed fields of existing ones, in batches, then reconciles
  their assignments; after the commit, each new officer gets an invitation to choose a
  password, in their language.
- :func:`officer_save` runs one officer through the same rules (the API uses it).
- ``officer_import_*``: the import history (:class:`OfficerImport`): upload and preview,
  apply (inline, or by a background task for large files), discard.

Officers are matched by employee number within the administration, against every user
of the administration who has one (the database keeps the numbers unique per
administration). An update never changes anyone's groups, active flag or username.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.accounts import preferences
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.selectors import can_see_people_of
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.public_url import public_url

from .importing import (
    COLUMNS,
    ROW_MESSAGES,
    ExistingOfficer,
    ImportFileError,
    ImportPlan,
    PlannedOfficer,
    RejectedRow,
    Table,
    TableRow,
    plan_import,
    read_table,
)
from .models import OfficerImport

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor

log = logging.getLogger(__name__)

WRITE_BATCH = 5000
"""Rows per ``executemany`` call."""
INVITATION_BATCH = 500
"""Invitations per background task."""

# The planner's field names and the model's.
MODEL_FIELDS: dict[str, str] = {
    "full_name": "full_name",
    "email": "email",
    "unit_code": "unit_id",
    "position": "position",
    "preferred_language": "preferred_language",
}
FIELD_LABELS: dict[str, Any] = {
    "employee_number": gettext_lazy("Employee number"),
    "full_name": gettext_lazy("Full name"),
    "email": gettext_lazy("E-mail address"),
    "unit_code": gettext_lazy("Unit"),
    "position": gettext_lazy("Position"),
    "preferred_language": gettext_lazy("Preferred language"),
}
# The field each row problem is about (for the API's field errors).
PROBLEM_FIELDS: dict[str, str] = {
    "missing_employee_number": "employee_number",
    "duplicate_employee_number": "employee_number",
    "missing_full_name": "full_name",
    "missing_email": "email",
    "bad_email": "email",
    "duplicate_email": "email",
    "email_taken": "email",
    "unknown_unit": "unit",
    "unsupported_language": "preferred_language",
    "bad_username": "username",
    "duplicate_username": "username",
    "username_taken": "username",
}
NON_FIELD = "non_field_errors"

STRONGER_ROLES = [role.value for role in Role if role is not Role.OFFICER]


# --- errors and results -----------------------------------------------------------------


class ImportRefused(Exception):
    """The plan cannot be applied; nothing was written. ``message`` is translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class OfficerRejected(Exception):
    """One officer's values break the import rules. ``problems`` maps a field (a column
    of :data:`lms.tracking.importing.COLUMNS`, or ``non_field_errors``) to translated
    messages; ``rejected`` holds the planner's problems."""

    def __init__(self, problems: dict[str, list[str]], rejected: Sequence[RejectedRow] = ()):
        self.problems = problems
        self.rejected = list(rejected)
        super().__init__("; ".join(m for messages in problems.values() for m in messages))


@dataclass(frozen=True)
class ApplyResult:
    """What :func:`officers_apply` wrote."""

    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    invited: int = 0


def problem_message(problem: RejectedRow | Mapping[str, Any]) -> str:
    """A row problem (a :class:`RejectedRow` or its stored form) in the active language."""
    if isinstance(problem, RejectedRow):
        return problem.translated(_)
    template = ROW_MESSAGES.get(problem.get("code", ""))
    if template is None:  # a code this version no longer knows
        return str(problem.get("code", ""))
    return _(template).format(**problem.get("params", {}))


def problem_rows(
    problems: Iterable[RejectedRow | Mapping[str, Any]],
) -> list[tuple[int, str]]:
    """(line, message in the active language) for each problem."""
    return [
        (
            problem.line if isinstance(problem, RejectedRow) else problem["line"],
            problem_message(problem),
        )
        for problem in problems
    ]


def stored_problems(plan: ImportPlan) -> list[dict[str, Any]]:
    """The plan's rejected rows as JSON for :attr:`OfficerImport.problems`."""
    return [
        {"line": problem.line, "code": problem.code, "params": dict(problem.params)}
        for problem in plan.rejected
    ]


def _check_actor(actor: Actor, administration: Administration) -> None:
    if not can_see_people_of(actor, administration):
        raise PermissionDenied


# --- planning ---------------------------------------------------------------------------


@dataclass
class _Context:
    """What the planner and the writer need to know about one administration."""

    existing: dict[str, ExistingOfficer]
    ids: dict[str, int]  # employee number -> user id
    units: dict[str, int]  # unit code -> unit id
    other_emails: set[str]
    taken_usernames: set[str]
    # Employee numbers (folded) of people who are not officers: managers, coordinators.
    # An import never updates them (that would hand their account to whoever wrote the
    # file's e-mail address) and cannot create an officer with their number.
    reserved: set[str] = field(default_factory=set)
    # Usernames of every user of the administration (a clash with one of them may be named).
    own_usernames: set[str] = field(default_factory=set)


def _load_context(
    administration: Administration, *, exclude_pk: int | None = None, usernames: bool = True
) -> _Context:
    """Three queries whatever the number of officers (two without ``usernames``, which
    only planning needs: usernames are platform-wide)."""
    existing: dict[str, ExistingOfficer] = {}
    ids: dict[str, int] = {}
    other_emails: set[str] = set()
    reserved: set[str] = set()
    officer_group = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name=Role.OFFICER.value
    )
    # Someone who also holds another role (training manager, manager, platform admin) or
    # staff rights is never changed as an officer: changing their e-mail would hand their
    # stronger account to whoever wrote the new address (the review after issue 11).
    stronger_role = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name__in=STRONGER_ROLES
    )
    people = (
        User.objects.filter(administration=administration)
        .annotate(
            is_officer=ExpressionWrapper(
                Q(Exists(officer_group))
                & ~Q(Exists(stronger_role))
                & Q(is_superuser=False, is_staff=False),
                output_field=BooleanField(),
            )
        )
        .order_by()
    )
    if exclude_pk is not None:
        people = people.exclude(pk=exclude_pk)
    rows = people.values_list(
        "pk",
        "employee_number",
        "full_name",
        "email",
        "unit__code",
        "position",
        "preferred_language",
        "username",
        "is_officer",
    ).iterator(chunk_size=5000)
    own_usernames: set[str] = set()
    for pk, number, full_name, email, unit_code, position, language, username, officer in rows:
        own_usernames.add(username)
        if not number or not officer:
            if email:
                other_emails.add(email)
            if number:
                reserved.add(number.strip().casefold())
            continue
        ids[number] = pk
        existing[number] = ExistingOfficer(
            full_name=full_name,
            email=email,
            unit_code=unit_code or "",
            position=position,
            preferred_language=language,
            username=username,
        )
    units = dict(Unit.objects.filter(administration=administration).values_list("code", "pk"))
    taken: set[str] = set()
    if usernames:
        taken.update(User.objects.order_by().values_list("username", flat=True).iterator(5000))
    return _Context(existing, ids, units, other_emails, taken, reserved, own_usernames)


def _plan(table: Table, context: _Context, administration: Administration) -> ImportPlan:
    plan = plan_import(
        table,
        existing=context.existing,
        unit_codes=context.units.keys(),
        administration_languages=administration.official_languages or [],
        other_emails=context.other_emails,
        taken_usernames=context.taken_usernames,
        administration_usernames=context.own_usernames,
        supported_languages=[code for code, _name in settings.LANGUAGES],
        namespace=administration.code.lower(),
    )
    if context.reserved:
        clashes = [
            planned
            for planned in plan.creates
            if planned.employee_number.strip().casefold() in context.reserved
        ]
        if clashes:
            plan.creates = [planned for planned in plan.creates if planned not in clashes]
            plan.rejected.extend(
                RejectedRow(
                    planned.line,
                    "number_not_officer",
                    ROW_MESSAGES["number_not_officer"],
                    {"number": planned.employee_number},
                )
                for planned in clashes
            )
            plan.rejected.sort(key=lambda problem: problem.line)
    return plan


def officers_plan(*, administration: Administration, table: Table) -> ImportPlan:
    """What importing ``table`` into ``administration`` would do. Reads only."""
    return _plan(table, _load_context(administration), administration)


# --- applying ---------------------------------------------------------------------------


def _unusable_password() -> str:
    # As make_password(None), with a faster random suffix: each officer's differs, which
    # the password-reset tokens of the invitations rely on.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _officers_group() -> Group:
    group, _created = Group.objects.get_or_create(name=Role.OFFICER.value)
    return group


def _column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run ``sql`` once per row, in batches, on the current transaction's connection."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django binds parameters on the client, which makes thousands of rows slow
            # (about five times here); psycopg's own cursor binds on the server and
            # pipelines the statements.
            import psycopg

            with connection.wrap_database_errors, psycopg.Cursor(cursor.connection) as raw:
                for start in range(0, len(rows), WRITE_BATCH):
                    raw.executemany(sql, rows[start : start + WRITE_BATCH])
            return
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(sql, rows[start : start + WRITE_BATCH])


def _insert(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values of the fields ``names``, ready for the database)."""
    # Identifiers come from the model's metadata, quoted; values are parameters.
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608
        table=connection.ops.quote_name(model._meta.db_table),
        columns=", ".join(_column(model, name) for name in names),
        values=", ".join(["%s"] * len(names)),
    )
    _executemany(sql, rows)


def _update(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE the fields ``names`` by primary key: each row is (*values, pk)."""
    sql = "UPDATE {table} SET {assignments} WHERE {pk} = %s".format(  # noqa: S608
        table=connection.ops.quote_name(model._meta.db_table),
        assignments=", ".join(f"{_column(model, name)} = %s" for name in names),
        pk=_column(model, model._meta.pk.name),
    )
    _executemany(sql, rows)


# Written per new officer; every other field of the user gets the model's default,
# computed once for all of them (a per-row default, such as a UUID, would go here).
CREATED_FIELDS = (
    "username",
    "password",
    "employee_number",
    "full_name",
    "email",
    "unit",
    "position",
    "preferred_language",
)


def _write(
    plan: ImportPlan, context: _Context, administration: Administration
) -> tuple[list[int], list[int], list[int]]:
    """Write the creates and updates; returns (created ids, updated ids, ids whose unit
    changed). Call inside a transaction.

    Plain SQL statements run with ``executemany`` in batches: the values are plain
    strings and ids, and ``bulk_create``/``bulk_update``, which compile every value
    through the ORM, took about five times longer for 50,000 officers. Signals are not
    sent, as with those; assignments are reconciled by :func:`_finish`.
    """
    if plan.creates:
        constants = {
            "administration": administration.pk,
            "date_joined": timezone.now(),
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
        }
        fields = [
            model_field
            for model_field in User._meta.concrete_fields
            if not model_field.primary_key and model_field.name not in CREATED_FIELDS
        ]
        fixed = [
            model_field.get_db_prep_save(
                constants.get(model_field.name, model_field.get_default()), connection
            )
            for model_field in fields
        ]
        rows = []
        for planned in plan.creates:
            values = _model_values(planned, context)
            rows.append(
                (
                    planned.username,
                    _unusable_password(),
                    planned.employee_number,
                    values["full_name"],
                    values["email"],
                    values["unit_id"],
                    values["position"],
                    values["preferred_language"],
                    *fixed,
                )
            )
        _insert(User, [*CREATED_FIELDS, *(f.name for f in fields)], rows)
        numbers = dict(
            User.objects.filter(administration=administration)
            .exclude(employee_number="")
            .order_by()
            .values_list("employee_number", "pk")
            .iterator(chunk_size=5000)
        )
        created_ids = [numbers[planned.employee_number] for planned in plan.creates]
        group_id = _officers_group().pk
        _insert(User.groups.through, ["user", "group"], [(pk, group_id) for pk in created_ids])
    else:
        created_ids = []

    by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    updated_ids: list[int] = []
    moved_ids: list[int] = []
    for planned in plan.updates:
        pk = context.ids.get(planned.employee_number)
        if pk is None:
            raise ImportRefused(_stale_message())
        values = _model_values(planned, context)
        fields = tuple(MODEL_FIELDS[name] for name in planned.changed)
        by_fields[fields].append((*(values[name] for name in fields), pk))
        updated_ids.append(pk)
        if "unit_code" in planned.changed:
            moved_ids.append(pk)
    for fields, rows in by_fields.items():
        _update(User, [name.removesuffix("_id") for name in fields], rows)
    if updated_ids:  # no signal is sent: the cached languages must be forgotten here
        forgotten = list(updated_ids)
        transaction.on_commit(lambda: preferences.forget(forgotten))
    return created_ids, updated_ids, moved_ids


def _model_values(planned: PlannedOfficer, context: _Context) -> dict[str, Any]:
    unit_id = None
    if planned.unit_code:
        unit_id = context.units.get(planned.unit_code)
        if unit_id is None:
            raise ImportRefused(_stale_message())
    return {
        "full_name": planned.full_name,
        "email": planned.email,
        "unit_id": unit_id,
        "position": planned.position,
        "preferred_language": planned.preferred_language,
    }


def _stale_message() -> str:
    return _(
        "The officers or units of the administration changed since the preview. Nothing "
        "was written; upload the file again to see what it would do now."
    )


def _finish(
    *,
    created_ids: list[int],
    moved_ids: list[int],
    send_invitations: bool,
) -> int:
    """Reconcile assignments and schedule the invitations; returns how many are sent."""
    from .assignments import assignments_sync

    if created_ids or moved_ids:
        assignments_sync(officer_ids=[*created_ids, *moved_ids])
    if not (send_invitations and created_ids):
        return 0
    ids = list(created_ids)
    transaction.on_commit(lambda: _invite_later(ids), robust=True)
    return len(ids)


def officers_apply(
    *,
    actor: Actor,
    administration: Administration,
    plan: ImportPlan,
    send_invitations: bool = True,
    record: OfficerImport | None = None,
) -> ApplyResult:
    """Write ``plan`` into ``administration``, all or nothing.

    Raises :class:`ImportRefused` when the plan has rejected rows or no longer fits the
    data (an officer or a unit it names is gone), and lets a database error (a username
    taken meanwhile) propagate; either way nothing is written. ``record``, when given, is
    marked applied with the counts in the same transaction. Invitations go after the
    commit, one background task per :data:`INVITATION_BATCH` new officers.
    """
    _check_actor(actor, administration)
    if plan.rejected:
        raise ImportRefused(
            _("The file has rejected rows. Nothing was written; fix the file and upload it again.")
        )
    with transaction.atomic():
        context = _load_context(administration, usernames=False)
        created_ids, updated_ids, moved_ids = _write(plan, context, administration)
        invited = _finish(
            created_ids=created_ids, moved_ids=moved_ids, send_invitations=send_invitations
        )
        result = ApplyResult(
            created_ids=created_ids,
            updated_ids=updated_ids,
            unchanged=len(plan.unchanged),
            invited=invited,
        )
        if record is not None:
            _record_applied(record, actor=actor, plan=plan, result=result)
    return result


def _record_applied(
    record: OfficerImport, *, actor: Actor, plan: ImportPlan, result: ApplyResult
) -> None:
    record.status = OfficerImport.Status.APPLIED
    record.created_count = len(result.created_ids)
    record.updated_count = len(result.updated_ids)
    record.unchanged_count = result.unchanged
    record.rejected_count = 0
    record.invited_count = result.invited
    record.problems = []
    record.row_count = sum(plan.counts().values())
    record.applied_at = timezone.now()
    record.applied_by = actor if actor.is_authenticated else None
    record.save()


# --- one officer (the API) --------------------------------------------------------------


def _officer_rejected(rejected: Iterable[RejectedRow]) -> OfficerRejected:
    problems: dict[str, list[str]] = defaultdict(list)
    rejected = list(rejected)
    for problem in rejected:
        if problem.code == "too_long":
            name = str(problem.params.get("column", NON_FIELD))
        else:
            name = PROBLEM_FIELDS.get(problem.code, NON_FIELD)
        problems[name].append(problem_message(problem))
    return OfficerRejected(dict(problems), rejected)


def officer_save(
    *,
    actor: Actor,
    administration: Administration,
    values: Mapping[str, str],
    officer: User | None = None,
    send_invitation: bool = True,
) -> User:
    """Create or update one officer with the import's rules; returns the saved user.

    ``values`` holds columns of :data:`lms.tracking.importing.COLUMNS`; a missing or blank
    optional one keeps what is stored. Without ``officer``, the employee number decides:
    an officer of the administration with that number is updated, else one is created
    (and invited). With ``officer``, that person is updated: missing required values are
    theirs, their employee number cannot change (one without a number gets it).
    Raises :class:`OfficerRejected` with the problems per field; nothing is written then.
    """
    _check_actor(actor, administration)
    if officer is not None and officer.administration_id != administration.pk:
        raise Http404
    if officer is not None and (
        officer.is_superuser
        or officer.is_staff
        or officer.groups.filter(name__in=STRONGER_ROLES).exists()
    ):
        raise OfficerRejected(
            {
                "non_field_errors": [
                    _(
                        "This person also holds another role on the platform: their details "
                        "are changed by a platform admin in the user administration, not here."
                    )
                ]
            }
        )
    row = {column: str(values.get(column) or "").strip() for column in COLUMNS}
    columns = [column for column in COLUMNS if column in values]
    new_number = ""
    if officer is not None:
        stored_number = officer.employee_number
        for column, stored in (
            ("employee_number", stored_number),
            ("full_name", officer.full_name),
            ("email", officer.email),
        ):
            row[column] = row[column] or stored
        if stored_number and row["employee_number"].casefold() != stored_number.casefold():
            raise OfficerRejected(
                {"employee_number": [_("The employee number of an officer cannot be changed.")]}
            )
        new_number = "" if stored_number else row["employee_number"]
    for column in ("employee_number", "full_name", "email"):
        if column not in columns:
            columns.append(column)
    table = Table(
        format="api",
        columns=tuple(columns),
        headings={column: column for column in columns},
        rows=(TableRow(line=1, values=row),),
    )
    with transaction.atomic():
        context = _load_context(
            administration, exclude_pk=officer.pk if new_number and officer else None
        )
        if new_number and officer is not None:
            if new_number.casefold() in {number.casefold() for number in context.existing}:
                raise OfficerRejected(
                    {
                        "employee_number": [
                            _(
                                "The employee number “{value}” already belongs to another "
                                "user of this administration."
                            ).format(value=new_number)
                        ]
                    }
                )
            context.existing[new_number] = ExistingOfficer(
                full_name=officer.full_name,
                email=officer.email,
                unit_code=officer.unit.code if officer.unit_id else "",
                position=officer.position,
                preferred_language=officer.preferred_language,
                username=officer.username,
            )
            context.ids[new_number] = officer.pk
        plan = _plan(table, context, administration)
        if plan.rejected:
            raise _officer_rejected(plan.rejected)
        if new_number and officer is not None:
            User.objects.filter(pk=officer.pk).update(employee_number=new_number)
        created_ids, _updated, moved_ids = _write(plan, context, administration)
        _finish(created_ids=created_ids, moved_ids=moved_ids, send_invitations=send_invitation)
    if created_ids:
        pk = created_ids[0]
    elif officer is not None:
        pk = officer.pk
    else:
        pk = context.ids[(plan.updates or plan.unchanged)[0].employee_number]
    return User.objects.select_related("administration", "unit").get(pk=pk)


# --- invitations ------------------------------------------------------------------------


def _invite_later(officer_ids: list[int]) -> None:
    from .tasks import send_officer_invitations

    for start in range(0, len(officer_ids), INVITATION_BATCH):
        chunk = officer_ids[start : start + INVITATION_BATCH]
        try:
            send_officer_invitations.enqueue(chunk)
        except Exception:
            log.exception("Could not queue the invitations of officers %s", chunk)


def invitation_url(user: User) -> str:
    """The absolute link where ``user`` chooses a password (a password-reset link)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return public_url(path)


def officer_invitations_send(*, officer_ids: Sequence[int]) -> int:
    """E-mail each of these officers an invitation to choose a password, in their
    language. Officers who have signed in, have a password already, are inactive or have
    no address are skipped. Returns how many e-mails went out."""
    users = (
        User.objects.filter(pk__in=list(officer_ids), is_active=True, last_login__isnull=True)
        .exclude(email="")
        .select_related("administration")
        .order_by("pk")
    )
    messages = []
    for user in users:
        if user.has_usable_password():
            continue
        language = user.interface_language()
        with translation.override(language):
            context = {
                "user": user,
                "name": user.get_full_name(),
                "administration": user.administration,
                "platform_name": settings.LMS_PLATFORM_NAME,
                "url": invitation_url(user),
                "username": user.get_username(),
                "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            }
            subject = render_to_string("tracking/email/invitation_subject.txt", context)
            message = EmailMultiAlternatives(
                subject=" ".join(subject.split()),
                body=render_to_string("tracking/email/invitation.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("tracking/email/invitation.html", context), "text/html"
            )
            messages.append(message)
    if not messages:
        return 0
    with mailers.default as connection:
        return connection.send_messages(messages) or 0


# --- the import history -----------------------------------------------------------------


def officer_imports_of(administration: Administration) -> QuerySet[OfficerImport]:
    """The administration's imports, newest first (without the stored problems)."""
    return (
        OfficerImport.objects.filter(administration=administration)
        .select_related("uploaded_by", "applied_by")
        .defer("problems")
    )


def access_officer_import(administration: Administration, pk: int) -> OfficerImport:
    """One import of ``administration``; 404 for another administration's or a missing
    one (call after :func:`lms.tracking.selectors.access_tracked_administration`)."""
    try:
        return OfficerImport.objects.select_related("uploaded_by", "applied_by").get(
            pk=pk, administration=administration
        )
    except OfficerImport.DoesNotExist as exc:
        raise Http404 from exc


def _limits() -> tuple[int, int]:
    return settings.LMS_IMPORT_MAX_BYTES, settings.LMS_IMPORT_MAX_ROWS


def _read(data: bytes, filename: str) -> Table:
    max_bytes, max_rows = _limits()
    return read_table(data, filename, max_bytes=max_bytes, max_rows=max_rows)


def officer_import_upload(
    *,
    actor: Actor,
    administration: Administration,
    file: IO[bytes],
    filename: str,
    size: int,
    send_invitations: bool = True,
) -> OfficerImport:
    """Read and plan an uploaded file and keep it, with the plan's counts and rejected
    rows, as a previewed import. Writes no officer. Raises
    :class:`~lms.tracking.importing.ImportFileError` for a file that cannot be imported
    (nothing is stored then)."""
    _check_actor(actor, administration)
    max_bytes, _rows = _limits()
    if size > max_bytes:  # refuse before reading it into memory
        raise ImportFileError(
            "too_large",
            filename=filename,
            size=f"{size / 1048576:.1f}",
            limit=f"{max_bytes / 1048576:g}",
        )
    data = file.read(max_bytes + 1)
    table = _read(data, filename)
    plan = officers_plan(administration=administration, table=table)
    counts = plan.counts()
    record = OfficerImport(
        administration=administration,
        uploaded_by=actor,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        status=OfficerImport.Status.PREVIEWED,
        row_count=len(table.rows),
        created_count=counts["create"],
        updated_count=counts["update"],
        unchanged_count=counts["unchanged"],
        rejected_count=counts["rejected"],
        problems=stored_problems(plan),
        send_invitations=send_invitations,
    )
    # A random name: the upload's own name is kept in ``filename`` only.
    record.file.save(
        f"{administration.code}/{uuid.uuid4().hex}.{table.format}", ContentFile(data), save=False
    )
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    return record


def officer_import_plan(officer_import: OfficerImport) -> ImportPlan:
    """Plan the stored file of an import against the data as it is now. Reads only;
    raises :class:`ImportRefused` when the stored file is gone (and
    :class:`~lms.tracking.importing.ImportFileError` if it cannot be read)."""
    return officers_plan(
        administration=officer_import.administration, table=_stored_table(officer_import)
    )


def _stored_table(officer_import: OfficerImport) -> Table:
    try:
        with officer_import.file.open("rb") as stored:
            data = stored.read()
    except (OSError, ValueError) as error:
        raise ImportRefused(
            _("The uploaded file is no longer available. Upload it again.")
        ) from error
    return _read(data, officer_import.filename)


@dataclass(frozen=True)
class ApplyOutcome:
    """What became of a request to apply an import: ``code`` is applied, queued,
    refused, failed or not_pending; ``message`` is translated."""

    code: str
    message: str
    officer_import: OfficerImport


PENDING = (OfficerImport.Status.PREVIEWED, OfficerImport.Status.QUEUED)


def _not_pending(officer_import: OfficerImport) -> ApplyOutcome:
    return ApplyOutcome(
        "not_pending",
        _(
            "This import is no longer waiting to be applied (its status is “{status}”). "
            "Nothing was done."
        ).format(status=officer_import.get_status_display()),
        officer_import,
    )


def officer_import_apply_request(*, actor: Actor, officer_import: OfficerImport) -> ApplyOutcome:
    """Apply a previewed import now, or queue it when it has more rows than
    ``LMS_IMPORT_TASK_ROWS`` (and none rejected). Applying twice applies once."""
    _check_actor(actor, officer_import.administration)
    if officer_import.rejected_count or officer_import.row_count <= settings.LMS_IMPORT_TASK_ROWS:
        return officer_import_apply(actor=actor, officer_import_id=officer_import.pk)
    with transaction.atomic():
        record = OfficerImport.objects.select_for_update().get(pk=officer_import.pk)
        if record.status != OfficerImport.Status.PREVIEWED:
            return _not_pending(record)
        record.status = OfficerImport.Status.QUEUED
        record.applied_by = actor
        record.save(update_fields=["status", "applied_by"])
        record_id, actor_id = record.pk, actor.pk
        transaction.on_commit(lambda: _apply_later(record_id, actor_id))
    return ApplyOutcome(
        "queued",
        _(
            "The import is being applied in the background. This page shows the result when "
            "it is done."
        ),
        record,
    )


def _apply_later(officer_import_id: int, actor_id: int) -> None:
    from .tasks import apply_officer_import

    try:
        apply_officer_import.enqueue(officer_import_id, actor_id)
    except Exception:
        log.exception("Could not queue officer import %s", officer_import_id)
        OfficerImport.objects.filter(
            pk=officer_import_id, status=OfficerImport.Status.QUEUED
        ).update(status=OfficerImport.Status.FAILED)


def _refuse(record: OfficerImport, plan: ImportPlan) -> ApplyOutcome:
    """The re-planned file has rejected rows: keep them, write no officer."""
    known = record.rejected_count > 0
    counts = plan.counts()
    record.status = OfficerImport.Status.PREVIEWED if known else OfficerImport.Status.REFUSED
    record.problems = stored_problems(plan)
    record.rejected_count = counts["rejected"]
    record.created_count = counts["create"]
    record.updated_count = counts["update"]
    record.unchanged_count = counts["unchanged"]
    record.save()
    if known:
        message = _(
            "The file has rejected rows. Nothing was written; fix the file and upload it again."
        )
    else:
        message = _(
            "The officers changed since the preview and some rows are now rejected. Nothing "
            "was written; fix the file and upload it again."
        )
    return ApplyOutcome("refused", message, record)


def officer_import_apply(*, actor: Actor, officer_import_id: int) -> ApplyOutcome:
    """Re-read and re-plan the stored file, then apply it, all or nothing.

    The import row is locked, so a second request waits and then finds it applied. When
    the new plan has rejected rows (the data changed since the preview), the import is
    marked refused with the new problems and no officer is written; a database error
    marks it failed, and nothing is written either.
    """
    try:
        with transaction.atomic():
            record = (
                OfficerImport.objects.select_for_update()
                .select_related("administration")
                .get(pk=officer_import_id)
            )
            if record.status not in PENDING:
                return _not_pending(record)
            _check_actor(actor, record.administration)
            plan = officer_import_plan(record)
            if plan.rejected:
                return _refuse(record, plan)
            officers_apply(
                actor=actor,
                administration=record.administration,
                plan=plan,
                send_invitations=record.send_invitations,
                record=record,
            )
            audit_record(
                actor=actor if actor.is_authenticated else None,
                action=AuditAction.OFFICER_IMPORT_APPLY,
                administration=record.administration,
                target=record,
                target_repr=record.filename,
                after={
                    "filename": record.filename,
                    "sha256": record.sha256,
                    "rows": record.row_count,
                    "created": record.created_count,
                    "updated": record.updated_count,
                    "unchanged": record.unchanged_count,
                    "invited": record.invited_count,
                },
            )
    except (DatabaseError, ImportFileError, ImportRefused, PermissionDenied) as error:
        log.exception("Officer import %s failed", officer_import_id)
        OfficerImport.objects.filter(pk=officer_import_id, status__in=PENDING).update(
            status=OfficerImport.Status.FAILED
        )
        if isinstance(error, ImportRefused):
            message = error.message
        elif isinstance(error, ImportFileError):
            message = error.translated(_)
        else:
            message = _(
                "The import could not be applied, probably because the officers changed "
                "while it ran. Nothing was written; upload the file again."
            )
        return ApplyOutcome("failed", message, OfficerImport.objects.get(pk=officer_import_id))
    return ApplyOutcome(
        "applied",
        _("The import has been applied."),
        record,
    )


def officer_import_discard(*, actor: Actor, officer_import: OfficerImport) -> bool:
    """Discard a previewed (or refused) import and delete its stored file. Returns False
    when it was no longer previewed."""
    _check_actor(actor, officer_import.administration)
    with transaction.atomic():
        record = OfficerImport.objects.select_for_update().get(pk=officer_import.pk)
        if record.status not in (OfficerImport.Status.PREVIEWED, OfficerImport.Status.REFUSED):
            return False
        record.status = OfficerImport.Status.DISCARDED
        name = record.file.name
        record.file = ""
        record.save(update_fields=["status", "file"])
        if name:
            storage = record.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    return True


def field_label(name: str) -> str:
    """The label of a field the import can change."""
    return str(FIELD_LABELS.get(name, name))
