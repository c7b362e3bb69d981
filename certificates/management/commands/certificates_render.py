"""Render certificate PDFs again: the missing ones, one certificate, or all."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from certificates.models import Certificate
from certificates.services import certificate_render, certificates_render_missing


class Command(BaseCommand):
    help = "Render missing certificate PDFs (default), one certificate (--number) or all (--all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--number", help="Certificate number, e.g. PER-2026-000042.")
        parser.add_argument("--all", action="store_true", help="Re-render every certificate.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["number"]:
            pk = Certificate.objects.filter(number=options["number"]).values_list("pk", flat=True)
            if not pk:
                raise CommandError(f"No certificate numbered {options['number']}.")
            certificate_render(certificate_id=pk[0])
            rendered = 1
        elif options["all"]:
            pks = list(Certificate.objects.values_list("pk", flat=True))
            for pk in pks:
                certificate_render(certificate_id=pk)
            rendered = len(pks)
        else:
            rendered = certificates_render_missing()
        self.stdout.write(f"Rendered {rendered} PDF(s).")
