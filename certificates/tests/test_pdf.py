"""The certificate PDF (ReportLab), read back with pypdf. No database needed.

``test_spanish_labels`` depends on the Spanish catalogue (locale/es) having the msgids of
certificates/pdf.py; every other test passes with any catalogue.
"""

import dataclasses
import io
import logging
import subprocess
from datetime import date
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ContentStream

from certificates import pdf
from certificates.pdf import PrintData, render_pdf

A4_LONG, A4_SHORT = 842, 595
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

BASE = PrintData(
    holder_name="María Fernanda Quispe",
    programme_title="Customs Valuation Specialist",
    programme_description="The six valuation methods of the WTO Valuation Agreement.",
    administration_name="Superintendencia Nacional de Aduanas",
    administration_code="PER",
    issued_on=date(2026, 3, 5),
    expires_on=date(2029, 3, 5),
    number="PER-2026-000042",
    code_display="7K3M-Q9TX-4HRW-PZ2C",
    verify_url="https://lms.example.org/certificates/verify/7K3MQ9TX4HRWPZ2C/",
    language="en",
    platform_name="Customs Training Platform",
)


def make(**changes) -> PrintData:
    return dataclasses.replace(BASE, **changes)


def read(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    reader = read(data)
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def squeeze(text: str) -> str:
    """Text without any whitespace, to compare texts that were wrapped."""
    return "".join(text.split())


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def fonts_from(monkeypatch):
    """Makes the renderer choose among the given TrueType candidates (none: Helvetica)."""

    def choose(*candidates):
        monkeypatch.setattr(pdf, "_TRUETYPE_CANDIDATES", candidates)
        pdf._fonts.cache_clear()

    yield choose
    pdf._fonts.cache_clear()


VERA = next(c for c in pdf._TRUETYPE_CANDIDATES if c[0] == "CertVera")


# --- Page and content -----------------------------------------------------------------
def test_one_landscape_a4_page():
    reader = read(render_pdf(BASE))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_LONG, abs=1)
    assert float(box.height) == pytest.approx(A4_SHORT, abs=1)


def test_text_has_every_field():
    text = text_of(render_pdf(BASE))
    for expected in [
        "Customs Training Platform",
        "Certificate",
        "María Fernanda Quispe",
        "has met the requirements of",
        "Customs Valuation Specialist",
        BASE.programme_description,
        "Superintendencia Nacional de Aduanas (PER)",
        "Issued on",
        "March 5, 2026",
        "Valid until",
        "March 5, 2029",
        "PER-2026-000042",
        "7K3M-Q9TX-4HRW-PZ2C",
    ]:
        assert expected in words(text), expected
    assert BASE.verify_url in squeeze(text)
    assert "Renews certificate" not in text
    assert "Does not expire" not in text


def test_certificate_without_expiry():
    text = text_of(render_pdf(make(expires_on=None)))
    assert "Does not expire" in text
    assert "2029" not in text


def test_renewal_prints_the_previous_number():
    text = text_of(render_pdf(make(previous_number="PER-2023-000007")))
    assert "Renews certificate" in text
    assert "PER-2023-000007" in text


def test_metadata():
    metadata = read(render_pdf(BASE)).metadata
    assert metadata.title == "Certificate PER-2026-000042: María Fernanda Quispe"
    assert metadata.author == "Customs Training Platform"
    assert metadata.subject == "Customs Valuation Specialist"


def test_markup_characters_print_literally():
    text = text_of(render_pdf(make(programme_title="Risk <b>management</b> & profiling")))
    assert "Risk <b>management</b> & profiling" in words(text)


# --- Fonts ----------------------------------------------------------------------------
def test_accented_latin_names_are_extracted_intact():
    name = "José Ñúñez Conceição"
    text = text_of(render_pdf(make(holder_name=name, administration_name="Françoise Hébert")))
    assert name in text
    assert "Françoise Hébert" in text


def test_decomposed_accents_are_composed():
    text = text_of(render_pdf(make(holder_name="Jose\u0301 Nu\u0301n\u0303ez")))
    assert "José Núñez" in text


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans is not installed")
def test_dejavu_draws_letters_outside_winansi(fonts_from, caplog):
    fonts_from(*pdf._TRUETYPE_CANDIDATES)
    name = "Łukasz Őrsi Đorđević"
    with caplog.at_level(logging.WARNING, logger="certificates.pdf"):
        text = text_of(render_pdf(make(holder_name=name)))
    assert name in text
    assert not caplog.records


def test_bundled_vera_transliterates_what_it_lacks(fonts_from, caplog):
    fonts_from(VERA)
    with caplog.at_level(logging.WARNING, logger="certificates.pdf"):
        text = text_of(render_pdf(make(holder_name="Françoise Łukasz Őrsi 中")))
    assert "Françoise Łukasz Orsi ?" in text  # Vera has Ł but not Ő; nothing has 中
    assert "PER-2026-000042" in caplog.text
    assert "cannot draw U+0150 'Ő', U+4E2D '中'; printed as 'O', '?'" in caplog.text
    assert "Françoise" not in caplog.text  # names stay out of the log


def test_helvetica_fallback_transliterates_instead_of_black_boxes(fonts_from, caplog):
    fonts_from()
    name = "José Ñúñez Łukasz Őrsi Œuvre Straße 中"
    with caplog.at_level(logging.WARNING, logger="certificates.pdf"):
        pdf_bytes = render_pdf(make(holder_name=name))
    text = text_of(pdf_bytes)
    assert "José Ñúñez Lukasz Orsi Œuvre Straße ?" in text  # Œ and ß are in WinAnsi
    assert "■" not in text
    assert "cannot draw" in caplog.text
    # The metadata keeps the name exactly as written.
    assert read(pdf_bytes).metadata.title.endswith(name)


# --- Long texts -----------------------------------------------------------------------
def test_long_programme_title_wraps_on_one_page():
    title = " ".join(["Advanced Customs Valuation and Risk Management"] * 5)[:200].strip()
    assert len(title) >= 199
    name = "Maria de los Angeles Fernandez Gutierrez de la Concepcion Villanueva Rodriguez"
    pdf_bytes = render_pdf(make(programme_title=title, holder_name=name))
    text = text_of(pdf_bytes)
    assert title in words(text)
    assert name in words(text)
    assert len(read(pdf_bytes).pages) == 1


def test_long_word_is_split_not_overflowing():
    word = "Zollwertermittlungsverordnungsdurchfuehrungsbestimmungen" * 3
    text = text_of(render_pdf(make(holder_name=word)))
    assert word in squeeze(text)


def test_text_stays_inside_the_frame():
    """Every text run starts inside the inner border (24 pt margin plus the border)."""
    pdf_bytes = render_pdf(
        make(
            programme_title="Advanced Customs Valuation " * 8,
            holder_name="Maria de los Angeles " * 4,
            programme_description="Description sentence. " * 40,
            previous_number="PER-2023-000007",
        )
    )
    page = read(pdf_bytes).pages[0]
    origins = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            origins.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    assert origins
    for x, y in origins:
        assert 30 <= x <= A4_LONG - 30, (x, y)
        assert 30 <= y <= A4_SHORT - 30, (x, y)


def test_absurdly_long_description_is_cut_and_logged(caplog):
    description = "A very long description. " * 400
    with caplog.at_level(logging.WARNING, logger="certificates.pdf"):
        pdf_bytes = render_pdf(make(programme_description=description))
    text = text_of(pdf_bytes)
    assert "A very long description." in text
    assert "…" in text
    assert "too long" in caplog.text


# --- Determinism and QR ---------------------------------------------------------------
def test_rendering_is_deterministic():
    first = render_pdf(BASE)
    assert render_pdf(BASE) == first
    assert render_pdf(make(number="PER-2026-000043")) != first


def test_qr_code_is_built_for_the_verify_url(monkeypatch):
    built = []

    class SpyWidget(pdf.QrCodeWidget):
        def __init__(self, value, **kwargs):
            built.append(value)
            super().__init__(value, **kwargs)

    monkeypatch.setattr(pdf, "QrCodeWidget", SpyWidget)
    pdf_bytes = render_pdf(BASE)
    assert built == [BASE.verify_url]

    page = read(pdf_bytes).pages[0]
    operations = ContentStream(page.get_contents(), page.pdf).operations
    rectangles = sum(1 for _, operator in operations if operator == b"re")
    assert rectangles > 100  # the QR modules are drawn as filled rectangles
    assert BASE.verify_url in squeeze(page.extract_text())
    uris = [annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]]
    assert uris == [BASE.verify_url]


def test_qr_code_decodes_to_the_verify_url(tmp_path):
    (tmp_path / "certificate.pdf").write_bytes(render_pdf(BASE))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", "certificate.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == BASE.verify_url


# --- Languages ------------------------------------------------------------------------
def test_spanish_dates():
    """Dates come from Django's own Spanish formats and month names."""
    text = text_of(render_pdf(make(language="es")))
    assert "5 de marzo de 2026" in text
    assert "5 de marzo de 2029" in text


def test_spanish_labels():
    """Depends on locale/es having the msgids of certificates/pdf.py."""
    text = words(text_of(render_pdf(make(language="es", expires_on=None, previous_number="X-1"))))
    for label in [
        "Certificado",
        "Se certifica que",
        "ha cumplido los requisitos de",
        "Administración",
        "Fecha de emisión",
        "Válido hasta",
        "No vence",
        "Número de certificado",
        "Renueva el certificado",
        "Código de verificación",
        "Verifique este certificado en",
    ]:
        assert label in text, label
    assert "has met the requirements of" not in text


def test_language_does_not_leak():
    from django.utils.translation import get_language

    before = get_language()
    render_pdf(make(language="es"))
    assert get_language() == before
