"""Single sign-on per administration (issue 16): OpenID Connect (:mod:`.oidc`) and SAML
(:mod:`.saml`) identity providers, each bound to one administration; the accounts they
link or create belong to that administration only (:mod:`.services`)."""
