from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lms.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # django-axes' receivers first (importing its module connects them): its handler
        # counts a failure and marks a lockout, which lms.audit.sign_ins then reads.
        import axes.signals  # noqa: F401
        from django.contrib.auth.signals import user_login_failed

        from . import sign_ins

        # Successful sign-ins: lms/mfa/signals.py (it knows whether a factor must follow).
        user_login_failed.connect(sign_ins.record_refused, dispatch_uid="lms.audit.sign_in_failed")
