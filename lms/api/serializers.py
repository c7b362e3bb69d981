"""Serializers of the administration API: shapes only. Rules live in the services
(``lms.tracking.officers.officer_save``, ``lms.tracking.assignments.assignment_create``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certificates import services as certificate_services
from certificates.models import Certificate, Programme
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Unit, User
from lms.tracking.filters import MAX_ID
from lms.tracking.models import Assignment, OfficerAssignment


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


# --- officers and units ------------------------------------------------------------------


class UnsetAsNullChoiceField(serializers.ChoiceField):
    """A choice the model holds as "" when none was made, returned as null."""

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


class OfficerSerializer(serializers.ModelSerializer):
    administration = serializers.CharField(source="administration.code", read_only=True)
    unit = serializers.CharField(
        source="unit.code", read_only=True, allow_null=True, help_text="The unit's code."
    )
    # Unset ("not chosen", e.g. removed by SCIM) is null rather than "": "" is not one of
    # the enum's values, and a typed client reads null as "absent" without a special
    # case. The officer then reads the platform in the administration's language.
    preferred_language = UnsetAsNullChoiceField(
        choices=settings.LANGUAGES,
        read_only=True,
        allow_null=True,
        help_text=(
            "The language the officer chose; null when they chose none, in which case they "
            "read the platform in their administration's language."
        ),
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "employee_number",
            "full_name",
            "email",
            "administration",
            "unit",
            "position",
            "preferred_language",
            "is_active",
        ]
        read_only_fields = fields


class OfficerWriteSerializer(serializers.Serializer):
    """What a client may send to create or change an officer. Only the shape is checked
    here; the rules (those of the officers import) are ``officer_save``'s."""

    employee_number = serializers.CharField(max_length=64, required=True, allow_blank=False)
    full_name = serializers.CharField(max_length=200, required=True, allow_blank=False)
    email = serializers.CharField(max_length=254, required=True, allow_blank=False)
    unit = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="The unit's code."
    )
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preferred_language = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=(
            "en, es, pt or fr; default: the administration's language. null (as an officer "
            'without a choice is read) or "" leaves the choice to the administration\'s.'
        ),
    )
    username = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text=(
            "Only when creating; made from the e-mail address when left out. Every username "
            "an administration creates ends with its code in lowercase: ana becomes ana.per."
        ),
    )

    def validate_preferred_language(self, value: str | None) -> str:
        return value or ""


class UnitSerializer(serializers.ModelSerializer):
    administration = serializers.CharField(source="administration.code", read_only=True)
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent", "administration", "is_active"]
        read_only_fields = fields


# --- learning ----------------------------------------------------------------------------


class EnrolmentSerializer(serializers.ModelSerializer):
    officer = serializers.IntegerField(source="user_id", read_only=True)
    employee_number = serializers.CharField(source="user.employee_number", read_only=True)
    course_title = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "officer",
            "employee_number",
            "course_key",
            "course_title",
            "status",
            "source",
            "percent_complete",
            "enrolled_at",
            "last_activity_at",
            "completed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_course_title(self, enrolment: Enrolment) -> str | None:
        """The title of the translation the officer enrolled from (null if deleted)."""
        return enrolment.course.title if enrolment.course_id and enrolment.course else None


class CertificateSerializer(serializers.ModelSerializer):
    officer = serializers.IntegerField(source="holder_id", read_only=True)
    employee_number = serializers.CharField(source="holder.employee_number", read_only=True)
    programme = serializers.CharField(source="programme.code", read_only=True)
    programme_title = serializers.SerializerMethodField()
    administration_at_issue = serializers.CharField(
        source="administration.code", read_only=True, allow_null=True
    )
    status = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "officer",
            "employee_number",
            "holder_name",
            "programme",
            "programme_title",
            "administration_at_issue",
            "cycle",
            "issued_at",
            "expires_at",
            "status",
            "revoked_at",
            "superseded_at",
            "verify_url",
        ]
        read_only_fields = fields

    def get_programme_title(self, certificate: Certificate) -> str:
        return certificate.programme.title_for(_language())

    @extend_schema_field(serializers.ChoiceField(choices=Certificate.Status.values))
    def get_status(self, certificate: Certificate) -> str:
        return str(certificate.status_at(self.context.get("now") or timezone.now()))

    @extend_schema_field(serializers.URLField())
    def get_verify_url(self, certificate: Certificate) -> str:
        return certificate_services.verify_url(certificate)


class ProgrammeSerializer(serializers.ModelSerializer):
    administration = serializers.CharField(
        source="administration.code",
        read_only=True,
        allow_null=True,
        help_text="Null: a regional programme open to every administration.",
    )
    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "title",
            "description",
            "administration",
            "track",
            "validity_months",
            "recert_window_days",
            "is_active",
        ]
        read_only_fields = fields

    def get_title(self, programme: Programme) -> str:
        return programme.title_for(_language())

    def get_description(self, programme: Programme) -> str:
        return programme.description_for(_language())


class CourseSerializer(serializers.ModelSerializer):
    key = serializers.UUIDField(
        source="translation_key",
        read_only=True,
        help_text="Identifies the course across its language versions.",
    )
    language = serializers.CharField(source="locale.language_code", read_only=True)
    administration = serializers.CharField(
        source="administration.code",
        read_only=True,
        allow_null=True,
        help_text="Null: a regional course open to every administration.",
    )

    class Meta:
        model = CoursePage
        fields = [
            "id",
            "key",
            "language",
            "title",
            "summary",
            "track",
            "level",
            "estimated_hours",
            "administration",
        ]
        read_only_fields = fields


# --- assignments ---------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    administration = serializers.CharField(source="administration.code", read_only=True)
    programme = serializers.CharField(source="programme.code", read_only=True, allow_null=True)
    title = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()
    officers = serializers.SerializerMethodField()
    targeted = serializers.IntegerField(read_only=True, help_text="Officers who have it.")
    completed = serializers.IntegerField(read_only=True, help_text="Of them, completed.")
    overdue = serializers.IntegerField(read_only=True, help_text="Of them, past the due date.")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "administration",
            "course_key",
            "programme",
            "title",
            "due_on",
            "note",
            "units",
            "officers",
            "include_subunits",
            "targeted",
            "completed",
            "overdue",
            "created_at",
            "withdrawn_at",
        ]
        read_only_fields = fields

    def get_title(self, assignment: Assignment) -> str:
        return getattr(assignment, "title", "") or ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_units(self, assignment: Assignment) -> list[str]:
        return sorted(unit.code for unit in assignment.units.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_officers(self, assignment: Assignment) -> list[int]:
        """Officers named directly (officers of the units are counted in ``targeted``)."""
        return sorted(officer.pk for officer in assignment.officers.all())


class AssignmentWriteSerializer(serializers.Serializer):
    course_key = serializers.UUIDField(
        required=False, allow_null=True, help_text="A course's key (any language version)."
    )
    programme = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="A programme's code."
    )
    due_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    units = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        max_length=500,
        help_text="Unit codes.",
    )
    officers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=5000,
        help_text="Officer ids.",
    )
    include_subunits = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("course_key")) == bool(attrs.get("programme")):
            raise serializers.ValidationError(_("Give either course_key or programme."))
        return attrs


class AssignmentRecordSerializer(serializers.ModelSerializer):
    officer = serializers.IntegerField(source="officer_id", read_only=True)
    employee_number = serializers.CharField(source="officer.employee_number", read_only=True)
    full_name = serializers.CharField(source="officer.full_name", read_only=True)
    unit = serializers.CharField(source="officer.unit.code", read_only=True, allow_null=True)

    class Meta:
        model = OfficerAssignment
        fields = [
            "officer",
            "employee_number",
            "full_name",
            "unit",
            "due_on",
            "via_unit",
            "assigned_at",
            "completed_at",
        ]
        read_only_fields = fields


# --- filters (query parameters) ----------------------------------------------------------


class OfficerFilters(serializers.Serializer):
    unit = serializers.CharField(required=False, help_text="A unit's code.")
    q = serializers.CharField(required=False, help_text="Part of the name or employee number.")
    employee_number = serializers.CharField(required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class EnrolmentFilters(serializers.Serializer):
    officer = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="An officer's id."
    )
    employee_number = serializers.CharField(required=False)
    course = serializers.UUIDField(required=False, help_text="A course's key.")
    status = serializers.ChoiceField(choices=Enrolment.Status.values, required=False)


class CertificateFilters(serializers.Serializer):
    officer = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="An officer's id."
    )
    employee_number = serializers.CharField(required=False)
    programme = serializers.CharField(required=False, help_text="A programme's code.")
    status = serializers.ChoiceField(choices=Certificate.Status.values, required=False)


class CourseFilters(serializers.Serializer):
    key = serializers.UUIDField(required=False, help_text="A course's key.")
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False
    )
    track = serializers.CharField(required=False)


class AssignmentFilters(serializers.Serializer):
    active = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Not withdrawn."
    )
