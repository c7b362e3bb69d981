from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 - checks register themselves

        receivers.connect()

        from assessments import next_steps

        from .selectors import certificate_links_for_attempt

        next_steps.register(certificate_links_for_attempt)
