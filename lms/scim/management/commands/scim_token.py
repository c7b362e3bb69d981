"""Create or revoke a SCIM token from the command line (for a platform operator setting
up an administration's provisioning):

    manage.py scim_token create PER --by manager.per --name "HR system" [--days 365]
    manage.py scim_token revoke PER <prefix> --by manager.per

``--by`` names the manager (or platform admin) the token acts for; the token works only
while they may manage the administration. The secret is printed once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from lms.accounts.models import Administration, User
from lms.scim import services
from lms.scim.models import ScimToken


class Command(BaseCommand):
    help = "Create or revoke a SCIM token of an administration."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("administration")
        create.add_argument("--by", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--days", type=int, default=365)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("administration")
        revoke.add_argument("prefix")
        revoke.add_argument("--by", required=True)

    def handle(self, *args, **options) -> None:
        try:
            administration = Administration.objects.get(code=options["administration"].upper())
            actor = User.objects.get(username=options["by"])
        except (Administration.DoesNotExist, User.DoesNotExist) as exc:
            raise CommandError("No such administration or user.") from exc
        try:
            if options["action"] == "create":
                token, secret = services.scim_token_create(
                    actor=actor,
                    administration=administration,
                    name=options["name"],
                    expires_in_days=options["days"],
                )
                self.stdout.write(
                    f"{token.name} ({token.prefix}), expires {token.expires_at:%Y-%m-%d}"
                )
                self.stdout.write(secret)
                return
            token = ScimToken.objects.filter(
                administration=administration, prefix=options["prefix"]
            ).first()
            if token is None:
                raise CommandError("No such token in this administration.")
            services.scim_token_revoke(actor=actor, token=token)
            self.stdout.write(f"Revoked {token.name} ({token.prefix}).")
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not manage {administration.code}.") from exc
        except services.ScimTokenRefused as exc:
            raise CommandError(exc.message) from exc
