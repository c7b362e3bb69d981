from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lms import page_cache

        from .models import DrawRule, QuestionBank

        # Start reads an assessment's draw rules, with their banks' titles, from the page
        # cache (assessments.selectors.live_assessment). The rules are written after the
        # page itself when a revision is published, so they start a generation of their own.
        for model in (DrawRule, QuestionBank):
            for signal in (post_save, post_delete):
                signal.connect(
                    page_cache.bump,
                    sender=model,
                    dispatch_uid=f"assessments.page_cache.{model.__name__}.{id(signal)}",
                )
