from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # apps.py holds two configs; this one is the app's own
    name = "lms.accounts"
    label = "accounts"
    verbose_name = _("Administrations and people")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lms import cache  # noqa: F401 - registers the shared cache's deploy check

        from . import preferences, services

        post_migrate.connect(services.role_groups_sync_on_migrate)
        preferences.connect()


class LmsWagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for the platform's custom user fields."""

    user_viewset = "lms.accounts.admin_views.LmsUserViewSet"
