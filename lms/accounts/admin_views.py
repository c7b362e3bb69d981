"""Wagtail admin views for people, administrations and units (platform admins)."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import CreateView, EditView, UserViewSet

from .forms import TimeZoneField
from .models import Administration, Unit, User
from .services import user_privileges, user_privileges_record

PROFILE_FIELDS = [
    "full_name",
    "preferred_language",
    "time_zone",
    "administration",
    "unit",
    "employee_number",
    "position",
]


class LmsUserCreationForm(UserCreationForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(required=True, label=_("Full name"), max_length=200)

    class Meta(UserCreationForm.Meta):
        fields = {User.USERNAME_FIELD, "email", "is_superuser", "groups", *PROFILE_FIELDS}


class LmsUserEditForm(UserEditForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(required=True, label=_("Full name"), max_length=200)

    class Meta(UserEditForm.Meta):
        fields = {
            User.USERNAME_FIELD,
            "email",
            "is_active",
            "is_superuser",
            "groups",
            *PROFILE_FIELDS,
        }


class _RecordsPrivileges:
    """Saving a user in the Wagtail admin records a change of their groups, superuser
    flag, active flag or administration in the audit trail, in the same transaction."""

    def save_instance(self) -> User:
        with transaction.atomic():
            current = getattr(self, "object", None)
            before = user_privileges(current.pk if current is not None else None)
            instance = super().save_instance()
            user_privileges_record(actor=self.request.user, user=instance, before=before)
        return instance


class LmsUserCreateView(_RecordsPrivileges, CreateView):
    pass


class LmsUserEditView(_RecordsPrivileges, EditView):
    pass


class LmsUserViewSet(UserViewSet):
    add_view_class = LmsUserCreateView
    edit_view_class = LmsUserEditView

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return LmsUserEditForm if for_update else LmsUserCreationForm


class AdministrationViewSet(ModelViewSet):
    model = Administration
    icon = "globe"
    menu_label = _("Administrations")
    list_display = ["code", "name", "country", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "country"]
    form_fields = [
        "code",
        "name",
        "country",
        "country_code",
        "official_languages",
        "grouping",
        "time_zone",
        "is_active",
    ]
    inspect_view_enabled = True

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "time_zone":
            return TimeZoneField(help_text=db_field.help_text, initial=db_field.default)
        return super().formfield_for_dbfield(db_field, **kwargs)


class UnitViewSet(ModelViewSet):
    model = Unit
    icon = "site"
    menu_label = _("Units")
    list_display = ["name", "code", "kind", "administration", "parent"]
    list_filter = ["administration", "kind"]
    search_fields = ["name", "code"]
    form_fields = ["administration", "parent", "code", "name", "kind", "is_active"]


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("Administrations")
    menu_icon = "globe"
    items = (AdministrationViewSet("administrations"), UnitViewSet("units"))
