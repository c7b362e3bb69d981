"""Reads for single sign-on: which providers the sign-in page offers, and whether an
account may use a local password."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from lms.accounts.models import User

from .models import IdentityProvider, SignInSettings


def provider_list_active() -> QuerySet[IdentityProvider]:
    """Providers offered on the sign-in page (the chooser): public by nature, as each
    one's button is."""
    return IdentityProvider.objects.filter(
        is_active=True, administration__is_active=True
    ).select_related("administration")


def provider_list_for_email(email: str) -> list[IdentityProvider]:
    """Active providers whose e-mail domains include the domain of ``email``."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return []
    return [p for p in provider_list_active() if domain in (p.email_domains or [])]


def access_provider(slug: str, kind: str) -> IdentityProvider:
    """An active provider of ``kind``; unknown, inactive and other-kind ones: 404."""
    provider = provider_list_active().filter(slug=slug, kind=kind).first()
    if provider is None:
        raise Http404("unknown identity provider")
    return provider


def local_password_allowed(user: User) -> bool:
    """Whether ``user`` may sign in with a password here: always without an
    administration (platform staff), else as the administration's settings say."""
    if not user.administration_id:
        return True
    return not SignInSettings.objects.filter(
        administration_id=user.administration_id, local_passwords=False
    ).exists()
