"""Identity providers as the tests configure them: one place for the OIDC stand-in's and
the SAML IdPs' settings, with what a test changes given as keywords."""

from __future__ import annotations

from typing import Any

from lms.sso.models import IdentityProvider
from lms.sso.services import provider_save

CLIENT_ID = "lms-per"
CLIENT_SECRET = "per-secret-per-secret-per-secret"


def oidc_provider(administration: Any, op: Any, **fields: Any) -> IdentityProvider:
    """PER's OpenID provider ``per-test``, the stand-in ``op``, creating accounts."""
    return provider_save(
        actor=None,
        provider=IdentityProvider(
            administration=administration,
            slug="per-test",
            name="SUNAT",
            kind=IdentityProvider.Kind.OIDC,
            issuer=op.issuer,
            client_id=CLIENT_ID,
            create_accounts=True,
            **fields,
        ),
        before=None,
        client_secret=CLIENT_SECRET,
    )


def saml_provider(administration: Any, slug: str, idp: Any, **fields: Any) -> IdentityProvider:
    """A SAML provider ``slug`` for the running IdP ``idp``, creating accounts."""
    return provider_save(
        actor=None,
        provider=IdentityProvider(
            administration=administration,
            slug=slug,
            name=f"IdP {slug}",
            kind=IdentityProvider.Kind.SAML,
            issuer=idp.entity_id,
            saml_idp_metadata=idp.metadata,
            create_accounts=True,
            **fields,
        ),
        before=None,
    )
