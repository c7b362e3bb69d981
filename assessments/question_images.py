"""Question images: storing the images an import brings (checked by
:func:`assessments.interchange.moodlexml.check_image`), putting their address in stems and
data, finding them again for an export, and deciding who may see one.

A stored image is named ``qi-<bank id>-<32 hex digits of its SHA-256>`` and served at
``{% url 'assessments:image' name %}`` like the platform's hotspot images; a stem shows it
with ``<img src="<that address>" alt="...">`` (the only image source a stem keeps, see
:func:`assessments.content.stem_html`), and drag-and-drop questions name it in
``data.image.name``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.urls import reverse

from .interchange.moodlexml import PLUGINFILE, EmbeddedImage, check_image
from .models import QuestionBank, QuestionImage, Response
from .selectors import bank_list_for_user

if TYPE_CHECKING:
    from lms.accounts.models import User

NAME = re.compile(r"qi-[0-9]+-[0-9a-f]{32}")
_PLUGINFILE_SRC = re.compile(r'src="' + re.escape(PLUGINFILE) + r'([^"]*)"')


def question_image_url(name: str) -> str:
    return reverse("assessments:image", args=[name])


def question_image_store(*, bank: QuestionBank, image: EmbeddedImage) -> QuestionImage:
    """The bank's stored copy of ``image`` (one per content): checked again, saved to the
    default storage under ``question-images/bank-<id>/``."""
    checked = check_image(image.filename, image.data)
    digest = hashlib.sha256(checked.data).hexdigest()
    existing = QuestionImage.objects.filter(bank=bank, sha256=digest).first()
    if existing is not None:
        return existing
    stored = QuestionImage(
        bank=bank,
        name=f"qi-{bank.pk}-{digest[:32]}",
        sha256=digest,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size_bytes=len(checked.data),
        original_name=image.filename[:255],
    )
    stored.file.save(digest, ContentFile(checked.data), save=False)
    stored.save()
    return stored


def _replace_strings(value: Any, replace: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return replace.get(value, value)
    if isinstance(value, list):
        return [_replace_strings(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _replace_strings(item, replace) for key, item in value.items()}
    return value


def images_stored(
    *, bank: QuestionBank, stem: str, data: dict[str, Any], images: Mapping[str, EmbeddedImage]
) -> tuple[str, dict[str, Any]]:
    """Store the images a parsed question uses and put their addresses in its stem
    (``<img src>``) and names in its data (``"@@PLUGINFILE@@/<file>"`` references)."""
    names: dict[str, str] = {}
    for filename, image in images.items():
        names[filename] = question_image_store(bank=bank, image=image).name

    def src(match: re.Match[str]) -> str:
        filename = html.unescape(match.group(1))
        if filename not in names:
            return 'src=""'
        return f'src="{question_image_url(names[filename])}"'

    stem = _PLUGINFILE_SRC.sub(src, stem)
    data = _replace_strings(data, {PLUGINFILE + f: name for f, name in names.items()})
    return stem, data


def images_for_export(
    bank: QuestionBank, question: dict[str, Any], files: dict[str, bytes]
) -> dict[str, Any]:
    """``question`` with its stored images referenced as ``@@PLUGINFILE@@/<file>`` and
    their bytes added to ``files`` (named after the imported file when it is free)."""
    text = question.get("stem") or ""
    wanted = set(re.findall(r'src="[^"]*/(qi-[0-9]+-[0-9a-f]{32})\.png"', text))
    wanted |= set(NAME.findall(json.dumps(question.get("data") or {})))
    if not wanted:
        return question
    references: dict[str, str] = {}
    for image in QuestionImage.objects.filter(bank=bank, name__in=wanted):
        filename = image.original_name or f"{image.name}.png"
        if filename in files and files[filename] != _read(image):
            filename = f"{image.name}-{filename}"
        with image.file.open("rb") as handle:
            files[filename] = handle.read()
        references[image.name] = PLUGINFILE + filename
    stem = re.sub(
        r'src="[^"]*/(qi-[0-9]+-[0-9a-f]{32})\.png"',
        lambda m: f'src="{html.escape(references.get(m.group(1), ""))}"',
        text,
    )
    return {
        **question,
        "stem": stem,
        "data": _replace_strings(question.get("data") or {}, references),
    }


def _read(image: QuestionImage) -> bytes:
    with image.file.open("rb") as handle:
        return handle.read()


def question_image_for_user(actor: User, name: str) -> QuestionImage | None:
    """The stored image ``name`` when ``actor`` may see it: an author who may see its bank
    (:func:`assessments.selectors.bank_list_for_user`), or an officer with an attempt
    whose questions show it. ``None`` otherwise, and for an unknown name."""
    if not NAME.fullmatch(name):
        return None
    image = QuestionImage.objects.filter(name=name).select_related("bank").first()
    if image is None:
        return None
    if bank_list_for_user(actor).filter(pk=image.bank_id).exists():
        return image
    drawn = Response.objects.filter(
        attempt__user_id=actor.pk, version__question__bank_id=image.bank_id
    ).values_list("version__texts", "version__data")
    for texts, data in drawn.iterator():
        if name in json.dumps(texts) or name in json.dumps(data):
            return image
    return None
