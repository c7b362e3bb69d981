"""Administrations (tenants), their units, and the platform's users."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .timezones import DEFAULT_ZONE, validate_time_zone

iso_alpha3_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three capital letters of the ISO 3166-1 alpha-3 code.")
)
iso_alpha2_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Use the two capital letters of the ISO 3166-1 alpha-2 code.")
)


class Administration(models.Model):
    """One national customs authority: the tenant."""

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[iso_alpha3_validator],
        help_text=_("ISO 3166-1 alpha-3 code, for example PER."),
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("country"), max_length=100, help_text=_("Country or territory, in English.")
    )
    country_code = models.CharField(
        _("country code"), max_length=2, validators=[iso_alpha2_validator]
    )
    official_languages = models.JSONField(
        _("official languages"),
        default=list,
        blank=True,
        help_text=_("Language codes, for example es, qu, ay."),
    )
    grouping = models.CharField(_("WCO grouping"), max_length=200, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_ZONE,
        validators=[validate_time_zone],
        help_text=_(
            "IANA name, for example America/Lima. Its officers see times in this zone "
            "unless they choose their own; due dates end at midnight in it."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="administration_code_alpha3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def primary_language(self) -> str:
        """The first official language the platform has an interface for, else English."""
        supported = {code for code, _name in settings.LANGUAGES}
        for language in self.official_languages or []:
            if language in supported:
                return language
        return "en"


class Unit(models.Model):
    """An office, port, airport, border post, free trade zone or headquarters."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", _("Headquarters")
        OFFICE = "office", _("Customs office")
        SEAPORT = "seaport", _("Seaport")
        AIRPORT = "airport", _("Airport")
        LAND_BORDER = "land_border", _("Land border post")
        FREE_TRADE_ZONE = "ftz", _("Free trade zone")

    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("administration"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["administration__code", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="unit_code_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.administration.code})" if self.administration_id else self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent.administration_id != self.administration_id:
            raise ValidationError(
                {"parent": _("The parent unit must belong to the same administration.")}
            )
        ancestor, seen = self.parent, set()
        while ancestor is not None:
            if ancestor.pk == self.pk or ancestor.pk in seen:
                raise ValidationError({"parent": _("A unit cannot be nested inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class User(AbstractUser):
    """A person who signs in: an officer, a manager, a coordinator or a platform admin.

    ``first_name``/``last_name`` are replaced by one ``full_name``: many officers of the
    region carry two family names, and one field holds any name as the person writes it.
    """

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        blank=True,
        help_text=_("Leave empty to use your administration's language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave empty to use your administration's time zone."),
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("administration"),
        help_text=_("Empty for regional staff and platform admins."),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("unit"),
    )
    employee_number = models.CharField(_("employee number"), max_length=64, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "employee_number"],
                condition=~Q(employee_number=""),
                name="user_employee_number_unique_per_administration",
            ),
        ]
        indexes = [models.Index(fields=["administration", "unit"])]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def interface_language(self, administration: Administration | None = None) -> str:
        """The language the person reads the platform in: their own choice, else their
        administration's language, else ``settings.LANGUAGE_CODE``. An empty
        ``preferred_language`` means "not chosen" (SCIM removes it so). Pass the
        person's ``administration`` when it is at hand but not loaded (saves a query)."""
        if self.preferred_language:
            return self.preferred_language
        if administration is None and self.administration_id:
            administration = self.administration
        return administration.primary_language if administration else settings.LANGUAGE_CODE

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.username])[0]

    def clean(self) -> None:
        super().clean()
        if self.unit_id and self.unit.administration_id != self.administration_id:
            raise ValidationError({"unit": _("The unit must belong to the user's administration.")})
        if self.employee_number and not self.administration_id:
            raise ValidationError(
                {"employee_number": _("An employee number needs an administration.")}
            )


class BudgetCount(models.Model):
    """One identity's hits in one budget window, counted here only while the shared
    cache (Redis) cannot be reached (:class:`lms.accounts.throttles.Budget`). Rows whose
    window ended are deleted as new ones come."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    # Seconds since the epoch (time.time(), as the cache's windows).
    started_at = models.FloatField()
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
