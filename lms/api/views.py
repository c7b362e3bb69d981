"""The administration API, version 1 (``/api/v1/``).

Thin views: parse the query (filters are validated, a bad value gets 400), take the rows
from :mod:`lms.api.selectors` for the request's :class:`~lms.api.selectors.ApiScope`,
write through the tracking services. Who may call what is described in
:mod:`lms.api.authentication` and :mod:`lms.api.permissions`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from certificates.models import Certificate, Programme
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Unit, User
from lms.tracking import assignments as assignment_services
from lms.tracking import officers as officer_services
from lms.tracking.models import Assignment

from . import selectors
from . import serializers as api_serializers
from .authentication import ApiTokenAuthentication
from .models import ApiToken
from .pagination import ApiPagination
from .permissions import ApiAccess
from .selectors import ApiScope
from .throttling import ApiRateThrottle

ADMINISTRATION_PARAMETER = OpenApiParameter(
    "administration",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description=(
        "Platform admins (signed in) only: one administration's rows, by its code (PER). "
        "Ignored for tokens and administration managers, who always get their own."
    ),
)
ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})
NOT_FOUND = {404: OpenApiResponse(ERROR, description="Missing, or of another administration.")}
BAD_REQUEST = {400: OpenApiResponse(description="Invalid input, with a message per field.")}


class ApiViewSet(GenericViewSet):
    """The administration API's common ground: token or session, scope, filters."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [ApiAccess]
    throttle_classes = [ApiRateThrottle]
    pagination_class = ApiPagination
    filter_serializer_class: type[serializers.Serializer] | None = None
    lookup_value_converter = "int"

    @property
    def api_scope(self) -> ApiScope:
        scope = getattr(self, "_api_scope", None)
        if scope is None:
            request = self.request
            scope = selectors.api_scope(
                request.user,
                request.auth if isinstance(request.auth, ApiToken) else None,
                (request.query_params.get("administration") or "").strip()[:8],
            )
            self._api_scope = scope
        return scope

    def filters(self) -> dict[str, Any]:
        """The validated query filters (400 with a message per parameter if invalid)."""
        if self.filter_serializer_class is None:
            return {}
        parsed = self.filter_serializer_class(data=self.request.query_params)
        parsed.is_valid(raise_exception=True)
        return {key: value for key, value in parsed.validated_data.items() if value is not None}

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.queryset
        rows = self.scoped_rows(self.api_scope)
        if self.action == "list":
            rows = self.filter_rows(rows, self.filters())
        return rows

    def get_object(self) -> Any:
        """The row, or the same 404 for a missing row and another administration's."""
        try:
            return super().get_object()
        except Http404 as exc:
            raise NotFound() from exc

    def scoped_rows(self, scope: ApiScope) -> QuerySet:
        raise NotImplementedError

    def filter_rows(self, rows: QuerySet, filters: dict[str, Any]) -> QuerySet:
        return rows

    def writable_administration(self):
        """The administration a write goes to: the token's or the manager's; a platform
        admin must name one with ``?administration=``."""
        administration = self.api_scope.administration
        if administration is None:
            raise ValidationError(
                {"administration": [_("Say which administration with ?administration=CODE.")]}
            )
        return administration


def _list_schema(filters: type[serializers.Serializer] | None = None, **kwargs: Any):
    parameters: list[Any] = [ADMINISTRATION_PARAMETER]
    if filters is not None:
        parameters.insert(0, filters)
    return extend_schema(parameters=parameters, **kwargs)


# --- officers --------------------------------------------------------------------------


class OfficerApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    """The administration's officers (members of the Officers group, active or not).

    Creating and changing officers follows the officers import's rules
    (``lms.tracking.officers.officer_save``): the employee number identifies an officer
    within the administration (POSTing a known number updates that officer), required
    values are checked the same way, and a new officer is invited by e-mail to choose a
    password. The username is chosen at creation only; the active flag is not changed
    through the API."""

    queryset = User.objects.none()
    serializer_class = api_serializers.OfficerSerializer
    filter_serializer_class = api_serializers.OfficerFilters
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_rows(self, scope: ApiScope) -> QuerySet[User]:
        return selectors.api_officer_list(scope).order_by("full_name", "username", "pk")

    def filter_rows(self, rows: QuerySet[User], filters: dict[str, Any]) -> QuerySet[User]:
        if unit := filters.get("unit"):
            rows = rows.filter(unit__code=unit)
        if query := (filters.get("q") or "").strip():
            rows = rows.filter(
                Q(full_name__icontains=query)
                | Q(employee_number__icontains=query)
                | Q(username__icontains=query)
            )
        if number := filters.get("employee_number"):
            rows = rows.filter(employee_number=number)
        if "is_active" in filters:
            rows = rows.filter(is_active=filters["is_active"])
        return rows

    @_list_schema(api_serializers.OfficerFilters, summary="List officers")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One officer", parameters=[ADMINISTRATION_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def _save(self, values: dict[str, Any], officer: User | None = None) -> User:
        administration = self.writable_administration()
        try:
            return officer_services.officer_save(
                actor=self.api_scope.actor,
                administration=administration,
                values={name: str(value) for name, value in values.items()},
                officer=officer,
            )
        except officer_services.OfficerRejected as rejected:
            raise ValidationError(rejected.problems) from rejected
        except DjangoPermissionDenied as exc:
            raise PermissionDenied() from exc

    @extend_schema(
        summary="Create an officer (or update the one with this employee number)",
        description=(
            "Needs a token with read and write access (or a manager's session). Answers "
            "201 when an officer was created, 200 when the employee number belonged to an "
            "officer of the administration, who was updated."
        ),
        parameters=[ADMINISTRATION_PARAMETER],
        request=api_serializers.OfficerWriteSerializer,
        responses={
            201: api_serializers.OfficerSerializer,
            200: api_serializers.OfficerSerializer,
            **BAD_REQUEST,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = api_serializers.OfficerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        number = (values.get("employee_number") or "").strip()
        administration = self.writable_administration()
        existed = bool(number) and (
            User.objects.filter(administration=administration, employee_number__iexact=number)
            .order_by()
            .exists()
        )
        officer = self._save(values)
        return Response(
            api_serializers.OfficerSerializer(officer).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Change an officer",
        description=(
            "Needs a token with read and write access (or a manager's session). Send only "
            "what changes; a blank optional value keeps what is stored. The employee number "
            "and the username cannot change."
        ),
        parameters=[ADMINISTRATION_PARAMETER],
        request=api_serializers.OfficerWriteSerializer,
        responses={200: api_serializers.OfficerSerializer, **BAD_REQUEST, **NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        officer = self.get_object()
        data = api_serializers.OfficerWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        username = values.pop("username", None)
        if username is not None and username != officer.username:
            raise ValidationError({"username": [_("The username cannot be changed.")]})
        if officer.administration_id is None:  # pragma: no cover - scoped rows have one
            raise ValidationError(_("This person belongs to no administration."))
        if self.api_scope.administration is None:
            # A platform admin without ?administration=: the officer's own administration.
            self._api_scope = ApiScope(
                self.api_scope.actor, officer.administration, True, self.api_scope.token
            )
        return Response(api_serializers.OfficerSerializer(self._save(values, officer)).data)


# --- units -----------------------------------------------------------------------------


class UnitApi(mixins.ListModelMixin, ApiViewSet):
    """The administration's units (offices, ports, border posts...)."""

    queryset = Unit.objects.none()
    serializer_class = api_serializers.UnitSerializer

    def scoped_rows(self, scope: ApiScope) -> QuerySet[Unit]:
        return selectors.api_unit_list(scope)

    @_list_schema(summary="List units")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- enrolments ------------------------------------------------------------------------


class EnrolmentApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Enrolments and progress of the administration's officers."""

    queryset = Enrolment.objects.none()
    serializer_class = api_serializers.EnrolmentSerializer
    filter_serializer_class = api_serializers.EnrolmentFilters

    def scoped_rows(self, scope: ApiScope) -> QuerySet[Enrolment]:
        return selectors.api_enrolment_list(scope)

    def filter_rows(self, rows: QuerySet[Enrolment], filters: dict[str, Any]) -> QuerySet:
        if officer := filters.get("officer"):
            rows = rows.filter(user_id=officer)
        if number := filters.get("employee_number"):
            rows = rows.filter(user__employee_number=number)
        if course := filters.get("course"):
            rows = rows.filter(course_key=course)
        if state := filters.get("status"):
            rows = rows.filter(status=state)
        return rows

    @_list_schema(api_serializers.EnrolmentFilters, summary="List enrolments and progress")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One enrolment", parameters=[ADMINISTRATION_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


# --- certificates ----------------------------------------------------------------------


def certificate_status_q(state: str, now: Any) -> Q:
    """The rows whose :meth:`Certificate.status_at` is ``state`` at ``now``."""
    current = Q(revoked_at__isnull=True, superseded_at__isnull=True)
    if state == Certificate.Status.VALID:
        return current & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if state == Certificate.Status.EXPIRED:
        return current & Q(expires_at__lte=now)
    if state == Certificate.Status.REVOKED:
        return Q(revoked_at__isnull=False)
    return Q(revoked_at__isnull=True, superseded_at__isnull=False)


class CertificateApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Certificates held by the administration's officers (by the holder's current
    administration: a transferred officer's certificates move with them)."""

    queryset = Certificate.objects.none()
    serializer_class = api_serializers.CertificateSerializer
    filter_serializer_class = api_serializers.CertificateFilters

    def scoped_rows(self, scope: ApiScope) -> QuerySet[Certificate]:
        return selectors.api_certificate_list(scope)

    def filter_rows(self, rows: QuerySet[Certificate], filters: dict[str, Any]) -> QuerySet:
        if officer := filters.get("officer"):
            rows = rows.filter(holder_id=officer)
        if number := filters.get("employee_number"):
            rows = rows.filter(holder__employee_number=number)
        if programme := filters.get("programme"):
            rows = rows.filter(programme__code=programme)
        if state := filters.get("status"):
            rows = rows.filter(certificate_status_q(state, timezone.now()))
        return rows

    @_list_schema(api_serializers.CertificateFilters, summary="List certificates")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One certificate", parameters=[ADMINISTRATION_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


# --- programmes and courses ------------------------------------------------------------


class ProgrammeApi(mixins.ListModelMixin, ApiViewSet):
    """Certification programmes open to the administration: regional ones and its own."""

    queryset = Programme.objects.none()
    serializer_class = api_serializers.ProgrammeSerializer

    def scoped_rows(self, scope: ApiScope) -> QuerySet[Programme]:
        return selectors.api_programme_list(scope)

    @_list_schema(summary="List programmes")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class CourseApi(mixins.ListModelMixin, ApiViewSet):
    """Published courses open to the administration (regional and its own), one row per
    language version."""

    queryset = CoursePage.objects.none()
    serializer_class = api_serializers.CourseSerializer
    filter_serializer_class = api_serializers.CourseFilters

    def scoped_rows(self, scope: ApiScope) -> QuerySet[CoursePage]:
        return selectors.api_course_list(scope)

    def filter_rows(self, rows: QuerySet[CoursePage], filters: dict[str, Any]) -> QuerySet:
        if key := filters.get("key"):
            rows = rows.filter(translation_key=key)
        if language := filters.get("language"):
            rows = rows.filter(locale__language_code=language)
        if track := filters.get("track"):
            rows = rows.filter(track=track)
        return rows

    @_list_schema(api_serializers.CourseFilters, summary="List courses")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- assignments -----------------------------------------------------------------------


class AssignmentApi(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Training assigned with a due date to officers and units."""

    queryset = Assignment.objects.none()
    serializer_class = api_serializers.AssignmentSerializer
    filter_serializer_class = api_serializers.AssignmentFilters

    def scoped_rows(self, scope: ApiScope) -> QuerySet[Assignment]:
        return selectors.api_assignment_list(scope)

    def filter_rows(self, rows: QuerySet[Assignment], filters: dict[str, Any]) -> QuerySet:
        if "active" in filters:
            rows = rows.filter(withdrawn_at__isnull=filters["active"])
        return rows

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        return assignment_services.with_titles(list(page)) if page is not None else None

    def get_object(self) -> Assignment:
        assignment = super().get_object()
        assignment_services.with_titles([assignment])
        return assignment

    @_list_schema(api_serializers.AssignmentFilters, summary="List assignments")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One assignment", parameters=[ADMINISTRATION_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Assign a course or a programme",
        description="Needs a token with read and write access (or a manager's session).",
        parameters=[ADMINISTRATION_PARAMETER],
        request=api_serializers.AssignmentWriteSerializer,
        responses={201: api_serializers.AssignmentSerializer, **BAD_REQUEST},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        scope = self.api_scope
        administration = self.writable_administration()
        data = api_serializers.AssignmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        errors: dict[str, list[str]] = {}
        course = programme = None
        if values.get("course_key"):
            course = (
                selectors.api_course_list(scope)
                .filter(translation_key=values["course_key"])
                .order_by("pk")
                .first()
            )
            if course is None:
                errors["course_key"] = [_("No course open to the administration has this key.")]
        if values.get("programme"):
            programme = selectors.api_programme_list(scope).filter(code=values["programme"]).first()
            if programme is None:
                errors["programme"] = [_("No programme open to the administration has this code.")]
        codes = set(values["units"])
        units = list(Unit.objects.filter(administration=administration, code__in=codes))
        if missing := codes - {unit.code for unit in units}:
            errors["units"] = [
                _("Unknown unit codes: %(codes)s") % {"codes": ", ".join(sorted(missing))}
            ]
        ids = set(values["officers"])
        officers = list(selectors.api_officer_list(scope).filter(pk__in=ids))
        if missing_ids := ids - {officer.pk for officer in officers}:
            errors["officers"] = [
                _("Unknown officer ids: %(ids)s")
                % {"ids": ", ".join(str(pk) for pk in sorted(missing_ids))}
            ]
        if errors:
            raise ValidationError(errors)
        try:
            assignment = assignment_services.assignment_create(
                actor=scope.actor,
                administration=administration,
                due_on=values["due_on"],
                course=course,
                programme=programme,
                units=units,
                officers=officers,
                include_subunits=values["include_subunits"],
                note=values["note"],
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from exc
        except DjangoValidationError as exc:
            raise ValidationError(_validation_detail(exc)) from exc
        created = selectors.access_api_assignment(scope, assignment.pk)
        assignment_services.with_titles([created])
        body = api_serializers.AssignmentSerializer(created, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The officers of an assignment and where each stands",
        parameters=[ADMINISTRATION_PARAMETER],
        responses={200: api_serializers.AssignmentRecordSerializer(many=True), **NOT_FOUND},
    )
    @action(
        detail=True, methods=["get"], serializer_class=api_serializers.AssignmentRecordSerializer
    )
    def records(self, request: Request, pk: str | None = None) -> Response:
        assignment = selectors.access_api_assignment(self.api_scope, pk)
        rows = assignment_services.assignment_records(self.api_scope.actor, assignment)
        page = self.paginate_queryset_plain(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def paginate_queryset_plain(self, queryset: Any) -> Any:
        return super().paginate_queryset(queryset)


def _validation_detail(exc: DjangoValidationError) -> Any:
    """A Django ValidationError as DRF's detail (``__all__`` becomes
    ``non_field_errors``)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in exc.messages]}
