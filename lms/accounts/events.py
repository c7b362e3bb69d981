"""Domain signals of the accounts layer, for the apps above it.

``signing_out``: sent by the site's sign-out view while the person's session is still
open (before it ends). A receiver may return a callable ``continue_(request)`` that the
view calls once the local session has ended; when it returns a response, that response
replaces the signed-out page (single sign-on sends the browser on to the identity
provider's single logout). Receivers return None to leave the sign-out local.
"""

from __future__ import annotations

from django.dispatch import Signal

signing_out = Signal()
