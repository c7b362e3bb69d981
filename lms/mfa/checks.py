"""Deploy check: production requires a second factor of privileged roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def mfa_required_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if getattr(settings, "LMS_MFA_REQUIRED", False):
        return []
    return [
        Error(
            "LMS_MFA_REQUIRED is off: managers, authors, coordinators and platform admins "
            "can sign in without a second factor.",
            hint="Unset LMS_MFA_REQUIRED (it is on by default); tests alone turn it off.",
            id="mfa.E001",
        )
    ]
