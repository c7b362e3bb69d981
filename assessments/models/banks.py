"""Question banks and versioned questions.

A question's identity (``Question``) keeps its tags and bank; its content lives in
``QuestionVersion`` rows. Once a version has been drawn in an attempt (``used_at``) it is
never changed again: editing makes a new version, and attempts keep the exact version
they drew. Texts are stored per language beside one language-independent answer key, so
item analysis covers every language of a question at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from lms.accounts.models import Administration


class QuestionBank(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="question_banks",
        verbose_name=_("owned by"),
        help_text=_("Empty for a regional bank that every administration may use."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self) -> str:
        return self.title


class TaggedQuestion(TaggedItemBase):
    content_object = ParentalKey("assessments.Question", related_name="tagged_items")


def type_choices() -> list[tuple[str, Any]]:
    """Every registered question type (``assessments/types``), labelled for authors."""
    from assessments import types

    return [(qtype.name, _(qtype.label)) for qtype in types.TYPES]


class Question(ClusterableModel):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    uid = models.CharField(_("identifier"), max_length=64)
    tags = TaggableManager(through=TaggedQuestion, blank=True, verbose_name=_("tags"))
    current_version = models.ForeignKey(
        "assessments.QuestionVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    archived = models.BooleanField(_("archived"), default=False)
    # Translation status (assessments.translation_status): the language the texts were
    # first written in, and for each translation the digest of the source texts it was
    # made from ({language: {"source": digest, "how": "saved" | "confirmed", "at": ...}}).
    source_language = models.CharField(_("source language"), max_length=8, blank=True)
    translation_sources = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "uid"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["bank", "uid"], name="question_uid_per_bank")
        ]

    def __str__(self) -> str:
        return self.uid


class QuestionVersion(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    type = models.CharField(_("type"), max_length=20, choices=type_choices)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, default=1)
    data = models.JSONField(_("answer key and structure"), default=dict)
    texts = models.JSONField(
        _("texts per language"),
        default=dict,
        help_text=_("Title, stem, feedback and option texts, per language code."),
    )
    used_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when first drawn; the version is frozen then.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    def languages(self) -> list[str]:
        return sorted(self.texts)

    def text_for(self, language: str) -> dict[str, Any]:
        """The texts in ``language``, else in the default language, else any."""
        for code in (language, settings.LANGUAGE_CODE, *sorted(self.texts)):
            if code in self.texts:
                return self.texts[code]
        return {}
