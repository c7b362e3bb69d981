from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "lms.tracking"
    label = "tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
