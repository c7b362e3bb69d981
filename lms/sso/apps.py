from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "lms.sso"
    label = "sso"
    verbose_name = _("Single sign-on")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.accounts.events import signing_out

        from .signout import signing_out as continue_at_provider

        signing_out.connect(continue_at_provider, dispatch_uid="lms.sso.signing_out")
