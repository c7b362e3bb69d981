"""Send the assignment reminders that are due (run daily; also a background task), and
with ``--sync`` first reconcile every officer's assignment rows."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms.tracking.assignments import assignment_reminders_send, assignments_sync


class Command(BaseCommand):
    help = (
        "Remind officers of assignments due soon and overdue (once each). With --sync, "
        "first give every officer the rows of the assignments that target them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Reconcile the assignment rows of every officer first.",
        )
        parser.add_argument(
            "--sync-only",
            action="store_true",
            help="Reconcile the assignment rows and send nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sync"] or options["sync_only"]:
            assignments_sync()
            self.stdout.write("Assignments reconciled.")
        if options["sync_only"]:
            return
        sent = assignment_reminders_send()
        self.stdout.write(f"Sent {sent} reminder(s).")
