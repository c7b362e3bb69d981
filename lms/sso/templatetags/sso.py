from django import template
from django.urls import reverse

from ..models import IdentityProvider

register = template.Library()


@register.inclusion_tag("sso/login_options.html")
def sso_sign_in_options(next_url: str = "") -> dict[str, object]:
    """The sign-in page's single sign-on part: an e-mail field and the chooser's link,
    shown only once some administration has an active provider."""
    return {"next": next_url, "offered": IdentityProvider.objects.filter(is_active=True).exists()}


@register.simple_tag
def sso_start_url(provider: IdentityProvider, next_url: str = "") -> str:
    from urllib.parse import urlencode

    url = reverse(f"sso:{provider.kind}_start", args=[provider.slug])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
