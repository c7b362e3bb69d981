"""Optional error reporting to Sentry: on when ``SENTRY_DSN`` is set and the ``sentry``
extra (sentry-sdk) is installed. Events carry no personal data (``send_default_pii`` off:
no cookies, no user, no client address) and are tagged with the request id. A DSN without
the package starts the site all the same; the deploy check says so (``ops.W001``)."""

from __future__ import annotations


def init_sentry(dsn: str, *, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start the Sentry client; False when sentry-sdk is not installed."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        return False
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
    )
    return True
