"""Send the expiry reminders that are due (run daily; also a background task)."""

from typing import Any

from django.core.management.base import BaseCommand

from certificates.services import expiry_reminders_send


class Command(BaseCommand):
    help = "Remind holders 90, 30 and 7 days before expiry; send managers a digest."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = expiry_reminders_send()
        self.stdout.write(f"Sent {sent} reminder(s).")
