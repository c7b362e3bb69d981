"""Bearer tokens an administration's other systems hold: the one shared machinery of API
tokens (``lms/api``) and SCIM tokens (``lms/scim``).

A kind of token is a :class:`~lms.tokens.kinds.TokenKind` (declared by the app that owns
it, in its ``tokens.py``): its concrete model (a :class:`~lms.tokens.models.BearerToken`),
the prefix of its secrets, its audit actions, its form and the words of its pages. Every
other part is here, once:

- ``models.py``: the abstract model (name, administration, prefix, SHA-256 digest of the
  secret, created / expires / last used / revoked, who created and who revoked);
- ``keys.py``: secrets (``<kind prefix><8 hex>_<256 random bits>``) and their digest;
- ``selectors.py``: a kind's tokens for a manager, one by id (404 otherwise), one by secret,
  and whether its creator may still use it;
- ``services.py``: issue (the secret returned once, never stored), revoke (idempotent),
  touch (last used, at most once a minute), and :func:`~lms.tokens.services.token_check`
  (what an authentication class asks), each state change with its audit record;
- ``views.py`` with ``templates/tokens/``: the list / create / revoke pages, parametrised by
  the kind given in the app's URLs.

A plain package, not a Django app: it has no table of its own (each kind keeps its table).
It sits with the top-layer apps that use it (it reads ``lms.tracking`` to find the
administration of a page).
"""
