"""Identity providers, the external identities they vouch for, and each administration's
sign-in settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_MFA_VALUES = ["mfa", "otp", "hwk", "swk"]


def default_mfa_values() -> list[str]:
    return list(DEFAULT_MFA_VALUES)


class IdentityProvider(models.Model):
    """One OpenID provider or SAML IdP of one administration."""

    class Kind(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    administration = models.ForeignKey(
        "accounts.Administration",
        on_delete=models.PROTECT,
        related_name="identity_providers",
        verbose_name=_("administration"),
        help_text=_("Accounts this provider links or creates belong to this administration only."),
    )
    slug = models.SlugField(
        _("short name"),
        max_length=50,
        unique=True,
        help_text=_("Part of the sign-in and callback addresses, for example per-sunat."),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Shown on the sign-in button."))
    kind = models.CharField(_("protocol"), max_length=8, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    issuer = models.CharField(
        _("issuer"),
        max_length=500,
        help_text=_(
            "OpenID Connect: the issuer URL (its discovery document is read from "
            "/.well-known/openid-configuration). SAML: the IdP's entity id."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=200, blank=True)
    client_secret_encrypted = models.TextField(_("client secret (encrypted)"), blank=True)
    scopes = models.CharField(_("scopes"), max_length=200, default="openid email profile")
    email_domains = models.JSONField(
        _("e-mail domains"),
        default=list,
        blank=True,
        help_text=_("Officers whose e-mail ends with one of these domains are sent here."),
    )
    create_accounts = models.BooleanField(
        _("create accounts at first sign-in"),
        default=False,
        help_text=_(
            "On: a person unknown to the platform gets an officer account of the "
            "administration. Off: only existing accounts are linked."
        ),
    )
    claim_email = models.CharField(_("e-mail claim"), max_length=100, default="email")
    claim_name = models.CharField(_("name claim"), max_length=100, default="name")
    claim_username = models.CharField(
        _("username claim"), max_length=100, default="preferred_username"
    )
    claim_unit = models.CharField(
        _("unit claim"),
        max_length=100,
        default="unit",
        blank=True,
        help_text=_("Its value is the code of a unit of the administration."),
    )
    claim_language = models.CharField(
        _("language claim"), max_length=100, default="locale", blank=True
    )
    claim_employee_number = models.CharField(_("employee number claim"), max_length=100, blank=True)
    trust_mfa = models.BooleanField(
        _("trust the provider's second factor"),
        default=False,
        help_text=_(
            "On: a sign-in the provider reports as multi-factor counts as the platform's "
            "second factor."
        ),
    )
    mfa_values = models.JSONField(
        _("multi-factor values"),
        default=default_mfa_values,
        blank=True,
        help_text=_(
            "OpenID Connect amr values, or SAML authentication context classes, that "
            "mean a second factor was used."
        ),
    )
    saml_idp_metadata = models.TextField(_("IdP metadata (SAML)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["administration__code", "name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return f"{self.name} ({self.administration.code})"


class ExternalIdentity(models.Model):
    """A person as one provider knows them: the stable subject (OIDC ``sub``, SAML
    persistent NameID) of that provider, linked to one account of its administration."""

    provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.CASCADE,
        related_name="identities",
        verbose_name=_("identity provider"),
    )
    administration = models.ForeignKey(
        "accounts.Administration",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("administration"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("user"),
    )
    issuer = models.CharField(_("issuer"), max_length=500)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "issuer", "subject"], name="sso_identity_subject_unique"
            ),
            models.UniqueConstraint(fields=["provider", "user"], name="sso_identity_user_unique"),
        ]
        indexes = [models.Index(fields=["administration", "user"])]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class SignInSettings(models.Model):
    """How an administration's people sign in."""

    administration = models.OneToOneField(
        "accounts.Administration",
        on_delete=models.PROTECT,
        related_name="sign_in_settings",
        verbose_name=_("administration"),
    )
    local_passwords = models.BooleanField(
        _("local passwords allowed"),
        default=True,
        help_text=_(
            "Off: the administration's people sign in through its identity providers only."
        ),
    )

    class Meta:
        verbose_name = _("sign-in settings")
        verbose_name_plural = _("sign-in settings")

    def __str__(self) -> str:
        return str(self.administration)
