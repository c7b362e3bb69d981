"""Images that questions of a bank use (imported with Moodle XML, for now): stored once per
bank and content, served by ``assessments:image`` to whoever may see them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .banks import QuestionBank

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def question_image_path(instance: QuestionImage, filename: str) -> str:
    """``question-images/bank-<id>/<sha256>.<ext>``: one folder per bank."""
    extension = EXTENSIONS.get(instance.content_type, "bin")
    return f"question-images/bank-{instance.bank_id}/{instance.sha256}.{extension}"


class QuestionImage(models.Model):
    """An image checked with Pillow when it was stored (PNG, JPEG, GIF or WebP, within the
    upload limits). Stems show it as ``<img src="{% url 'assessments:image' name %}">``;
    drag-and-drop questions name it in ``data.image.name`` like hotspot images."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="images")
    name = models.SlugField(_("name"), max_length=80, unique=True)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=question_image_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "created_at"]
        verbose_name = _("question image")
        verbose_name_plural = _("question images")
        constraints = [
            models.UniqueConstraint(fields=["bank", "sha256"], name="question_image_once_per_bank")
        ]

    def __str__(self) -> str:
        return self.original_name or self.name
