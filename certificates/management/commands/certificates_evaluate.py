"""Re-evaluate every officer and issue the certificates a lost signal missed."""

from typing import Any

from django.core.management.base import BaseCommand

from certificates.services import certificates_evaluate, certificates_evaluate_all


class Command(BaseCommand):
    help = "Issue or renew every certificate officers have earned (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", type=int, help="Only this user id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["user"]:
            issued = len(certificates_evaluate(holder_id=options["user"]))
        else:
            issued = certificates_evaluate_all()
        self.stdout.write(f"Issued {issued} certificate(s).")
