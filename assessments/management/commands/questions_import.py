"""Import questions from a Moodle XML, QTI (item or content package), GIFT, Aiken or JSON
file into a bank (same checks as the admin); the format is detected from the file unless
--format names it."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assessments.models import QuestionBank
from assessments.portability import FORMATS, ImportRefused, detect_format, questions_import
from lms.accounts.models import User


class Command(BaseCommand):
    help = "Import Moodle XML, QTI, GIFT, Aiken or JSON questions into a question bank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", type=int, help="id of the question bank")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="the file's format; without it, detected (QTI: a ZIP package or an item root; "
            "Moodle XML: a <quiz> root or .xml; Aiken: ANSWER: lines)",
        )
        parser.add_argument("--language", default="en")
        parser.add_argument("--skip-bad", action="store_true", help="import the good ones")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="import as this user, with their rights (a training manager of one "
            "administration may import only into its banks); without it, as the operator",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(pk=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No question bank with id {options['bank']}.")
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(
                    _("No active user named %(name)s.") % {"name": options["username"]}
                )
        path: Path = options["file"]
        try:
            raw = path.read_bytes()
            fmt = options["format"] or detect_format(raw, path.name)
            # QTI reads bytes (a content package is a ZIP file); the other formats text.
            text: str | bytes = raw if fmt == "qti" else raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            report = questions_import(
                actor=actor,
                bank=bank,
                text=text,
                fmt=fmt,
                language=options["language"],
                skip_bad=options["skip_bad"],
            )
        except PermissionDenied as refusal:
            raise CommandError(_("Nothing imported: %(reason)s") % {"reason": refusal}) from refusal
        except ImportRefused as refusal:
            lines = "\n".join(
                f"- line {line}: {reason}" for line, reason in refusal.report.rejected
            )
            raise CommandError(
                f"Nothing imported; fix these or use --skip-bad:\n{lines}"
            ) from refusal
        self.stdout.write(f"Imported {report.imported}, updated {report.updated}.")
        for line, reason in report.rejected:
            self.stdout.write(f"Skipped line {line}: {reason}")
        for line, reason in report.warnings:
            self.stdout.write(f"Imported with a loss, line {line}: {reason}")
