"""Close and grade open attempts past their deadline (also run as a background task)."""

from typing import Any

from django.core.management.base import BaseCommand

from assessments.services import attempts_close_overdue


class Command(BaseCommand):
    help = "Close and grade every open attempt whose deadline (plus grace) has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = attempts_close_overdue()
        self.stdout.write(f"Closed and graded {closed} overdue attempt(s).")
