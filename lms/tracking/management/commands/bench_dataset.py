"""Build a synthetic dataset for the tracking benchmarks (see ``lms.tracking.dataset``).

    manage.py seed_demo
    manage.py bench_dataset --officers 100000 [--biggest PER] [--seed 2026] [--replace]

Half of the officers go to the biggest administration, the rest are spread over the
others. Refuses when synthetic officers exist already, unless ``--replace``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.tracking.dataset import CHUNK, DatasetError, dataset_build


class Command(BaseCommand):
    help = (
        "Build a synthetic dataset (officers, enrolments, attempts, certificates, "
        "assignments) across the administrations for the tracking benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--officers", type=int, required=True, help="Officers in all.")
        parser.add_argument(
            "--biggest",
            default="PER",
            help="Code of the administration that gets half of the officers (default PER).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the previous synthetic rows (usernames starting with 'bench-') first.",
        )
        parser.add_argument(
            "--chunk", type=int, default=CHUNK, help="Officers per transaction (default 5000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(message)

        progress(
            f"Building {options['officers']} synthetic officers "
            f"({options['biggest'].upper()} gets half)"
        )
        try:
            report = dataset_build(
                officers=options["officers"],
                biggest=options["biggest"],
                seed=options["seed"],
                replace=options["replace"],
                progress=progress,
                chunk=max(1, options["chunk"]),
            )
        except DatasetError as error:
            raise CommandError(str(error)) from error
        if verbosity >= 1:
            rows = ", ".join(f"{count} {label}" for label, count in report.rows.items())
            states = ", ".join(
                f"{count} {state}" for state, count in sorted(report.certificate_states.items())
            )
            self.stdout.write(f"Rows: {rows}")
            self.stdout.write(f"Certificates: {states}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic dataset ready: {sum(report.officers.values())} officers in "
                f"{len(report.officers)} administrations in {report.seconds:.1f} s."
            )
        )
