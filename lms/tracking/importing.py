"""Reading and planning imports of officers from a CSV or Excel (.xlsx) file.

Pure Python: no ORM, no models, no settings. The Django layer reads the upload, calls
:func:`read_table`, loads what it needs from the database (the administration's officers,
unit codes, usernames), calls :func:`plan_import`, shows the plan, and applies it.

Problems are not rendered here. :class:`ImportFileError` (the whole file is refused) and
:class:`RejectedRow` (one row is refused) carry a stable ``code``, a plain-English
template marked with ``gettext_noop`` and the ``params`` for its ``{placeholders}``; the
caller renders them with ``gettext(template).format(**params)`` (or ``.translated(gettext)``).
:data:`FILE_MESSAGES` and :data:`ROW_MESSAGES` hold every template, keyed by code.

Reading (:func:`read_table`)
----------------------------

- The format is decided by the content, the file name is only a hint for messages: a zip
  holding ``xl/workbook.xml`` is an Excel workbook (``.xlsx``/``.xlsm``); any other zip
  (``.docx``, ``.ods``, ``.xlsb``...), PDF, image, old binary Office file (``.xls``, or a
  password-protected ``.xlsx``, which is stored the same way), HTML/XML page or binary
  garbage is refused; everything else is read as CSV.
- CSV text: UTF-8 (with or without BOM) when the bytes are strictly valid UTF-8, else
  Windows-1252, else Latin-1. UTF-16 with a BOM (Excel's "Unicode text") is read too.
  The delimiter is ``,``, ``;`` or tab, whichever occurs most in the heading row outside
  quotes (ties: ``;`` then tab then ``,``; a single column means ``,``). An Excel
  ``sep=;`` first line is honoured and, as in Excel, not counted as a row.
- XLSX: the first worksheet, cached values (formulas are not evaluated), read-only
  streaming. Whole numbers become digits without ``.0`` (a numeric employee number
  ``12345`` reads as ``"12345"``; leading zeros already lost by Excel cannot be
  recovered), other numbers use Python's shortest form, dates ISO ``2024-05-31`` (with
  `` HH:MM:SS`` when there is a time), booleans ``TRUE``/``FALSE``. The uncompressed size
  of the workbook is limited to ten times ``max_bytes`` (zip bombs).
- Line numbers are the row numbers the user sees in a spreadsheet: the heading row is the
  first non-blank row (normally line 1); a CSV record with a quoted line break is one row.
  Blank rows are skipped but counted. ``max_rows`` counts non-blank data rows.
- Cell values are trimmed (Unicode spaces, no-break and zero-width spaces).
- Headings are matched ignoring case, accents, punctuation and the words
  de/del/do/da/d'/l'/of/the/y/e/et/and; ``Nº``, ``N.º``, ``N°``, ``Nro``, ``No``, ``Num``
  and "number" all read as "número". Accepted headings are in :data:`COLUMN_ALIASES`
  (English, Spanish, Portuguese, French). Unknown headings, missing required columns and
  two headings for one field refuse the file; a row that has values under an empty
  heading (or beyond the last heading) is refused on its own (usually an unquoted comma).

Planning (:func:`plan_import`)
------------------------------

- Employee numbers are compared trimmed and ignoring letter case (``ab-12`` is
  ``AB-12``; an exact match in ``existing`` wins). Leading zeros count: ``0123`` is not
  ``123``. An update keeps the stored spelling of the number.
- E-mail addresses: the domain is lowercased; uniqueness ignores case. An officer may
  keep an address another user shares already; a new or changed address must not belong
  to another officer of ``existing`` (unless that officer's own row, valid in itself,
  moves them to another address) nor be in ``other_emails``.
- A blank optional cell (unit, position, language, username) never erases: an update
  keeps the stored value, a creation gets "no unit", no position, the administration's
  first supported official language (else English) and a derived username.
- ``username`` is used only when creating an officer; an import never renames anyone
  (the cell is ignored on rows of existing officers). Derived usernames are the e-mail's
  local part without a ``+tag``, in lowercase ASCII (letters, digits, ``.``, ``_``,
  ``-``; ``officer`` when nothing is left), made unique with 2, 3... against
  ``taken_usernames``, the existing officers' usernames and every username in the file.
  Usernames are compared ignoring case. Every username created, chosen or derived, ends
  with ``.<namespace>`` (the administration's code: ``ana.per``), so that an
  administration competes only for names of its own.
- Languages: codes (``es``, ``es-PE``, ``pt_BR``) or names in the four languages
  (``Spanish``, ``Español``, ``castellano``, ``Portugais``...).
- Unit codes are matched exactly, else ignoring case when that is unambiguous; the plan
  carries the stored spelling.
- Full names and positions have their inner runs of spaces collapsed.
- Every problem of a row is reported (a row may have several :class:`RejectedRow`).
  Duplicates (employee number, e-mail, username) refuse the later row and name the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COLUMNS",
    "COLUMN_ALIASES",
    "FILE_MESSAGES",
    "MAX_BYTES",
    "MAX_LENGTHS",
    "MAX_ROWS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ROW_MESSAGES",
    "SUPPORTED_LANGUAGES",
    "ExistingOfficer",
    "ImportFileError",
    "ImportPlan",
    "PlannedOfficer",
    "RejectedRow",
    "Table",
    "TableRow",
    "plan_import",
    "read_table",
]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 60_000
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "pt-br", "fr")

REQUIRED_COLUMNS: tuple[str, ...] = ("employee_number", "full_name", "email")
OPTIONAL_COLUMNS: tuple[str, ...] = ("unit", "position", "preferred_language", "username")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_LENGTHS: dict[str, int] = {
    "employee_number": 64,
    "full_name": 200,
    "email": 254,
    "position": 200,
    "username": 150,
}
"""Longest value per column, as in the ``User`` model."""

# fmt: off
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "employee_number": (
        "employee number", "employee no", "employee id", "employee code", "staff number",
        "staff id", "personnel number", "payroll number",
        "número de empleado", "nº de empleado", "número de funcionario", "código de empleado",
        "número de personal", "legajo", "número de legajo", "matrícula",
        "número de funcionário", "número de matrícula", "código do funcionário",
        "número do servidor", "matrícula do servidor",
        "numéro d'employé", "numéro de matricule", "matricule", "numéro d'agent",
        "numéro de l'agent",
    ),
    "full_name": (
        "full name", "name", "nombre completo", "nombre", "nombres", "nombres y apellidos",
        "nombre y apellidos", "apellidos y nombres", "apellido y nombre", "nome completo",
        "nome", "nom complet", "nom", "nom et prénom", "prénom et nom", "nom prénom",
    ),
    "email": (
        "email", "e-mail", "mail", "email address", "e-mail address", "correo",
        "correo electrónico", "correo-e", "correo institucional", "email institucional",
        "correio eletrônico", "correio electrónico", "endereço de e-mail", "courriel",
        "adresse électronique", "adresse e-mail", "adresse courriel",
    ),
    "unit": (
        "unit", "unit code", "office", "unidad", "código de unidad", "unidad código",
        "oficina", "dependencia", "aduana", "unidade", "código da unidade", "alfândega",
        "unité", "code unité", "code de l'unité", "bureau",
    ),
    "position": (
        "position", "job title", "job", "cargo", "puesto", "puesto de trabajo", "función",
        "função", "poste", "fonction",
    ),
    "preferred_language": (
        "preferred language", "language", "idioma", "idioma preferido", "lengua", "língua",
        "língua preferida", "idioma preferencial", "langue", "langue préférée",
    ),
    "username": (
        "username", "user name", "user", "login", "usuario", "nombre de usuario", "usuário",
        "nome de usuário", "utilizador", "nome de utilizador", "identifiant",
        "nom d'utilisateur",
    ),
}
# fmt: on
"""Accepted headings per column besides the column's own name (``employee_number``...).
Matching applies :func:`normalize_heading` to both sides, so ``Nº de empleado``,
``N.º empleado`` and ``NUMERO_DE_EMPLEADO`` all match ``número de empleado``."""

LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "inglés", "inglês", "anglais"),
    "es": ("spanish", "español", "castellano", "espanhol", "espagnol"),
    "pt-br": ("pt", "portuguese", "portugués", "português", "portugais", "brazilian portuguese"),
    "fr": ("french", "francés", "francês", "français"),
}


# --- Messages ---------------------------------------------------------------------------


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogues. Defined here rather than imported
    from Django, whose ``gettext_noop`` needs configured settings; ``makemessages`` finds
    the calls by name either way."""
    return message


FILE_MESSAGES: dict[str, str] = {
    "empty": gettext_noop("The file is empty."),
    "too_large": gettext_noop("The file is too large ({size} MB). The limit is {limit} MB."),
    "too_large_unpacked": gettext_noop(
        "The workbook is too large once unpacked ({size} MB; the limit is {limit} MB). "
        "Delete unused sheets or save the list as CSV."
    ),
    "not_table": gettext_noop(
        "“{filename}” is not a CSV or Excel (.xlsx) file. Save the list of officers as CSV "
        "or .xlsx and upload it again."
    ),
    "legacy_excel": gettext_noop(
        "“{filename}” is an old Excel (.xls) file, which cannot be read. Open it in Excel "
        "and save it as .xlsx or CSV."
    ),
    "encrypted": gettext_noop(
        "“{filename}” is protected with a password. Save a copy without the password and "
        "upload that."
    ),
    "unreadable_xlsx": gettext_noop(
        "“{filename}” looks like an Excel file but could not be read; it may be damaged. "
        "Open it in Excel, save it again as .xlsx and upload the new copy."
    ),
    "unreadable_csv": gettext_noop(
        "The CSV file could not be read near line {line}. Check the quotation marks there."
    ),
    "too_many_rows": gettext_noop(
        "The file has more than {limit} rows of officers. Split it into smaller files."
    ),
    "no_header": gettext_noop(
        "The file has no row of column headings. The first row must name the columns, "
        "for example: {example}."
    ),
    "no_rows": gettext_noop("The file has column headings but no officers below them."),
    "unknown_columns": gettext_noop(
        "The file has columns this import does not know: {columns}. The accepted columns "
        "are: {accepted}."
    ),
    "missing_columns": gettext_noop("The file is missing required columns: {columns}."),
    "missing_and_unknown_columns": gettext_noop(
        "The file is missing required columns: {columns}. It also has columns this import "
        "does not know: {unknown}; perhaps one of them is a missing column under another "
        "name. The accepted columns are: {accepted}."
    ),
    "duplicate_column": gettext_noop(
        "The columns {columns} are the same column ({column}). Keep only one of them."
    ),
}

ROW_MESSAGES: dict[str, str] = {
    "values_without_heading": gettext_noop(
        "This row has values in columns without a heading ({columns}). If a value contains "
        "the separator (for example a comma in a name), put it in quotation marks."
    ),
    "missing_employee_number": gettext_noop("The employee number is missing."),
    "number_not_officer": gettext_noop(
        "The employee number {number} belongs to someone of this administration who is not "
        "an officer (a manager, for example). Imports and the API change officers only."
    ),
    "missing_full_name": gettext_noop("The full name is missing."),
    "missing_email": gettext_noop("The e-mail address is missing."),
    "bad_email": gettext_noop("“{value}” is not a valid e-mail address."),
    "too_long": gettext_noop(
        "The value in the column “{column}” is too long: {length} characters, at most "
        "{limit} are allowed."
    ),
    "unknown_unit": gettext_noop(
        "There is no unit with the code “{value}” in this administration."
    ),
    "unsupported_language": gettext_noop(
        "“{value}” is not a supported language. Use one of: {allowed}."
    ),
    "bad_username": gettext_noop(
        "“{value}” is not a valid username. Use only letters, digits and the characters "
        ". @ + - _ (no spaces)."
    ),
    "duplicate_employee_number": gettext_noop(
        "The employee number “{value}” is also on line {first_line}. Each officer may appear "
        "only once."
    ),
    "duplicate_email": gettext_noop("The e-mail address “{value}” is also on line {first_line}."),
    "email_taken": gettext_noop(
        "The e-mail address “{value}” already belongs to another user of this administration."
    ),
    "duplicate_username": gettext_noop("The username “{value}” is also on line {first_line}."),
    "username_taken": gettext_noop("The username “{value}” is already taken."),
}


class ImportFileError(ValueError):
    """The whole file is refused.

    ``code`` is a key of :data:`FILE_MESSAGES`; ``template`` its English template;
    ``params`` fill the placeholders; ``message`` is the English text.
    """

    def __init__(self, code: str, **params: Any) -> None:
        if code not in FILE_MESSAGES:
            raise KeyError(f"unknown import file error code {code!r}")
        self.code: str = code
        self.template: str = FILE_MESSAGES[code]
        self.params: dict[str, Any] = params
        self.message: str = self.template.format(**params)
        super().__init__(self.message)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the active language, given a ``gettext`` function."""
        return gettext(self.template).format(**self.params)


# --- Data shapes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    """One non-blank data row: ``values`` has every column of the table (trimmed, ``""``
    when blank); ``unlabelled`` names the spreadsheet columns (``"F"``) where the row has
    values but the heading row has none."""

    line: int
    values: Mapping[str, str]
    unlabelled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """A file read by :func:`read_table`.

    ``columns`` are the recognised columns in file order (names of :data:`COLUMNS`);
    ``headings`` maps each to its heading as written in the file; ``format`` is ``"csv"``
    or ``"xlsx"``; ``encoding`` and ``delimiter`` are set for CSV.
    """

    format: str
    columns: tuple[str, ...]
    headings: Mapping[str, str]
    rows: tuple[TableRow, ...]
    header_line: int = 1
    encoding: str = ""
    delimiter: str = ""


@dataclass(frozen=True, slots=True)
class ExistingOfficer:
    """What the importer needs to know about an officer already in the administration
    (``unit_code`` and ``position`` are ``""`` when unset)."""

    full_name: str
    email: str
    unit_code: str = ""
    position: str = ""
    preferred_language: str = "en"
    username: str = ""


@dataclass(frozen=True, slots=True)
class PlannedOfficer:
    """An officer as the import leaves them.

    For an update or an unchanged row, ``employee_number`` and ``username`` are the stored
    ones, ``previous`` is the stored officer and ``changed`` names the fields that differ
    (in :data:`PLANNED_FIELDS` order). ``unit_code`` is ``""`` for no unit.
    """

    line: int
    employee_number: str
    full_name: str
    email: str
    unit_code: str
    position: str
    preferred_language: str
    username: str
    changed: tuple[str, ...] = ()
    previous: ExistingOfficer | None = None


PLANNED_FIELDS: tuple[str, ...] = (
    "full_name",
    "email",
    "unit_code",
    "position",
    "preferred_language",
)
"""The fields an import can change on an existing officer."""


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """One problem of one row. A row may have several; ``code`` is a key of
    :data:`ROW_MESSAGES` and ``message_template`` its English template."""

    line: int
    code: str
    message_template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The problem in English."""
        return self.message_template.format(**self.params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The problem in the active language, given a ``gettext`` function."""
        return gettext(self.message_template).format(**self.params)


@dataclass(slots=True)
class ImportPlan:
    """What an import would do. ``rejected`` is ordered by line."""

    creates: list[PlannedOfficer] = field(default_factory=list)
    updates: list[PlannedOfficer] = field(default_factory=list)
    unchanged: list[PlannedOfficer] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row is rejected."""
        return not self.rejected

    @property
    def rejected_lines(self) -> list[int]:
        """The lines with at least one problem, in order."""
        return sorted({problem.line for problem in self.rejected})

    def counts(self) -> dict[str, int]:
        """Rows per outcome: ``create``, ``update``, ``unchanged``, ``rejected`` (rows, not
        problems)."""
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": len(self.unchanged),
            "rejected": len({problem.line for problem in self.rejected}),
        }


# --- Text helpers -----------------------------------------------------------------------

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_STRIP = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + _ZERO_WIDTH
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HEADING_STOPWORDS = frozenset(
    {"de", "del", "do", "da", "dos", "das", "du", "des", "d", "l", "la", "le", "of", "the"}
    | {"y", "e", "et", "and"}
)
_NUMBER_WORDS = frozenset({"n", "no", "nr", "nro", "num", "numero", "number"})


def _clean(value: str) -> str:
    return value.strip(_STRIP)


def _fold(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: accents and punctuation go."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", bare).strip()


def normalize_heading(heading: str) -> str:
    """The form headings are compared in (see the module docstring)."""
    words = _fold(heading).split()
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _NUMBER_WORDS:
            # "N.º" folds to "n o": one word.
            if word == "n" and index + 1 < len(words) and words[index + 1] == "o":
                index += 1
            out.append("numero")
        elif word not in _HEADING_STOPWORDS:
            out.append(word)
        index += 1
    return " ".join(out)


def _build_heading_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        for alias in (column, *COLUMN_ALIASES.get(column, ())):
            key = normalize_heading(alias)
            if index.setdefault(key, column) != column:  # pragma: no cover - a coding error
                raise ValueError(f"heading {alias!r} is ambiguous")
    return index


_HEADINGS: dict[str, str] = _build_heading_index()


def _column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _quoted_list(values: Iterable[str]) -> str:
    return ", ".join(f"“{value}”" for value in values)


# --- Reading ----------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"{\\rtf",
    b"\x1f\x8b",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"Rar!",
    b"7z\xbc\xaf",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SEP_LINE = re.compile(r'\A"?sep=([,;\t|])"?[ \t]*(?:\r\n|\r|\n|\Z)', re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Table:
    """Read an uploaded CSV or XLSX file into a :class:`Table`.

    Raises :class:`ImportFileError` when the file is empty, larger than ``max_bytes``,
    neither CSV nor XLSX, has more than ``max_rows`` data rows, is a damaged workbook, has
    no heading row or no data rows, or its headings are unknown, missing or repeated.
    """
    data = bytes(data)
    if not data:
        raise ImportFileError("empty", filename=filename)
    if len(data) > max_bytes:
        raise ImportFileError(
            "too_large",
            filename=filename,
            size=f"{len(data) / 1048576:.1f}",
            limit=f"{max_bytes / 1048576:g}",
        )
    lower_name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, filename, max_bytes=max_bytes, max_rows=max_rows)
    if data.startswith(_OLE_MAGIC):
        if lower_name.endswith((".xlsx", ".xlsm")):
            raise ImportFileError("encrypted", filename=filename)
        if lower_name.endswith(".xls"):
            raise ImportFileError("legacy_excel", filename=filename)
        raise ImportFileError("not_table", filename=filename)
    if data.startswith(_BINARY_MAGIC):
        raise ImportFileError("not_table", filename=filename)
    text, encoding = _decode(data)
    if text and text[-1] == "\x1a":  # DOS end-of-file marker
        text = text.rstrip("\x1a")
    if "\x00" in text or len(_CONTROL.findall(text)) > len(text) // 100:
        raise ImportFileError("not_table", filename=filename)
    if not _clean(text):
        raise ImportFileError("empty", filename=filename)
    if _clean(text).startswith("<"):  # an HTML or XML page saved with a .csv/.xls name
        raise ImportFileError("not_table", filename=filename)
    return _read_csv(text, encoding, filename, max_rows=max_rows)


def _decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 with BOM, else strict UTF-8, else cp1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the first non-blank line: the most frequent of ``;``, tab and ``,``
    outside quotes (ties in that order); ``,`` when there is none."""
    for line in text.splitlines():
        if _clean(line):
            unquoted = _QUOTED.sub("", line)
            counts = [(unquoted.count(sep), -order, sep) for order, sep in enumerate(";\t,")]
            best = max(counts)
            return best[2] if best[0] else ","
    return ","


def _read_csv(text: str, encoding: str, filename: str, *, max_rows: int) -> Table:
    match = _SEP_LINE.match(text)
    if match:
        delimiter = match.group(1)
        text = text[match.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterator[tuple[int, list[str]]]:
        line = 0
        try:
            for record in reader:
                line += 1
                yield line, record
        except csv.Error as error:
            raise ImportFileError("unreadable_csv", filename=filename, line=line + 1) from error

    return _build_table(
        records(), filename, "csv", max_rows=max_rows, encoding=encoding, delimiter=delimiter
    )


def _cell_text(value: Any) -> str:
    """An XLSX cell value as text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, filename: str, *, max_bytes: int, max_rows: int) -> Table:
    lower_name = filename.lower()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        code = "unreadable_xlsx" if lower_name.endswith((".xlsx", ".xlsm")) else "not_table"
        raise ImportFileError(code, filename=filename) from error
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise ImportFileError("not_table", filename=filename)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > 10 * max_bytes:
        raise ImportFileError(
            "too_large_unpacked",
            filename=filename,
            size=f"{unpacked / 1048576:.1f}",
            limit=f"{10 * max_bytes / 1048576:g}",
        )

    import openpyxl  # imported here: CSV imports do not need it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise ImportFileError("unreadable_xlsx", filename=filename) from error
    try:
        if not workbook.worksheets:
            raise ImportFileError("no_header", filename=filename, example=", ".join(COLUMNS[:3]))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there

        def records() -> Iterator[tuple[int, list[str]]]:
            rows = sheet.iter_rows(values_only=True)
            line = 0
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception as error:
                    raise ImportFileError("unreadable_xlsx", filename=filename) from error
                line += 1
                yield line, [_cell_text(value) for value in row]

        return _build_table(records(), filename, "xlsx", max_rows=max_rows)
    finally:
        workbook.close()


def _build_table(
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    fmt: str,
    *,
    max_rows: int,
    encoding: str = "",
    delimiter: str = "",
) -> Table:
    """Find the heading row, map the headings, and collect the non-blank data rows."""
    header: list[str] | None = None
    header_line = 0
    for line, record in records:
        cells = [_clean(cell) for cell in record]
        if any(cells):
            header, header_line = cells, line
            break
    if header is None:
        raise ImportFileError("no_header", filename=filename, example=", ".join(COLUMNS[:3]))

    positions, headings = _map_headings(header, filename)
    columns = tuple(headings)
    width = len(header)
    unnamed = [index for index, cell in enumerate(header) if not cell]
    rows: list[TableRow] = []
    for line, record in records:
        cells = [_clean(cell) for cell in record]
        if not any(cells):
            continue
        if len(rows) >= max_rows:
            raise ImportFileError("too_many_rows", filename=filename, limit=max_rows)
        count = len(cells)
        if count < width:
            cells.extend([""] * (width - count))
        values = {column: cells[index] for column, index in positions}
        stray = [index for index in unnamed if cells[index]]
        if count > width:
            stray.extend(index for index in range(width, count) if cells[index])
        rows.append(
            TableRow(line, values, tuple(_column_letter(index) for index in stray))
            if stray
            else TableRow(line, values)
        )
    if not rows:
        raise ImportFileError("no_rows", filename=filename)
    return Table(
        format=fmt,
        columns=columns,
        headings=headings,
        rows=tuple(rows),
        header_line=header_line,
        encoding=encoding,
        delimiter=delimiter,
    )


def _map_headings(header: list[str], filename: str) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """Map heading cells to columns: ``[(column, index)]`` and ``{column: heading}``."""
    positions: list[tuple[str, int]] = []
    headings: dict[str, str] = {}
    unknown: list[str] = []
    for index, heading in enumerate(header):
        if not heading:
            continue
        column = _HEADINGS.get(normalize_heading(heading))
        if column is None:
            unknown.append(heading)
        elif column in headings:
            raise ImportFileError(
                "duplicate_column",
                filename=filename,
                columns=_quoted_list((headings[column], heading)),
                column=column,
            )
        else:
            headings[column] = heading
            positions.append((column, index))
    if not headings:
        raise ImportFileError("no_header", filename=filename, example=", ".join(COLUMNS[:3]))
    missing = [column for column in REQUIRED_COLUMNS if column not in headings]
    accepted = ", ".join(COLUMNS)
    if missing and unknown:
        raise ImportFileError(
            "missing_and_unknown_columns",
            filename=filename,
            columns=", ".join(missing),
            unknown=_quoted_list(unknown),
            accepted=accepted,
        )
    if missing:
        raise ImportFileError("missing_columns", filename=filename, columns=", ".join(missing))
    if unknown:
        raise ImportFileError(
            "unknown_columns", filename=filename, columns=_quoted_list(unknown), accepted=accepted
        )
    return positions, headings


# --- Planning ---------------------------------------------------------------------------

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"\A{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})\Z"
)
_USERNAME = re.compile(r"\A[\w.@+-]+\Z")
_USERNAME_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def _normalize_email(value: str) -> str | None:
    """The address with its domain lowercased, or ``None`` when it is not valid."""
    if len(value) > MAX_LENGTHS["email"] or value.count("@") != 1:
        return None
    local, domain = value.split("@")
    if len(local) > 64 or "_" in domain:
        return None
    address = f"{local}@{domain.lower()}"
    return address if _EMAIL.match(address) else None


def _language_index(supported: Sequence[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for code in supported:
        index[_fold(code)] = code
        for name in LANGUAGE_NAMES.get(code, ()):
            index[_fold(name)] = code
    return index


def _resolve_language(value: str, index: Mapping[str, str]) -> str | None:
    key = _fold(value)
    if key in index:
        return index[key]
    words = key.split()
    if len(words) == 2 and 2 <= len(words[1]) <= 4 and words[0] in index:  # es-PE, pt_BR
        return index[words[0]]
    return None


def _username_base(email: str) -> str:
    local = email.split("@", 1)[0]
    local = local.split("+", 1)[0] or local  # drop a sub-address tag: ana+lms -> ana
    ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    base = _USERNAME_UNSAFE.sub("", ascii_local)
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    return base[:140] or "officer"


@dataclass(slots=True)
class _Row:
    """A row after the checks that need no other row."""

    line: int
    number: str
    key: str
    full_name: str
    email: str | None
    email_key: str
    unit_code: str
    position: str
    language: str
    username: str
    target: str | None  # the key in ``existing`` when the officer exists
    problems: list[tuple[str, dict[str, Any]]]


def plan_import(
    table: Table,
    *,
    existing: Mapping[str, ExistingOfficer],
    unit_codes: Set[str],
    administration_languages: Sequence[str],
    other_emails: Set[str] = frozenset(),
    taken_usernames: Set[str] = frozenset(),
    administration_usernames: Set[str] = frozenset(),
    supported_languages: Sequence[str] = SUPPORTED_LANGUAGES,
    namespace: str = "",
) -> ImportPlan:
    """Check every row of ``table`` and sort it into creates, updates, unchanged, rejected.

    ``existing`` maps the administration's officers' employee numbers to what is stored;
    ``unit_codes`` are the administration's unit codes; ``administration_languages`` its
    official languages (the first supported one is a new officer's default language);
    ``other_emails`` the addresses of the administration's users missing from
    ``existing`` (no employee number); ``taken_usernames`` every username on the platform
    (usernames are platform-wide); ``administration_usernames`` those of the
    administration's own people (``existing``'s count too); ``supported_languages`` the
    interface languages.

    ``namespace`` (the administration's code in lowercase) ends every username the plan
    creates, chosen or derived (``ana`` becomes ``ana.per``, as the demo's
    ``officer.per``), so an administration only ever competes for names of its own: a
    "taken" answer can never tell it that a name exists in another administration. A
    chosen username that someone of the administration holds is refused as taken; one
    that only someone elsewhere holds (a name made before namespaces, or by a platform
    admin) is refused with the words of any invalid username (``bad_username``). Either
    way no duplicate is created.
    """
    headings = table.headings
    has = {column: column in headings for column in COLUMNS}

    existing_by_key: dict[str, str] = {}
    for number in existing:
        existing_by_key.setdefault(_clean(number).casefold(), number)
    email_owner: dict[str, str] = {}
    for number, officer in existing.items():
        if officer.email:
            email_owner.setdefault(officer.email.casefold(), number)
    foreign_emails = {email.casefold() for email in other_emails}
    units_exact = set(unit_codes)
    units_folded: dict[str, str | None] = {}
    for code in unit_codes:
        folded = code.casefold()
        units_folded[folded] = None if folded in units_folded else code
    languages = _language_index(supported_languages)
    language_cache: dict[str, str] = {}  # cell text -> code ("" when unsupported)
    allowed_languages = ", ".join(supported_languages)
    default_language = next(
        (
            code
            for code in (_resolve_language(lang, languages) for lang in administration_languages)
            if code
        ),
        "en" if "en" in supported_languages else supported_languages[0],
    )

    # Pass 1: each row on its own.
    rows: list[_Row] = []
    for table_row in table.rows:
        values = table_row.values
        problems: list[tuple[str, dict[str, Any]]] = []
        if table_row.unlabelled:
            problems.append(
                ("values_without_heading", {"columns": ", ".join(table_row.unlabelled)})
            )

        number = _clean(values["employee_number"])
        key = ""
        if not number:
            problems.append(("missing_employee_number", {}))
        elif not _too_long("employee_number", number, headings, problems):
            key = number.casefold()
        target = None
        if key:
            target = number if number in existing else existing_by_key.get(key)

        full_name = _SPACES.sub(" ", _clean(values["full_name"]))
        if not full_name:
            problems.append(("missing_full_name", {}))
        else:
            _too_long("full_name", full_name, headings, problems)

        raw_email = _clean(values["email"])
        email = None
        if not raw_email:
            problems.append(("missing_email", {}))
        else:
            email = _normalize_email(raw_email)
            if email is None:
                problems.append(("bad_email", {"value": raw_email}))

        unit_code = ""
        if has["unit"] and (raw_unit := _clean(values["unit"])):
            if raw_unit in units_exact:
                unit_code = raw_unit
            elif resolved := units_folded.get(raw_unit.casefold()):
                unit_code = resolved
            else:
                problems.append(("unknown_unit", {"value": raw_unit}))

        position = ""
        if has["position"] and (position := _SPACES.sub(" ", _clean(values["position"]))):
            _too_long("position", position, headings, problems)

        language = ""
        if has["preferred_language"] and (raw_language := _clean(values["preferred_language"])):
            if raw_language not in language_cache:
                language_cache[raw_language] = _resolve_language(raw_language, languages) or ""
            language = language_cache[raw_language]
            if not language:
                problems.append(
                    ("unsupported_language", {"value": raw_language, "allowed": allowed_languages})
                )

        username = ""
        if has["username"] and target is None and (username := _clean(values["username"])):
            if not _USERNAME.match(username):
                problems.append(("bad_username", {"value": username}))
                username = ""
            elif _too_long(
                "username", username := in_namespace(username, namespace), headings, problems
            ):
                username = ""

        rows.append(
            _Row(
                line=table_row.line,
                number=number,
                key=key,
                full_name=full_name,
                email=email,
                email_key=email.casefold() if email else "",
                unit_code=unit_code,
                position=position,
                language=language,
                username=username,
                target=target,
                problems=problems,
            )
        )

    # Where each existing officer's e-mail goes when their own row is valid by itself.
    moving_to: dict[str, str] = {}
    for row in rows:
        if row.target is not None and row.email and not row.problems:
            moving_to.setdefault(row.target, row.email_key)

    # Pass 2: checks across rows.
    own_usernames = {name.casefold() for name in administration_usernames}
    own_usernames.update(officer.username.casefold() for officer in existing.values())
    reserved = {name.casefold() for name in taken_usernames} | own_usernames
    reserved.discard("")
    first_number: dict[str, int] = {}
    first_email: dict[str, int] = {}
    first_username: dict[str, int] = {}
    for row in rows:
        if row.key:
            first = first_number.setdefault(row.key, row.line)
            if first != row.line:
                row.problems.append(
                    ("duplicate_employee_number", {"value": row.number, "first_line": first})
                )
        if row.email:
            first = first_email.setdefault(row.email_key, row.line)
            if first != row.line:
                row.problems.append(("duplicate_email", {"value": row.email, "first_line": first}))
            elif _email_taken(row, existing, email_owner, moving_to, foreign_emails):
                row.problems.append(("email_taken", {"value": row.email}))
        if row.username and row.target is None:
            folded = row.username.casefold()
            first = first_username.setdefault(folded, row.line)
            if first != row.line:
                row.problems.append(
                    ("duplicate_username", {"value": row.username, "first_line": first})
                )
            elif folded in reserved:
                code = "username_taken" if folded in own_usernames else "bad_username"
                row.problems.append((code, {"value": row.username}))
    reserved.update(first_username)

    # Pass 3: classify.
    plan = ImportPlan()
    suffixes: dict[str, int] = {}
    for row in rows:
        if row.problems:
            plan.rejected.extend(
                RejectedRow(row.line, code, ROW_MESSAGES[code], params)
                for code, params in row.problems
            )
            continue
        assert row.email is not None
        if row.target is None:
            plan.creates.append(
                PlannedOfficer(
                    line=row.line,
                    employee_number=row.number,
                    full_name=row.full_name,
                    email=row.email,
                    unit_code=row.unit_code,
                    position=row.position,
                    preferred_language=row.language or default_language,
                    username=row.username
                    or _unique_username(row.email, reserved, suffixes, namespace),
                )
            )
            continue
        before = existing[row.target]
        after = {
            "full_name": row.full_name,
            "email": row.email,
            "unit_code": row.unit_code or before.unit_code,
            "position": row.position or before.position,
            "preferred_language": row.language or before.preferred_language,
        }
        changed = tuple(name for name in PLANNED_FIELDS if after[name] != getattr(before, name))
        planned = PlannedOfficer(
            line=row.line,
            employee_number=row.target,
            username=before.username,
            changed=changed,
            previous=before,
            **after,
        )
        (plan.updates if changed else plan.unchanged).append(planned)
    return plan


def _too_long(
    column: str,
    value: str,
    headings: Mapping[str, str],
    problems: list[tuple[str, dict[str, Any]]],
) -> bool:
    """Record a ``too_long`` problem when ``value`` exceeds the column's limit."""
    limit = MAX_LENGTHS[column]
    if len(value) <= limit:
        return False
    problems.append(
        ("too_long", {"column": headings[column], "length": len(value), "limit": limit})
    )
    return True


def _email_taken(
    row: _Row,
    existing: Mapping[str, ExistingOfficer],
    email_owner: Mapping[str, str],
    moving_to: Mapping[str, str],
    foreign_emails: Set[str],
) -> bool:
    """Whether the row's address belongs to another user of the administration."""
    if row.target is not None and existing[row.target].email.casefold() == row.email_key:
        return False  # the officer keeps their own address
    if row.email_key in foreign_emails:
        return True
    owner = email_owner.get(row.email_key)
    if owner is None or owner == row.target:
        return False
    return moving_to.get(owner, row.email_key) == row.email_key


def _unique_username(
    email: str, reserved: set[str], suffixes: dict[str, int], namespace: str = ""
) -> str:
    """A username derived from ``email``, in ``namespace``, that is not in ``reserved``
    (which it joins)."""
    ending = f".{namespace}" if namespace else ""
    base = _username_base(email)[: MAX_LENGTHS["username"] - len(ending) - 6]
    candidate = base + ending
    number = suffixes.get(base, 1)
    while candidate.casefold() in reserved:
        number += 1
        candidate = f"{base}{number}{ending}"
    suffixes[base] = number
    reserved.add(candidate.casefold())
    return candidate


def in_namespace(username: str, namespace: str) -> str:
    """``username`` ending with ``.namespace`` (added unless it ends so already)."""
    if not namespace or username.casefold().endswith(f".{namespace.casefold()}"):
        return username
    return f"{username}.{namespace}"
