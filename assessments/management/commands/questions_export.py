"""Export a bank's questions as Moodle XML, GIFT (for Moodle) or the project's JSON format."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import QuestionBank
from assessments.portability import FORMATS, questions_export


class Command(BaseCommand):
    help = "Export a question bank as Moodle XML, GIFT or JSON to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", type=int)
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--language", default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(pk=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No question bank with id {options['bank']}.")
        text, skipped = questions_export(
            bank=bank, fmt=options["format"], language=options["language"]
        )
        self.stdout.write(text)
        for title, reason in skipped:
            self.stderr.write(f"Not exported: {title}: {reason}")
