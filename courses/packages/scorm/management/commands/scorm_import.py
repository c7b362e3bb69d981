"""Import a SCORM package, with the same validation as the admin upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.packages.base import PackageRefused
from courses.packages.scorm.services import package_notes, scorm_package_import
from lms.accounts.models import Administration


class Command(BaseCommand):
    help = (
        "Validate a SCORM 1.2 or SCORM 2004 package (.zip) and store it. Every problem is "
        "listed when the package is refused; the exit status is then non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--administration", help="ISO alpha-3 code of the owner (default: regional)"
        )
        parser.add_argument("--title", default="", help="defaults to the package's title")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        limit = settings.LMS_SCORM_MAX_PACKAGE_BYTES
        if path.stat().st_size > limit:
            raise CommandError(f"Refused: {path.name} is larger than {limit} bytes.")
        administration = None
        if code := options.get("administration"):
            administration = Administration.objects.filter(code=code.upper()).first()
            if administration is None:
                raise CommandError(f"Unknown administration: {code}")
        try:
            package = scorm_package_import(
                actor=None, source=path, title=options["title"], administration=administration
            )
        except PackageRefused as refusal:
            lines = [
                f"- [{code}] {message}"
                for code, message in zip(refusal.codes, refusal.messages, strict=True)
            ]
            lines += [f"- (note) {note}" for note in refusal.notes]
            raise CommandError(f"Refused {path.name}:\n" + "\n".join(lines)) from refusal
        owner = administration.code if administration else "regional"
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{package.title}” ({package.uuid}).")
            + f"\nVersion: {package.version_label}"
            + f"\nOwner: {owner}"
            + f"\nLaunchable items: {package.launchable_count} ({package.sco_count} SCOs)"
            + f"\nFiles: {package.file_count} stored under {package.storage_prefix}/"
        )
        for note in package_notes(package):
            self.stdout.write(f"Note: {note}")
