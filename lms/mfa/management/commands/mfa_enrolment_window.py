"""Open a second-factor enrolment window for a privileged person (with
``LMS_MFA_ENROLMENT_WINDOW`` on, their first factor can be set up only within one):

    manage.py mfa_enrolment_window manager.per --by admin [--hours 24]

``--by`` names the platform admin who checked who the person is; the window is in the
audit trail under their name.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from lms.accounts.models import User
from lms.mfa import services


class Command(BaseCommand):
    help = "Open a second-factor enrolment window for a privileged person."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True)
        parser.add_argument("--hours", type=int, default=None)

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(username=options["username"])
            actor = User.objects.get(username=options["by"])
        except User.DoesNotExist as exc:
            raise CommandError("No such user.") from exc
        try:
            window = services.enrolment_window_open(actor=actor, user=user, hours=options["hours"])
        except PermissionDenied as exc:
            raise CommandError(
                f"{actor} may not open an enrolment window for {user} "
                "(platform admins only, never for themselves)."
            ) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{user} may enrol a second factor until {window.closes_at:%Y-%m-%d %H:%M} UTC."
        )
