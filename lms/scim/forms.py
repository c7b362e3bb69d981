"""The SCIM token form of the token management page: the shared name and expiry (a year
by default: provisioning runs for long)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lms.tokens.forms import TokenForm


class ScimTokenForm(TokenForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _(
            "What the token is for, for example “HR system” or “Identity provider”."
        )
        self.fields["expires_in_days"].initial = 365
