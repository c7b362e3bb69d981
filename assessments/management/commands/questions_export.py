"""Export a bank's questions as Moodle XML, a QTI 3.0 content package, GIFT (for Moodle) or
the project's JSON format."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import QuestionBank
from assessments.portability import EXPORT_FORMATS, questions_export


class Command(BaseCommand):
    help = (
        "Export a question bank as Moodle XML, QTI 3.0 (a ZIP content package), GIFT or JSON "
        "to standard output or --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", type=int)
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
        parser.add_argument("--language", default="en")
        parser.add_argument(
            "--output", type=Path, default=None, help="write to this file (QTI: a .zip)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(pk=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No question bank with id {options['bank']}.")
        text, skipped = questions_export(
            bank=bank, fmt=options["format"], language=options["language"]
        )
        if options["output"] is not None:
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            options["output"].write_bytes(data)
        elif isinstance(text, bytes):  # a ZIP package, as it is
            self.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            self.stdout.write(text)
        for title, reason in skipped:
            self.stderr.write(f"Not exported: {title}: {reason}")
