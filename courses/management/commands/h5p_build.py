"""Build an .h5p package of the project's own KnowledgeCheck content type, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.packages.h5p.build import build_package
from courses.packages.h5p.policy import validate_package


class Command(BaseCommand):
    help = (
        "Build a CustomsLms.KnowledgeCheck .h5p package from a JSON content file: either "
        "the demo format ({'en': {'title': ..., 'question': ...}, 'es': {...}}) with "
        "--language, or one language's content with a 'title'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("spec", type=Path, help="JSON file with the activity's content")
        parser.add_argument("output", type=Path, help="where to write the .h5p package")
        parser.add_argument("--language", default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = json.loads(options["spec"].read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['spec']}: {error}") from error
        language = options["language"]
        content = dict(spec.get(language, spec))
        title = content.pop("title", "")
        if not title or "question" not in content:
            raise CommandError(f"No '{language}' content with a title and a question.")
        try:
            data = build_package(content=content, title=title, language=language)
        except ValueError as error:
            raise CommandError(str(error)) from error
        report = validate_package(data)
        if not report.ok:
            problems = "\n".join(f"- {problem.message()}" for problem in report.problems)
            raise CommandError(f"The content does not make a valid package:\n{problems}")
        options["output"].write_bytes(data)
        self.stdout.write(
            self.style.SUCCESS(f"Built {options['output']} ({len(data)} bytes): {title}")
        )
