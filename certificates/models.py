"""Certification programmes and the certificates they earn.

A programme (regional, or owned by one administration) has texts per language and
requirements kept as rows: courses to complete and assessments to pass with a minimum
score, for the first certification and for recertification. The rules themselves are
evaluated by the pure functions in ``certificates.requirements``.

A certificate is issued once per holder, programme and validity cycle (a database
constraint); renewing makes the next cycle, linked to the previous certificate, which
becomes superseded. Revocation is a state of the row, published through the verification
page, the API and the Bitstring Status List.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.models import Orderable

from lms.accounts.models import Administration

from . import codes

TRACK_CHOICES = [
    ("illicit_trade", _("Illicit trade: smuggling and fraud")),
    ("integrity", _("Integrity and anti-corruption")),
    ("ftz", _("Free trade zones")),
]


class Programme(ClusterableModel):
    """A certification programme. ``administration`` empty: regional, open to officers
    of every administration; otherwise only that administration's officers."""

    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_("Short and stable, used in web addresses and credentials."),
    )
    administration = models.ForeignKey(
        Administration,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
        help_text=_("Leave empty for a regional programme open to every administration."),
    )
    track = models.CharField(_("track"), max_length=20, choices=TRACK_CHOICES, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for certificates that do not expire."),
    )
    recert_window_days = models.PositiveSmallIntegerField(
        _("recertification window (days before expiry)"), default=90
    )
    required_count = models.PositiveSmallIntegerField(
        _("requirements to meet"),
        null=True,
        blank=True,
        help_text=_("Leave empty to require all of them; or give a number N: any N of them."),
    )
    recert_required_count = models.PositiveSmallIntegerField(
        _("recertification requirements to meet"),
        null=True,
        blank=True,
        help_text=_("Leave empty to require all of them."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels: ClassVar[list] = [
        MultiFieldPanel(
            [FieldPanel("code"), FieldPanel("administration"), FieldPanel("track")],
            heading=_("Programme"),
        ),
        InlinePanel("texts", heading=_("Title and description per language"), min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("validity_months"),
                FieldPanel("recert_window_days"),
                FieldPanel("required_count"),
                FieldPanel("recert_required_count"),
                FieldPanel("is_active"),
            ],
            heading=_("Validity and rules"),
        ),
        InlinePanel("requirements", heading=_("Requirements")),
    ]

    class Meta:
        verbose_name = _("certification programme")
        verbose_name_plural = _("certification programmes")
        ordering: ClassVar[list[str]] = ["code"]

    def __str__(self) -> str:
        return self.title_for()

    def text_for(self, language: str | None = None) -> ProgrammeText | None:
        """The texts in ``language`` (default: the active language), else English, else
        the first there is (uses the prefetched ``texts`` when present)."""
        texts = list(self.texts.all())
        language = language or translation.get_language() or "en"
        for wanted in (language, language.split("-")[0], "en"):
            for text in texts:
                if text.language == wanted:
                    return text
        return texts[0] if texts else None

    def title_for(self, language: str | None = None) -> str:
        text = self.text_for(language)
        return text.title if text else self.code

    def description_for(self, language: str | None = None) -> str:
        text = self.text_for(language)
        return text.description if text else ""


class ProgrammeText(Orderable):
    programme = ParentalKey(Programme, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Translation status (certificates.translation_status): the digest of the source
    # language's text this translation was made from, and when it was last saved or
    # confirmed as still correct.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    source_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels: ClassVar[list] = [
        FieldPanel("language"),
        FieldPanel("title"),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("programme text")
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["programme", "language"], name="certificates_one_text_per_language"
            )
        ]


class ProgrammeRequirement(Orderable):
    """One course to complete or one assessment to pass (any language version counts)."""

    class Purpose(models.TextChoices):
        INITIAL = "initial", _("First certification")
        RECERT = "recert", _("Recertification")

    programme = ParentalKey(Programme, on_delete=models.CASCADE, related_name="requirements")
    purpose = models.CharField(
        _("for"), max_length=10, choices=Purpose.choices, default=Purpose.INITIAL
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course to complete"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment = models.ForeignKey(
        "assessments.AssessmentPage",
        verbose_name=_("assessment to pass"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    min_score = models.DecimalField(
        _("minimum score (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Assessments only. Leave empty: passing is enough."),
    )

    panels: ClassVar[list] = [
        FieldPanel("purpose"),
        PageChooserPanel("course", "courses.CoursePage"),
        PageChooserPanel("assessment", "assessments.AssessmentPage"),
        FieldPanel("min_score"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("requirement")
        constraints: ClassVar[list] = [
            models.CheckConstraint(
                condition=(
                    models.Q(course__isnull=False, assessment__isnull=True)
                    | models.Q(course__isnull=True, assessment__isnull=False)
                ),
                name="certificates_requirement_one_item",
            )
        ]

    def clean(self) -> None:
        if bool(self.course_id) == bool(self.assessment_id):
            raise ValidationError(_("Choose either a course or an assessment."))
        if self.course_id and self.min_score is not None:
            raise ValidationError({"min_score": _("A minimum score applies only to assessments.")})


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Renewed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(_("holder"), max_length=200)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="certificates")
    administration = models.ForeignKey(
        Administration,
        verbose_name=_("administration at issue"),
        on_delete=models.PROTECT,
        null=True,
        related_name="certificates",
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=codes.LENGTH, unique=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        verbose_name=_("renews"),
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status_index = models.PositiveIntegerField(unique=True)
    pdf = models.FileField(upload_to="certificates/pdf/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering: ClassVar[list[str]] = ["-issued_at"]
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["holder", "programme", "cycle"], name="certificates_once_per_cycle"
            ),
        ]
        indexes: ClassVar[list] = [
            models.Index(fields=["administration", "expires_at"], name="cert_admin_expiry"),
            models.Index(fields=["holder", "programme"], name="cert_holder_programme"),
        ]

    def __str__(self) -> str:
        return self.number

    def status_at(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.superseded_at is not None:
            return self.Status.SUPERSEDED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def code_display(self) -> str:
        return codes.display(self.code)

    def get_verify_path(self) -> str:
        from django.urls import reverse

        return reverse("certificates:verify", args=[self.code_display])


class CertificateEvent(models.Model):
    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RENDERED = "rendered", _("PDF rendered")
        RENDER_FAILED = "render_failed", _("PDF rendering failed")
        RENEWED = "renewed", _("Renewed")
        REVOKED = "revoked", _("Revoked")
        REMINDED = "reminded", _("Expiry reminder sent")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]
        indexes: ClassVar[list] = [models.Index(fields=["certificate", "kind"])]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind}"
