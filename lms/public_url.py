"""The site's public address (``LMS_PUBLIC_URL``) and every absolute link built from it.

A link that leaves the request (a certificate's QR code and verification link, an Open
Badges credential's ids, a link in an e-mail, a calendar feed, an xAPI identifier) names
the site by this one setting, never by the host a request happened to arrive on (a proxy's
internal name, the worker that renders a PDF and has no request at all). Wagtail's own
e-mails use ``WAGTAILADMIN_BASE_URL``, which the settings set to the same value.

In production it is required, on HTTPS, and not a local address: the deploy check below
(``manage.py check --deploy``) says so; the embedded default is ``http://127.0.0.1:8000``.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def public_origin() -> str:
    """The site's origin, as configured: ``https://training.customs.example``."""
    return settings.LMS_PUBLIC_URL.rstrip("/")


def public_host() -> str:
    """The site's host name (with its port, if any): ``training.customs.example``."""
    return urlsplit(public_origin()).netloc


def public_url(path: str = "/") -> str:
    """The absolute link to ``path`` on the public site: a path from ``reverse()``, a page's
    URL, or an absolute URL of this application (from a Wagtail site's host name, say),
    whose path, query and fragment are kept under the public origin."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        path = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return public_origin() + "/" + path.lstrip("/")


# --- system checks ---------------------------------------------------------------------------


def _is_local(host: str) -> bool:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local


@register(Tags.security, deploy=True)
def check_public_url(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """In production the public address is set, an HTTPS origin, and not this machine."""
    value = (getattr(settings, "LMS_PUBLIC_URL", "") or "").strip()
    example = "https://training.customs.example"
    if not value:
        return [
            Error(
                "LMS_PUBLIC_URL is not set.",
                hint=(
                    "Set it to the address officers open, e.g. "
                    f"{example}: certificates' QR codes and verification links, Open Badges "
                    "credentials and every link in e-mails are built from it."
                ),
                id="lms.E110",
            )
        ]
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return [
            Error(
                f"LMS_PUBLIC_URL={value!r} is not an address such as {example}.",
                id="lms.E111",
            )
        ]
    errors = []
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        errors.append(
            Error(
                f"LMS_PUBLIC_URL={value!r} must be an origin only: no path, query, fragment "
                "or user.",
                hint=f"For example {example}.",
                id="lms.E111",
            )
        )
    if parts.scheme != "https":
        errors.append(
            Error(
                f"LMS_PUBLIC_URL={value!r} must use https in production.",
                hint="Links in certificates and e-mails are kept for years: give them HTTPS.",
                id="lms.E112",
            )
        )
    if _is_local(host):
        errors.append(
            Error(
                f"LMS_PUBLIC_URL={value!r} names this machine ({host}), not the public site.",
                hint=(
                    "Every QR code, verification link, credential and e-mail would point "
                    f"there. Set the address officers open, e.g. {example}."
                ),
                id="lms.E113",
            )
        )
    return errors
