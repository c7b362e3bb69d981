"""StreamField blocks of lessons: text, media, callouts, glossary terms and H5P activities."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Text alternative"),
        max_length=250,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = DocumentChooserBlock(label=_("Video file (MP4 or WebM)"))
    captions = DocumentChooserBlock(label=_("Captions (WebVTT)"), required=False)
    transcript = blocks.RichTextBlock(
        label=_("Transcript"), required=False, features=RICH_TEXT_FEATURES
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=300)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "courses/blocks/document.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("red_flag", _("Red flag")),
            ("key_fact", _("Key fact")),
            ("tip", _("Tip")),
        ],
        default="key_fact",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=150)
    body = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "courses/blocks/callout.html"


class GlossaryTermBlock(blocks.StructBlock):
    term = blocks.CharBlock(label=_("Term"), max_length=120)
    definition = blocks.TextBlock(label=_("Definition"))

    class Meta:
        icon = "pick"
        label = _("Glossary term")
        template = "courses/blocks/glossary.html"


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=150)
    body = blocks.RichTextBlock(label=_("Situation"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "user"
        label = _("Scenario")
        template = "courses/blocks/scenario.html"


class H5PActivityBlock(blocks.StructBlock):
    activity = SnippetChooserBlock("courses.H5PActivity", label=_("H5P activity"))
    required = blocks.BooleanBlock(
        label=_("Required to complete the lesson"),
        required=False,
        default=True,
        help_text=_(
            "Types that report nothing to the platform (charts, dialog cards, image hotspots, "
            "image sliders and juxtapositions, audio) count as done when the lesson is opened."
        ),
    )
    completion = blocks.ChoiceBlock(
        label=_("Completes when"),
        choices=[
            ("answer", _("The officer answers or finishes it (any score)")),
            ("pass", _("The officer reaches a pass score")),
        ],
        default="answer",
        help_text=_(
            "A pass score applies to activities that give a score. Activities without one "
            "complete when finished: accordions when shown, Agamotto when every image is seen, "
            "presentations at the last slide or summary, questionnaires when submitted."
        ),
    )
    pass_percent = blocks.IntegerBlock(
        label=_("Pass score (%)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Needed when the activity completes at a pass score."),
    )

    class Meta:
        icon = "form"
        label = _("H5P activity")
        template = "courses/blocks/h5p.html"

    def clean(self, value):
        from wagtail.blocks.struct_block import StructBlockValidationError

        from .packages.h5p.completion import PASS, type_rule

        value = super().clean(value)
        if value.get("completion") != PASS:
            return value
        errors = {}
        activity = value.get("activity")
        if value.get("pass_percent") is None:
            errors["pass_percent"] = ValidationError(
                _("Give the pass score, from 1 to 100 per cent.")
            )
        if activity is not None and not type_rule(activity.main_library.machine_name).scored:
            errors["completion"] = ValidationError(
                _("This type of activity gives no score: choose “answers or finishes it”.")
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class ScormPackageBlock(blocks.StructBlock):
    """A SCORM package in a lesson: one SCO, or a SCORM course whose organization is the
    outline (``courses.packages.scorm``)."""

    package = SnippetChooserBlock("scorm.ScormPackage", label=_("SCORM package"))
    required = blocks.BooleanBlock(
        label=_("Required to complete the lesson"), required=False, default=True
    )

    class Meta:
        icon = "folder-open-inverse"
        label = _("SCORM package")
        template = "scorm/blocks/package.html"


LESSON_BLOCKS = [
    ("text", blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)),
    ("image", ImageBlock()),
    ("video", VideoBlock()),
    ("document", DocumentBlock()),
    ("callout", CalloutBlock()),
    ("glossary", GlossaryTermBlock()),
    ("scenario", ScenarioBlock()),
    ("h5p", H5PActivityBlock()),
    ("scorm", ScormPackageBlock()),
]
