"""Send the queued H5P xAPI statements to the external learning record store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.packages.h5p import lrs


class Command(BaseCommand):
    help = (
        "Forward the H5P statements waiting for the learning record store set by "
        "LMS_LRS_ENDPOINT (LMS_LRS_KEY, LMS_LRS_SECRET, LMS_LRS_BATCH_SIZE), in batches. "
        "Statements the LRS could not take yet are retried after their backoff; "
        "--requeue-refused queues again those it refused, --include-unqueued those stored "
        "while no LRS was configured."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requeue-refused", action="store_true")
        parser.add_argument("--include-unqueued", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        config = lrs.LrsConfig.from_settings()
        if config is None:
            raise CommandError("No learning record store is configured (LMS_LRS_ENDPOINT).")
        queued = lrs.statements_queue(
            refused=options["requeue_refused"], unqueued=options["include_unqueued"]
        )
        if queued:
            self.stdout.write(f"{queued} statements queued again.")
        report = lrs.statements_forward(config=config)
        self.stdout.write(
            f"{report.sent} forwarded, {report.refused} refused, {report.failed} to retry later."
        )
        for error in report.errors[:5]:
            self.stderr.write(error)
        if report.stopped:
            raise CommandError("The learning record store could not be reached or used.")
        if report.refused:
            raise CommandError(
                f"The learning record store refused {report.refused} statements "
                "(their reasons are kept with them)."
            )
