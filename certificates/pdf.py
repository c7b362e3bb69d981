"""The certificate as a one-page A4 landscape PDF, drawn with ReportLab.

:func:`render_pdf` takes a :class:`PrintData` (plain values: the caller looks up the
certificate, the programme in the holder's language, the administration, the verification URL)
and returns the PDF bytes. The same data gives the same bytes (ReportLab's ``invariant`` mode
fixes the dates and the document ID), so a stored PDF can be re-rendered and compared.

Labels are English in the source and translated through Django's gettext in
``data.language``; dates use that language's ``DATE_FORMAT``.

Fonts. The PDF embeds a TrueType font so that names print as written: DejaVu Sans when the
system has it (Debian's ``fonts-dejavu-core``; it covers all Latin, Greek and Cyrillic
letters), otherwise Bitstream Vera, which ReportLab itself ships (Western European letters
only), otherwise Helvetica (WinAnsi only, not embedded). A character the chosen font cannot
draw would otherwise come out as a blank (TrueType) or a black box (Helvetica) with no error,
so every text is checked against the font first: a missing letter is replaced by its base
letter (``Ő`` -> ``O``, ``Ł`` -> ``L``), then by a transliteration (``ß`` -> ``ss``), and only
as a last resort by ``?``. Each replacement is logged as a warning naming the certificate
number and the characters (not the whole text, which may be a person's name), and the document
metadata keeps the holder's name and the programme title exactly as given.

Long texts never leave the page: each text has a box; it is wrapped, then shrunk down to a
minimum size, and only if it still does not fit (absurd lengths) cut at a word with ``…``
(also logged).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

__all__ = ["PrintData", "render_pdf"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintData:
    """Everything printed on a certificate, already in the holder's language."""

    holder_name: str
    programme_title: str
    programme_description: str
    administration_name: str
    administration_code: str
    issued_on: date
    expires_on: date | None
    number: str  # certificate number, e.g. "PER-2026-000042"
    code_display: str  # verification code in readable groups, e.g. "7K3M-Q9TX-..."
    verify_url: str  # absolute URL, encoded in the QR code and printed
    language: str  # "en", "es", "pt-br", "fr"
    platform_name: str
    previous_number: str | None = None  # when this is a renewal


# --- Fonts ------------------------------------------------------------------------------
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_REPORTLAB_FONTS = Path(reportlab.__file__).parent / "fonts"
# (regular name, bold name, regular file, bold file), best first.
_TRUETYPE_CANDIDATES = (
    (
        "CertDejaVuSans",
        "CertDejaVuSans-Bold",
        _DEJAVU / "DejaVuSans.ttf",
        _DEJAVU / "DejaVuSans-Bold.ttf",
    ),
    ("CertVera", "CertVera-Bold", _REPORTLAB_FONTS / "Vera.ttf", _REPORTLAB_FONTS / "VeraBd.ttf"),
)

# Letters that do not decompose into a base letter plus accents.
_TRANSLITERATIONS = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ø": "O",
    "ø": "o",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "ß": "ss",
    "ẞ": "SS",
    "Þ": "Th",
    "þ": "th",
    "Ð": "D",
    "ð": "d",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "€": "EUR",
}
_REPLACEMENT = "?"


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    charset: frozenset[int] | None  # code points both fonts draw; None: WinAnsi (Helvetica)

    def covers(self, char: str) -> bool:
        if self.charset is not None:
            return ord(char) in self.charset
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True


@functools.cache
def _fonts() -> _Fonts:
    """Registers the first TrueType pair found (once per process) and says what it covers."""
    for regular, bold, regular_file, bold_file in _TRUETYPE_CANDIDATES:
        if not (os.path.isfile(regular_file) and os.path.isfile(bold_file)):
            continue
        try:
            regular_font = TTFont(regular, str(regular_file))
            bold_font = TTFont(bold, str(bold_file))
        except Exception:  # a broken or unreadable font file: try the next one
            logger.warning("Cannot load the font %s", regular_file, exc_info=True)
            continue
        pdfmetrics.registerFont(regular_font)
        pdfmetrics.registerFont(bold_font)
        charset = frozenset(regular_font.face.charToGlyph) & frozenset(bold_font.face.charToGlyph)
        return _Fonts(regular, bold, charset)
    logger.warning("No TrueType font found for certificates; using Helvetica (WinAnsi only)")
    return _Fonts("Helvetica", "Helvetica-Bold", None)


def _printable(text: str, fonts: _Fonts) -> tuple[str, dict[str, str]]:
    """``text`` with every character the fonts cannot draw replaced (see the module doc), and
    the replacements made (character -> what was printed instead)."""
    out: list[str] = []
    replaced: dict[str, str] = {}
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf"):  # control and format characters
            continue
        elif fonts.covers(char):
            out.append(char)
        else:
            if char not in replaced:
                replaced[char] = _substitute(char, fonts)
            out.append(replaced[char])
    return "".join(out), replaced


def _substitute(char: str, fonts: _Fonts) -> str:
    """What to print for a character the fonts lack: its base letter without accents, else a
    transliteration, else ``?``."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and all(fonts.covers(c) for c in base):
        return base
    transliteration = _TRANSLITERATIONS.get(char)
    if transliteration and all(fonts.covers(c) for c in transliteration):
        return transliteration
    return _REPLACEMENT


# --- Layout -----------------------------------------------------------------------------
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)  # 841.89 x 595.28 pt
MARGIN = 60.0  # content starts this far from the page edge
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

NAVY = colors.HexColor("#1F3A5F")
GOLD = colors.HexColor("#B08D57")
GREY = colors.HexColor("#5B6675")
INK = colors.HexColor("#1B1F24")

ELLIPSIS = "…"
URL_MIN_SIZE = 6.0  # smallest size for the verification URL on one line
URL_MAX_LINES = 4
_URL_BREAKS = "/?&=#-._~"  # the URL is broken after these where it can


class _Writer:
    """Draws texts into boxes on one canvas, fitting each one (wrap, shrink, then cut)."""

    def __init__(self, canvas: Canvas, fonts: _Fonts, number: str) -> None:
        self.canvas = canvas
        self.fonts = fonts
        self.number = number  # only to say which certificate a warning is about
        self.ellipsis = ELLIPSIS if fonts.covers(ELLIPSIS) else "..."

    def printable(self, text: str) -> str:
        """``text`` as the fonts can draw it; a warning names each character replaced (not the
        whole text: it may be a person's name)."""
        result, replaced = _printable(text, self.fonts)
        if replaced:
            logger.warning(
                "Certificate %s: the font %s cannot draw %s; printed as %s",
                self.number,
                self.fonts.regular,
                ", ".join(f"U+{ord(char):04X} {char!r}" for char in replaced),
                ", ".join(repr(substitute) for substitute in replaced.values()),
            )
        return result

    def fit(
        self,
        text: str,
        *,
        width: float,
        max_height: float,
        size: float,
        min_size: float,
        bold: bool = False,
        color: colors.Color = INK,
        align: int = TA_CENTER,
    ) -> Paragraph:
        """A paragraph of ``text`` that fits ``width`` x ``max_height``: the largest size from
        ``size`` down to ``min_size`` (in half points) at which it fits, else ``min_size``
        with the text cut at a word boundary."""
        text = self.printable(text)
        current = size
        while True:
            paragraph = self._paragraph(text, current, bold, color, align)
            _, height = paragraph.wrap(width, max_height * 10)
            if height <= max_height:
                return paragraph
            if current <= min_size:
                break
            current = max(min_size, current - 0.5)
        return self._cut(text, width, max_height, min_size, bold, color, align)

    def _cut(
        self,
        text: str,
        width: float,
        max_height: float,
        size: float,
        bold: bool,
        color: colors.Color,
        align: int,
    ) -> Paragraph:
        words = text.split()
        low, high = 0, len(words)  # the longest prefix of words that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            candidate = self._paragraph(
                " ".join(words[:middle]) + self.ellipsis, size, bold, color, align
            )
            if candidate.wrap(width, max_height * 10)[1] <= max_height:
                low = middle
            else:
                high = middle - 1
        shortened = " ".join(words[:low]) + self.ellipsis
        logger.warning(
            "Certificate %s: a text of %d characters is too long for its box even at %s pt; "
            "cut after %d of its %d words",
            self.number,
            len(text),
            size,
            low,
            len(words),
        )
        return self._paragraph(shortened, size, bold, color, align)

    def _paragraph(
        self, text: str, size: float, bold: bool, color: colors.Color, align: int
    ) -> Paragraph:
        style = ParagraphStyle(
            name="cert",
            fontName=self.fonts.bold if bold else self.fonts.regular,
            fontSize=size,
            leading=size * 1.2,
            textColor=color,
            alignment=align,
            splitLongWords=1,
        )
        return Paragraph(escape(text), style)

    def draw(self, paragraph: Paragraph, x: float, top: float, width: float) -> float:
        """Draws an already fitted ``paragraph`` with its top at ``top``; returns its bottom."""
        _, height = paragraph.wrap(width, PAGE_HEIGHT)
        paragraph.drawOn(self.canvas, x, top - height)
        return top - height


def _date(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _draw_frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(3)
    canvas.rect(18, 18, PAGE_WIDTH - 36, PAGE_HEIGHT - 36)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.rect(26, 26, PAGE_WIDTH - 52, PAGE_HEIGHT - 52)


def _draw_middle(writer: _Writer, data: PrintData) -> None:
    """Holder, programme and description, centred vertically between title and details."""
    top, bottom = 462.0, 215.0
    gap = 8.0
    width = CONTENT_WIDTH
    lead_in = {"width": width, "max_height": 20, "size": 12, "min_size": 8, "color": GREY}
    blocks: list[tuple[Paragraph, float]] = [
        (writer.fit(_("This certifies that"), **lead_in), width),
        (
            writer.fit(
                data.holder_name,
                width=width,
                max_height=64,
                size=28,
                min_size=12,
                bold=True,
                color=NAVY,
            ),
            width,
        ),
        (writer.fit(_("has met the requirements of"), **lead_in), width),
        (
            writer.fit(
                data.programme_title, width=width, max_height=76, size=20, min_size=9, bold=True
            ),
            width,
        ),
    ]
    if data.programme_description.strip():
        narrower = width - 80
        description = writer.fit(
            data.programme_description,
            width=narrower,
            max_height=38,
            size=10,
            min_size=7,
            color=GREY,
        )
        blocks.append((description, narrower))
    heights = [paragraph.wrap(block_width, PAGE_HEIGHT)[1] for paragraph, block_width in blocks]
    total = sum(heights) + gap * (len(blocks) - 1)
    y = top - max(0.0, (top - bottom - total) / 2)
    for (paragraph, block_width), height in zip(blocks, heights, strict=True):
        writer.draw(paragraph, MARGIN + (width - block_width) / 2, y, block_width)
        y -= height + gap


def _draw_details(writer: _Writer, data: PrintData) -> None:
    """Label and value rows in the lower left."""
    label_width, value_width = 128.0, 330.0
    rows = [
        (_("Administration"), f"{data.administration_name} ({data.administration_code})"),
        (_("Issued on"), _date(data.issued_on)),
        (
            _("Valid until"),
            _date(data.expires_on) if data.expires_on is not None else _("Does not expire"),
        ),
        (_("Certificate number"), data.number),
    ]
    if data.previous_number:
        rows.append((_("Renews certificate"), data.previous_number))
    rows.append((_("Verification code"), data.code_display))

    y = 192.0
    for label, value in rows:
        label_paragraph = writer.fit(
            label, width=label_width, max_height=12, size=8.5, min_size=6, color=GREY, align=TA_LEFT
        )
        value_paragraph = writer.fit(
            value, width=value_width, max_height=24, size=10, min_size=7, bold=True, align=TA_LEFT
        )
        writer.draw(label_paragraph, MARGIN, y - 1, label_width)
        bottom = writer.draw(value_paragraph, MARGIN + label_width, y, value_width)
        y = bottom - 7


def _draw_verification(writer: _Writer, data: PrintData) -> None:
    """The QR code for the verification URL in the lower right, the URL printed under it."""
    canvas = writer.canvas
    column_width, qr_size = 250.0, 124.0
    column_left = PAGE_WIDTH - MARGIN - column_width
    qr_bottom = 84.0

    # Error correction M; the 4-module white border (quiet zone) is part of qr_size.
    widget = QrCodeWidget(
        data.verify_url, barLevel="M", barBorder=4, barWidth=qr_size, barHeight=qr_size
    )
    drawing = Drawing(qr_size, qr_size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, column_left + (column_width - qr_size) / 2, qr_bottom)

    label = writer.fit(
        _("Verify this certificate at"), width=column_width, max_height=11, size=8, min_size=6
    )
    bottom = writer.draw(label, column_left, qr_bottom, column_width)
    # The URL on one line when it fits at 6 pt or more, else at 7.5 pt broken after "/" and
    # the like.
    font = writer.fonts.regular
    url_text = writer.printable(data.verify_url)
    natural = pdfmetrics.stringWidth(url_text, font, 8)
    size = min(8.0, 8 * column_width / max(natural, 1.0))
    if size < URL_MIN_SIZE:  # it will be broken anyway: keep it readable
        size = 7.5
    lines = _break_url(url_text, font, size, column_width, writer.ellipsis)
    leading = size * 1.2
    canvas.setFont(font, size)
    canvas.setFillColor(NAVY)
    y = bottom - 2 - size
    for line in lines:
        canvas.drawCentredString(column_left + column_width / 2, y, line)
        y -= leading
    canvas.linkURL(
        data.verify_url,
        (column_left, y + leading - size * 0.3, column_left + column_width, bottom),
        relative=0,
    )


def _break_url(url: str, font: str, size: float, width: float, ellipsis: str) -> list[str]:
    """``url`` in lines no wider than ``width``: each line as long as possible, ending after
    one of ``/?&=#-._~`` where it can, else anywhere. At most :data:`URL_MAX_LINES` lines (the
    last one cut with ``…``: only an absurd URL is that long)."""
    lines: list[str] = []
    rest = url
    while rest:
        if pdfmetrics.stringWidth(rest, font, size) <= width:
            lines.append(rest)
            break
        fit = 1
        while fit < len(rest) and pdfmetrics.stringWidth(rest[: fit + 1], font, size) <= width:
            fit += 1
        cut = max((i + 1 for i in range(fit) if rest[i] in _URL_BREAKS), default=fit)
        lines.append(rest[:cut])
        rest = rest[cut:]
    if len(lines) > URL_MAX_LINES:
        logger.warning("Verification URL too long for the certificate, cut: %r", url)
        last = lines[URL_MAX_LINES - 1]
        while last and pdfmetrics.stringWidth(last + ellipsis, font, size) > width:
            last = last[:-1]
        lines = [*lines[: URL_MAX_LINES - 1], last + ellipsis]
    return lines


def render_pdf(data: PrintData) -> bytes:
    """The certificate described by ``data`` as the bytes of a one-page PDF."""
    fonts = _fonts()
    buffer = io.BytesIO()
    with override(data.language):
        canvas = Canvas(
            buffer,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            invariant=1,
            pageCompression=1,
            lang=data.language,
        )
        title = _("Certificate")
        canvas.setTitle(f"{title} {data.number}: {data.holder_name}")
        canvas.setAuthor(data.platform_name)
        canvas.setSubject(data.programme_title)
        canvas.setCreator(data.platform_name)

        writer = _Writer(canvas, fonts, data.number)
        _draw_frame(canvas)
        writer.draw(
            writer.fit(
                data.platform_name,
                width=CONTENT_WIDTH,
                max_height=16,
                size=12,
                min_size=8,
                bold=True,
                color=GOLD,
            ),
            MARGIN,
            552,
            CONTENT_WIDTH,
        )
        writer.draw(
            writer.fit(
                title,
                width=CONTENT_WIDTH,
                max_height=46,
                size=38,
                min_size=20,
                bold=True,
                color=NAVY,
            ),
            MARGIN,
            532,
            CONTENT_WIDTH,
        )
        canvas.setStrokeColor(GOLD)
        canvas.setLineWidth(1)
        canvas.line(PAGE_WIDTH / 2 - 60, 478, PAGE_WIDTH / 2 + 60, 478)
        _draw_middle(writer, data)
        _draw_details(writer, data)
        _draw_verification(writer, data)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
