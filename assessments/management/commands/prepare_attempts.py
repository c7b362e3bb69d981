"""Draw attempts ahead of a synchronised start (assessments/preparation.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import AssessmentPage
from assessments.preparation import attempts_prepare, attempts_prepare_due


class Command(BaseCommand):
    help = (
        "Draw ahead, for every officer who may start them, the attempts of the assessments "
        "opening within a day (or of one assessment: --assessment ID)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assessment", type=int, help="The assessment page's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["assessment"] is not None:
            page = AssessmentPage.objects.live().filter(pk=options["assessment"]).first()
            if page is None:
                raise CommandError(f"No live assessment with id {options['assessment']}.")
            made = attempts_prepare(assessment=page)
        else:
            made = attempts_prepare_due()
        self.stdout.write(f"Prepared {made} attempt draw(s).")
