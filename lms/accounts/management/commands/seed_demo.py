"""Load the demo content. Idempotent: a second run changes nothing.

Each installed app of the platform may have a ``seed`` module with a
``seed_demo(*, stdout)`` function; they run in the order of INSTALLED_APPS, which is the
order of the layers (accounts first), so that later layers build on earlier ones.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from lms.accounts.demo import ACCOUNTS
from lms.accounts.seed import demo_password
from lms.settings.env import ENV

PROJECT_APPS = ("lms.", "courses", "assessments", "certificates")


class Command(BaseCommand):
    help = "Load the demo administrations, accounts and content (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for app_config in apps.get_app_configs():
            if not app_config.name.startswith(PROJECT_APPS):
                continue
            module_name = f"{app_config.name}.seed"
            if find_spec(module_name) is None:
                continue
            import_module(module_name).seed_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in with any of these usernames:"))
        for fact in ACCOUNTS:
            where = fact.administration or "regional"
            roles = ", ".join(sorted(str(role.label) for role in fact.roles))
            self.stdout.write(f"  {fact.username:<14} {roles} ({where})")
        if ENV.str("DEMO_PASSWORD"):
            self.stdout.write("Password: the value of DEMO_PASSWORD.")
        else:
            self.stdout.write(f"Password: {demo_password()}  (local demo only)")
