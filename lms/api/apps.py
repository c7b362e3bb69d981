from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "lms.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular.
        from . import schema  # noqa: F401
