"""Import an .h5p package as an activity, with the same validation as the admin upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.packages.h5p.policy import PolicyLimits
from courses.packages.h5p.services import PackageRefused, h5p_package_import
from lms.accounts.models import Administration


class Command(BaseCommand):
    help = "Validate an .h5p package and store it as an H5P activity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--administration", help="ISO alpha-3 code of the owner")
        parser.add_argument("--title", default="", help="defaults to the package's title")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > PolicyLimits().max_package_bytes:
            raise CommandError(
                f"Refused: {path.name} is larger than {PolicyLimits().max_package_bytes} bytes."
            )
        administration = None
        if code := options.get("administration"):
            administration = Administration.objects.filter(code=code.upper()).first()
            if administration is None:
                raise CommandError(f"Unknown administration: {code}")
        try:
            activity = h5p_package_import(
                actor=None,
                data=path.read_bytes(),
                title=options["title"],
                administration=administration,
            )
        except PackageRefused as refusal:
            raise CommandError(
                "Refused:\n" + "\n".join(f"- {message}" for message in refusal.messages)
            ) from refusal
        libraries = ", ".join(str(library) for library in activity.libraries.all())
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{activity.title}” ({activity.uuid}).")
            + f"\nType: {activity.main_library}\nLibraries: {libraries}"
        )
        # Newer patches of installed libraries the package carried (issue 12, point 5).
        for message in activity.library_upgrades.messages:
            self.stdout.write(self.style.WARNING(message))
