from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "lms.mfa"
    label = "mfa"
    verbose_name = _("Second factor")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (deploy check, sign-in hook)
