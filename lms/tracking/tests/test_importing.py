"""Tests of the pure officer import reader and planner (no database)."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from lms.tracking.importing import (
    COLUMNS,
    FILE_MESSAGES,
    ROW_MESSAGES,
    ExistingOfficer,
    ImportFileError,
    ImportPlan,
    Table,
    normalize_heading,
    plan_import,
    read_table,
)

HEADER = "employee_number,full_name,email,unit,position,preferred_language,username"
UNITS = frozenset({"LIM-01", "CAL-02", "HQ"})


def csv_bytes(*lines: str, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, extra_sheet: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Other").append(["something", "else"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def plan(
    table: Table,
    existing: dict[str, ExistingOfficer] | None = None,
    **kwargs: object,
) -> ImportPlan:
    kwargs.setdefault("unit_codes", UNITS)
    kwargs.setdefault("administration_languages", ["es", "qu"])
    return plan_import(table, existing=existing or {}, **kwargs)  # type: ignore[arg-type]


def file_error(data: bytes, filename: str = "officers.csv", **kwargs: int) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, filename, **kwargs)
    return caught.value


# --- Reading CSV ---------------------------------------------------------------------------


def test_utf8_csv() -> None:
    table = read_table(
        csv_bytes(HEADER, "A-1,José Ñúñez Conceição,jose@aduana.gob.pe,LIM-01,Inspector,es,"),
        "officers.csv",
    )
    assert table.format == "csv"
    assert table.encoding == "utf-8"
    assert table.delimiter == ","
    assert table.columns == COLUMNS
    assert table.header_line == 1
    [row] = table.rows
    assert row.line == 2
    assert row.values["full_name"] == "José Ñúñez Conceição"
    assert row.values["username"] == ""
    assert row.unlabelled == ()


def test_utf8_with_bom() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes("employee_number,full_name,email", "1,Ana Pérez,a@x.org")
    table = read_table(data, "officers.csv")
    assert table.encoding == "utf-8"
    assert table.columns == ("employee_number", "full_name", "email")
    assert table.headings["employee_number"] == "employee_number"
    assert table.rows[0].values["full_name"] == "Ana Pérez"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_csv_keeps_accents(encoding: str) -> None:
    data = csv_bytes(
        "employee_number;full_name;email;position",
        "7;José Ñúñez Conceição;jose@x.org;Técnico – aduanas",
        encoding="cp1252",
    )
    if encoding == "latin-1":
        data = csv_bytes(
            "employee_number;full_name;email",
            "7;José Ñúñez Conceição;jose@x.org",
            encoding=encoding,
        )
    table = read_table(data, "officers.csv")
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.rows[0].values["full_name"] == "José Ñúñez Conceição"
    if encoding == "cp1252":
        assert table.rows[0].values["position"] == "Técnico – aduanas"


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    data = csv_bytes(
        "employee_number,full_name,email", "7,Jos\xe9 \x81,j@x.org", encoding="latin-1"
    )
    table = read_table(data, "officers.csv")
    assert table.encoding == "latin-1"
    assert table.rows[0].values["full_name"] == "José \x81"


def test_semicolon_csv_with_commas_in_values() -> None:
    data = csv_bytes(
        "employee_number;full_name;email;position",
        "10;Pérez Gómez, María;maria@x.org;Inspectora, grado 2",
    )
    table = read_table(data, "officers.csv")
    assert table.delimiter == ";"
    assert table.rows[0].values["full_name"] == "Pérez Gómez, María"
    assert table.rows[0].values["position"] == "Inspectora, grado 2"


def test_tab_separated_utf16_with_bom() -> None:
    data = "employee_number\tfull_name\temail\r\n5\tZoë Ñandú\tz@x.org\r\n".encode("utf-16")
    table = read_table(data, "officers.txt")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows[0].values["full_name"] == "Zoë Ñandú"


def test_excel_sep_line_is_honoured_and_not_counted() -> None:
    data = csv_bytes("sep=;", "employee_number;full_name;email", "1;A, B;a@x.org")
    table = read_table(data, "officers.csv")
    assert table.delimiter == ";"
    assert table.header_line == 1
    assert table.rows[0].line == 2
    assert table.rows[0].values["full_name"] == "A, B"


def test_line_numbers_count_blank_rows_and_records() -> None:
    data = csv_bytes(
        "",
        "employee_number,full_name,email,position",
        '1,Ana,ana@x.org,"Jefa\nde turno"',
        "",
        ",,,",
        "2,Luis,luis@x.org,",
    )
    table = read_table(data, "officers.csv")
    assert table.header_line == 2
    assert [row.line for row in table.rows] == [3, 6]
    assert table.rows[0].values["position"] == "Jefa\nde turno"


def test_values_are_trimmed_and_short_rows_padded() -> None:
    data = csv_bytes(
        " Employee_Number , FULL NAME ,E-mail,Unit", "\u00a0 12 \u200b,  Ana  María ,a@x.org"
    )
    table = read_table(data, "officers.csv")
    assert table.headings == {
        "employee_number": "Employee_Number",
        "full_name": "FULL NAME",
        "email": "E-mail",
        "unit": "Unit",
    }
    assert table.rows[0].values == {
        "employee_number": "12",
        "full_name": "Ana  María",
        "email": "a@x.org",
        "unit": "",
    }


def test_values_beyond_the_headings_are_flagged() -> None:
    data = csv_bytes(
        "employee_number,full_name,,email",
        "1,Ana,,a@x.org",
        "2,Pérez, Luis,l@x.org,",
        "3,Soto, Ana,s@x.org,extra",
    )
    table = read_table(data, "officers.csv")
    assert [row.unlabelled for row in table.rows] == [(), ("C",), ("C", "E")]
    result = plan(table)
    assert [(r.line, r.code, dict(r.params)) for r in result.rejected] == [
        (3, "values_without_heading", {"columns": "C"}),
        (4, "values_without_heading", {"columns": "C, E"}),
    ]
    assert [c.line for c in result.creates] == [2]


def test_csv_content_in_a_file_named_xlsx_is_read_as_csv() -> None:
    table = read_table(csv_bytes("employee_number,full_name,email", "1,A,a@x.org"), "o.xlsx")
    assert table.format == "csv"


# --- Reading XLSX --------------------------------------------------------------------------


def test_xlsx_with_numbers_dates_and_spanish_headings() -> None:
    data = xlsx_bytes(
        [
            ["Número de empleado", "Nombre completo", "Correo electrónico", "Unidad", "Cargo"],
            [12345, "José Ñúñez Conceição", "jose@x.org", "LIM-01", "Oficial"],
            [678.0, "Ana", "ana@x.org", None, date(2024, 5, 31)],
            [],
            ["A-9", "Luis", "luis@x.org", "HQ", datetime(2024, 5, 31, 8, 30)],
            [1.5, "Eva", "eva@x.org", True, None],
        ],
        extra_sheet=True,
    )
    table = read_table(data, "officers.xlsx")
    assert table.format == "xlsx"
    assert table.columns == ("employee_number", "full_name", "email", "unit", "position")
    assert [row.line for row in table.rows] == [2, 3, 5, 6]
    values = [row.values for row in table.rows]
    assert values[0]["employee_number"] == "12345"
    assert values[0]["full_name"] == "José Ñúñez Conceição"
    assert values[1]["employee_number"] == "678"
    assert values[1]["unit"] == ""
    assert values[1]["position"] == "2024-05-31"
    assert values[2]["position"] == "2024-05-31 08:30:00"
    assert values[3]["employee_number"] == "1.5"
    assert values[3]["unit"] == "TRUE"


def test_xlsx_detected_by_content_whatever_the_name() -> None:
    data = xlsx_bytes([["employee_number", "full_name", "email"], [1, "A", "a@x.org"]])
    assert read_table(data, "officers.csv").format == "xlsx"
    assert read_table(data, "upload").format == "xlsx"


def test_xlsx_plans_like_csv() -> None:
    data = xlsx_bytes([["employee_number", "full_name", "email"], [1001, "Ana", "Ana@X.org"]])
    result = plan(read_table(data, "officers.xlsx"))
    [created] = result.creates
    assert (created.line, created.employee_number, created.email) == (2, "1001", "Ana@x.org")


# --- Headings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("Número de empleado", "employee_number"),
        ("N.º de empleado", "employee_number"),
        ("Nº empleado", "employee_number"),
        ("NRO. DE EMPLEADO", "employee_number"),
        ("numero_de_empleado", "employee_number"),
        ("Employee No.", "employee_number"),
        ("Matrícula", "employee_number"),
        ("Numéro d’employé", "employee_number"),
        ("Nombre completo", "full_name"),
        ("Nombres y apellidos", "full_name"),
        ("Nome completo", "full_name"),
        ("Nom et prénom", "full_name"),
        ("Correo", "email"),
        ("Correo electrónico", "email"),
        ("E-mail", "email"),
        ("Courriel", "email"),
        ("Unidad", "unit"),
        ("Código de unidad", "unit"),
        ("Unité", "unit"),
        ("Cargo", "position"),
        ("Puesto", "position"),
        ("Função", "position"),
        ("Idioma", "preferred_language"),
        ("Langue préférée", "preferred_language"),
        ("Usuario", "username"),
        ("Nombre de usuario", "username"),
        ("Nom d'utilisateur", "username"),
        ("preferred_language", "preferred_language"),
    ],
)
def test_heading_aliases(heading: str, column: str) -> None:
    data = csv_bytes(f"employee_number,full_name,email,{heading}", "1,A,a@x.org,x")
    if column in ("employee_number", "full_name", "email"):
        others = [c for c in ("employee_number", "full_name", "email") if c != column]
        data = csv_bytes(f'"{heading}",{others[0]},{others[1]}', "x,y,z@x.org")
    table = read_table(data, "o.csv")
    assert column in table.columns
    assert table.headings[column] == heading


def test_spanish_csv_end_to_end() -> None:
    data = csv_bytes(
        "Número de empleado;Nombre completo;Correo;Unidad;Cargo;Idioma;Usuario",
        "100;María Quispe Mamani;maria@sunat.gob.pe;lim-01;Especialista;Español;mquispe",
        encoding="cp1252",
    )
    result = plan(read_table(data, "funcionarios.csv"))
    [created] = result.creates
    assert created.unit_code == "LIM-01"
    assert created.preferred_language == "es"
    assert created.username == "mquispe"
    assert normalize_heading("N.º de Empleado") == normalize_heading("numero empleado")


def test_unknown_columns() -> None:
    error = file_error(csv_bytes("employee_number,full_name,email,Salary,Fecha", "1,A,a@x.org,1,2"))
    assert error.code == "unknown_columns"
    assert error.params["columns"] == "“Salary”, “Fecha”"
    assert "employee_number, full_name, email, unit" in error.params["accepted"]
    assert "Salary" in error.message


def test_missing_columns() -> None:
    error = file_error(csv_bytes("employee_number,unidad", "1,LIM-01"))
    assert error.code == "missing_columns"
    assert error.params["columns"] == "full_name, email"


def test_missing_and_unknown_columns() -> None:
    error = file_error(csv_bytes("employee_number,full_name,correo_electronico_2", "1,A,a@x.org"))
    assert error.code == "missing_and_unknown_columns"
    assert error.params["columns"] == "email"
    assert error.params["unknown"] == "“correo_electronico_2”"


def test_duplicate_column() -> None:
    error = file_error(csv_bytes("employee_number,full_name,email,Correo", "1,A,a@x.org,b@x.org"))
    assert error.code == "duplicate_column"
    assert error.params == {
        "filename": "officers.csv",
        "columns": "“email”, “Correo”",
        "column": "email",
    }


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes("1,José,jose@x.org", "2,Ana,ana@x.org"),
        csv_bytes("", "  ", ",,"),
    ],
    ids=["data-without-headings", "blank-rows-only"],
)
def test_no_header(data: bytes) -> None:
    assert file_error(data).code == "no_header"


def test_no_header_in_empty_workbook() -> None:
    assert file_error(xlsx_bytes([]), "o.xlsx").code == "no_header"


def test_headings_without_rows() -> None:
    assert file_error(csv_bytes("employee_number,full_name,email", "", ",,")).code == "no_rows"


# --- Refused files -------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n \n"])
def test_empty(data: bytes) -> None:
    assert file_error(data).code == "empty"


def test_too_large() -> None:
    data = csv_bytes("employee_number,full_name,email", "1,A,a@x.org")
    error = file_error(data + b" " * 2_000_000, max_bytes=1_048_576)
    assert error.code == "too_large"
    assert error.params["size"] == "1.9"
    assert error.params["limit"] == "1"
    assert error.message == "The file is too large (1.9 MB). The limit is 1 MB."


def test_unpacked_workbook_too_large() -> None:
    data = zip_bytes({"xl/workbook.xml": b"x", "xl/sharedStrings.xml": b"a" * 300_000})
    error = file_error(data, "o.xlsx", max_bytes=20_000)
    assert error.code == "too_large_unpacked"


def test_too_many_rows() -> None:
    lines = ["employee_number,full_name,email"] + [f"{n},N{n},n{n}@x.org" for n in range(3)]
    assert len(read_table(csv_bytes(*lines), "o.csv", max_rows=3).rows) == 3
    error = file_error(csv_bytes(*lines), max_rows=2)
    assert (error.code, error.params["limit"]) == ("too_many_rows", 2)
    data = xlsx_bytes([["employee_number", "full_name", "email"], [1, "a", "a@x.org"]] * 3)
    assert file_error(data, "o.xlsx", max_rows=4).code == "too_many_rows"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a.pdf", None),
        (b"%PDF-1.4 officers", "officers.csv", None),
        (zip_bytes({"word/document.xml": b"<w:document/>"}), "officers.docx", None),
        (zip_bytes({"readme.txt": b"hello"}), "officers.zip", None),
        (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "o.ods", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "o.png", None),
        (bytes(range(256)) * 8, "officers.csv", None),
        (bytes((n * 37 + 11) % 256 for n in range(4000) if (n * 37 + 11) % 256), "o.csv", None),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "o.xls", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "officers.xls", "legacy_excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "officers.xlsx", "encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "officers.doc", None),
        (zip_bytes({"xl/workbook.xml": b"not xml"}), "officers.xlsx", "unreadable_xlsx"),
        (b"PK\x03\x04 truncated", "officers.xlsx", "unreadable_xlsx"),
        (b"PK\x03\x04 truncated", "officers.bin", None),
    ],
    ids=[
        "pdf",
        "pdf-named-csv",
        "docx",
        "zip",
        "ods",
        "png",
        "binary",
        "binary-without-nul",
        "html",
        "xls",
        "encrypted-xlsx",
        "doc",
        "damaged-xlsx",
        "truncated-xlsx",
        "truncated-zip",
    ],
)
def test_not_a_table(data: bytes, filename: str, code: str | None) -> None:
    error = file_error(data, filename)
    assert error.code == (code or "not_table")
    assert error.params["filename"] == filename
    assert filename in error.message


def test_unreadable_csv() -> None:
    data = csv_bytes("employee_number,full_name,email", "1,A,a@x.org", "2," + "x" * 200_000)
    error = file_error(data)
    assert (error.code, error.params["line"]) == ("unreadable_csv", 3)


# --- Rejections ----------------------------------------------------------------------------


def test_every_rejection_reason_with_its_line() -> None:
    existing = {
        "E-1": ExistingOfficer("Uno", "uno@x.org", username="uno"),
        "E-2": ExistingOfficer("Dos", "dos@x.org", username="dos"),
    }
    lines = [
        HEADER,  # 1
        "N-1,Ana,ana@x.org,LIM-01,,es,",  # 2 fine
        ",Sin Número,sin@x.org,,,,",  # 3
        "N-3,,noname@x.org,,,,",  # 4
        "N-4,Sin Correo,,,,,",  # 5
        "N-5,Mal Correo,mal@correo,,,,",  # 6
        "N-6,Unidad Rara,rara@x.org,NOPE,,,",  # 7
        "N-7,Idioma Raro,idioma@x.org,,,klingon,",  # 8
        "n-1,Ana Bis,ana2@x.org,,,,",  # 9 duplicate of line 2 (case ignored)
        "N-9,Otra Ana,ANA@x.org,,,,",  # 10 duplicate e-mail of line 2
        "N-10,Roba Correo,uno@x.org,,,,",  # 11 e-mail of E-1
        "N-11," + "x" * 201 + ",largo@x.org,,,,",  # 12
        "N-12,Cargo Largo,cargo@x.org,," + "p" * 201 + ",,",  # 13
        "E" * 65 + ",Número Largo,numero@x.org,,,,",  # 14
        "N-14,Usuario Malo,malo@x.org,,,,mal usuario",  # 15
        "N-15,Usuario Tomado,tomado@x.org,,,,DOS",  # 16
        "N-16,Usuario Uno,u1@x.org,,,,nuevo",  # 17
        "N-17,Usuario Dos,u2@x.org,,,,Nuevo",  # 18 duplicate username
        "N-18,Extra,extra@x.org,,,,,sobra",  # 19 value without heading
        "N-19,Externo,jefe@x.org,,,,",  # 20 e-mail of a user without employee number
        "N-20,Usuario Largo,ul@x.org,,,," + "u" * 151,  # 21
    ]
    result = plan(
        read_table(csv_bytes(*lines), "o.csv"),
        existing,
        other_emails={"Jefe@X.org"},
    )
    got = [(r.line, r.code, dict(r.params)) for r in result.rejected]
    assert got == [
        (3, "missing_employee_number", {}),
        (4, "missing_full_name", {}),
        (5, "missing_email", {}),
        (6, "bad_email", {"value": "mal@correo"}),
        (7, "unknown_unit", {"value": "NOPE"}),
        (8, "unsupported_language", {"value": "klingon", "allowed": "en, es, pt-br, fr"}),
        (9, "duplicate_employee_number", {"value": "n-1", "first_line": 2}),
        (10, "duplicate_email", {"value": "ANA@x.org", "first_line": 2}),
        (11, "email_taken", {"value": "uno@x.org"}),
        (12, "too_long", {"column": "full_name", "length": 201, "limit": 200}),
        (13, "too_long", {"column": "position", "length": 201, "limit": 200}),
        (14, "too_long", {"column": "employee_number", "length": 65, "limit": 64}),
        (15, "bad_username", {"value": "mal usuario"}),
        (16, "username_taken", {"value": "DOS"}),
        (18, "duplicate_username", {"value": "Nuevo", "first_line": 17}),
        (19, "values_without_heading", {"columns": "H"}),
        (20, "email_taken", {"value": "jefe@x.org"}),
        (21, "too_long", {"column": "username", "length": 151, "limit": 150}),
    ]
    # Every reason but the one the ORM layer adds (a number held by a non-officer, which
    # the pure planner cannot know: see lms/tracking/tests/test_officers.py).
    assert {r.code for r in result.rejected} == set(ROW_MESSAGES) - {"number_not_officer"}
    assert not result.ok
    assert [c.line for c in result.creates] == [2, 17]
    assert result.counts() == {"create": 2, "update": 0, "unchanged": 0, "rejected": 18}
    assert result.rejected_lines == [*range(3, 17), *range(18, 22)]
    for rejected in result.rejected:
        assert rejected.message_template == ROW_MESSAGES[rejected.code]
        assert "{" not in rejected.message
    assert result.rejected[8].message == (
        "The e-mail address “uno@x.org” already belongs to another user of this administration."
    )
    spanish = {
        ROW_MESSAGES["duplicate_employee_number"]: "El número de empleado «{value}» también "
        "está en la línea {first_line}. Cada funcionario puede figurar una sola vez."
    }
    assert result.rejected[6].translated(lambda s: spanish.get(s, s)) == (
        "El número de empleado «n-1» también está en la línea 2. Cada funcionario puede "
        "figurar una sola vez."
    )


def test_a_row_reports_all_its_problems() -> None:
    table = read_table(csv_bytes(HEADER, ",,bad,NOPE,,xx,"), "o.csv")
    result = plan(table)
    assert [r.code for r in result.rejected] == [
        "missing_employee_number",
        "missing_full_name",
        "bad_email",
        "unknown_unit",
        "unsupported_language",
    ]
    assert result.counts()["rejected"] == 1


def test_too_long_names_the_heading_as_written() -> None:
    data = csv_bytes("Número de empleado;Nombre completo;Correo", "1;" + "n" * 201 + ";a@x.org")
    [rejected] = plan(read_table(data, "o.csv")).rejected
    assert rejected.params["column"] == "Nombre completo"


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("ana.perez@aduana.gob.pe", True),
        ("ana+lms@x.co", True),
        ("o'brien@x.ie", True),
        ("ana@correo.aduanas.gov.br", True),
        ("ana@xn--aduan-rta.pe", True),
        ("ana@aduaña.pe", True),
        ("ana", False),
        ("ana@", False),
        ("@x.org", False),
        ("ana@x", False),
        ("ana@@x.org", False),
        ("ana@x@y.org", False),
        ("ana pérez@x.org", False),
        ("josé@x.org", False),
        (".ana@x.org", False),
        ("ana..b@x.org", False),
        ("ana@-x.org", False),
        ("ana@x_y.org", False),
        ("ana@x.o", False),
        ("ana@x.123", False),
        ("a" * 65 + "@x.org", False),
        ("a@" + ".".join(["b" * 60] * 4) + ".org", True),  # 249 characters
        ("a@" + ".".join(["b" * 60] * 5) + ".org", False),  # 310 characters
    ],
)
def test_email_validation(email: str, valid: bool) -> None:
    table = read_table(csv_bytes("employee_number\tfull_name\temail", f"1\tA\t{email}"), "o.csv")
    result = plan(table)
    assert result.ok is valid
    if not valid:
        assert [r.code for r in result.rejected] == ["bad_email"]


# --- Classification ------------------------------------------------------------------------


def test_create_update_unchanged() -> None:
    existing = {
        "AB-1": ExistingOfficer("Ana Pérez", "ana@x.org", "LIM-01", "Inspectora", "es", "ana"),
        "AB-2": ExistingOfficer("Luis Soto", "luis@x.org", "LIM-01", "Jefe", "es", "lsoto"),
        "AB-3": ExistingOfficer("Eva Ríos", "eva@x.org", "", "", "en", "eva"),
        "AB-4": ExistingOfficer("Not In File", "nif@x.org", username="nif"),
    }
    data = csv_bytes(
        HEADER,
        "AB-1,Ana Pérez,ana@x.org,LIM-01,Inspectora,es,",  # unchanged
        "ab-2,Luis  Soto Vera,luis@X.ORG,cal-02,,pt-BR,otro",  # update; blank position kept
        "AB-3,Eva Ríos,eva@x.org,,,,",  # unchanged: blanks never erase
        "AB-5,Nueva Persona,nueva@x.org,,,,",  # create
    )
    result = plan(read_table(data, "o.csv"), existing)
    assert result.ok
    assert result.counts() == {"create": 1, "update": 1, "unchanged": 2, "rejected": 0}
    [update] = result.updates
    assert update.line == 3
    assert update.employee_number == "AB-2"  # the stored spelling
    assert update.username == "lsoto"  # an import never renames
    assert update.changed == ("full_name", "unit_code", "preferred_language")
    assert (update.full_name, update.email, update.unit_code) == (
        "Luis Soto Vera",
        "luis@x.org",
        "CAL-02",
    )
    assert (update.position, update.preferred_language) == ("Jefe", "pt-br")
    assert update.previous == existing["AB-2"]
    assert [u.line for u in result.unchanged] == [2, 4]
    assert result.unchanged[1].unit_code == ""
    [create] = result.creates
    assert create.employee_number == "AB-5"
    assert create.preferred_language == "es"  # the administration's first supported language
    assert (create.unit_code, create.position, create.username) == ("", "", "nueva")
    assert create.changed == ()
    assert create.previous is None


def test_email_case_change_is_an_update() -> None:
    existing = {"1": ExistingOfficer("Ana", "ana@x.org", username="ana")}
    data = csv_bytes("employee_number,full_name,email", "1,Ana,Ana@x.org")
    [update] = plan(read_table(data, "o.csv"), existing).updates
    assert update.changed == ("email",)


def test_default_language() -> None:
    data = csv_bytes("employee_number,full_name,email", "1,A,a@x.org")
    table = read_table(data, "o.csv")
    assert plan(table, administration_languages=["qu", "fr"]).creates[0].preferred_language == "fr"
    assert plan(table, administration_languages=["ay"]).creates[0].preferred_language == "en"
    assert plan(table, administration_languages=[]).creates[0].preferred_language == "en"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("ES", "es"),
        ("es-PE", "es"),
        ("pt_BR", "pt-br"),
        ("pt", "pt-br"),
        ("pt-PT", "pt-br"),
        ("PT-BR", "pt-br"),
        ("Français", "fr"),
        ("inglés", "en"),
        ("Castellano", "es"),
        ("portugues", "pt-br"),
        ("English", "en"),
    ],
)
def test_language_values(value: str, code: str) -> None:
    data = csv_bytes("employee_number,full_name,email,idioma", f"1,A,a@x.org,{value}")
    assert plan(read_table(data, "o.csv")).creates[0].preferred_language == code


def test_language_outside_the_supported_ones() -> None:
    data = csv_bytes("employee_number,full_name,email,idioma", "1,A,a@x.org,fr")
    result = plan(read_table(data, "o.csv"), supported_languages=["en", "es"])
    assert [(r.code, r.params["allowed"]) for r in result.rejected] == [
        ("unsupported_language", "en, es")
    ]


def test_email_swap_between_existing_officers_is_allowed() -> None:
    existing = {
        "1": ExistingOfficer("Ana", "a@x.org", username="ana"),
        "2": ExistingOfficer("Bea", "b@x.org", username="bea"),
        "3": ExistingOfficer("Cid", "c@x.org", username="cid"),
        "4": ExistingOfficer("Dan", "shared@x.org", username="dan"),
        "5": ExistingOfficer("Eli", "shared@x.org", username="eli"),
    }
    data = csv_bytes(
        "employee_number,full_name,email",
        "1,Ana,b@x.org",
        "2,Bea,a@x.org",
        "6,Fay,c@x.org",  # Cid keeps c@x.org: taken
        "4,Dan,shared@x.org",  # keeps an address shared already: fine
    )
    result = plan(read_table(data, "o.csv"), existing)
    assert [(r.line, r.code) for r in result.rejected] == [(4, "email_taken")]
    assert [u.employee_number for u in result.updates] == ["1", "2"]
    assert [u.employee_number for u in result.unchanged] == ["4"]


def test_derived_usernames_are_unique() -> None:
    existing = {"1": ExistingOfficer("Ana", "ana@x.org", username="ana")}
    data = csv_bytes(
        "employee_number,full_name,email,username",
        "2,Ana Dos,ana@y.org,",  # ana taken by an officer -> ana2
        "3,Ana Tres,ANA@z.org,",  # -> ana3 (ana2 from the line above)
        "4,José Ñúñez,José.Ñúñez+lms@x.org,",  # bad e-mail: non-ASCII local part
        "5,Jose Nunez,Jose..Nunez+LMS@x.org,",  # bad e-mail: double dot
        "6,Jo,Jo.Ann_1-x+lms@x.org,",
        "7,Root,root@x.org,",  # root is taken on the platform -> root2
        "8,Zed,zed@x.org,",  # zed given later in the file -> zed2
        "9,Zed Given,zed2@x.org,ZED",
        "10,Under,___@x.org,",  # nothing usable -> officer
    )
    result = plan(read_table(data, "o.csv"), existing, taken_usernames={"Root"})
    assert [r.line for r in result.rejected] == [4, 5]
    assert [(c.line, c.username) for c in result.creates] == [
        (2, "ana2"),
        (3, "ana3"),
        (6, "jo.ann_1-x"),
        (7, "root2"),
        (8, "zed2"),
        (9, "ZED"),
        (10, "officer"),
    ]


def test_username_cell_is_ignored_for_existing_officers() -> None:
    existing = {"1": ExistingOfficer("Ana", "ana@x.org", username="ana")}
    data = csv_bytes("employee_number,full_name,email,username", "1,Ana,ana@x.org,not valid!")
    result = plan(read_table(data, "o.csv"), existing, taken_usernames={"not valid!"})
    assert result.ok
    assert result.unchanged[0].username == "ana"


def test_unit_codes_case() -> None:
    data = csv_bytes("employee_number,full_name,email,unit", "1,A,a@x.org,lim-01", "2,B,b@x.org,Hq")
    result = plan(read_table(data, "o.csv"))
    assert [c.unit_code for c in result.creates] == ["LIM-01", "HQ"]
    data = csv_bytes(
        "employee_number,full_name,email,unit", "1,A,a@x.org,ab", "2,B,b@x.org,AB", "3,C,c@x.org,Ab"
    )
    result = plan(read_table(data, "o.csv"), unit_codes={"AB", "ab"})
    assert [c.unit_code for c in result.creates] == ["ab", "AB"]
    assert [(r.line, r.code) for r in result.rejected] == [(4, "unknown_unit")]  # ambiguous


# --- Messages ------------------------------------------------------------------------------


def test_messages_are_complete_templates() -> None:
    for code in FILE_MESSAGES:
        assert ImportFileError(code, **_sample_params(FILE_MESSAGES[code])).code == code
    with pytest.raises(KeyError):
        ImportFileError("nope")
    error = ImportFileError("too_many_rows", limit=5)
    assert error.translated(lambda s: s.replace("rows", "filas")) == (
        "The file has more than 5 filas of officers. Split it into smaller files."
    )


def _sample_params(template: str) -> dict[str, str]:
    import string

    return {name: "x" for _, name, _, _ in string.Formatter().parse(template) if name}


# --- Speed ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_fifty_thousand_rows(capsys: pytest.CaptureFixture[str]) -> None:
    count = 50_000
    units = sorted(UNITS)
    existing = {
        f"EMP{n:06d}": ExistingOfficer(
            f"Funcionario Número {n}",
            f"func{n}@aduana.gob.pe",
            units[n % 3],
            "Oficial",
            "es",
            f"func{n}",
        )
        for n in range(0, count, 2)
    }
    lines = ["Número de empleado;Nombre completo;Correo;Unidad;Cargo;Idioma"]
    for n in range(count):
        position = "Oficial" if n % 4 else "Especialista"  # every 4th existing one changes
        lines.append(
            f"EMP{n:06d};Funcionario Número {n};func{n}@aduana.gob.pe;{units[n % 3]};{position};es"
        )
    data = "\n".join(lines).encode("utf-8")

    start = time.perf_counter()
    table = read_table(data, "officers.csv")
    parsed = time.perf_counter()
    result = plan_import(
        table,
        existing=existing,
        unit_codes=UNITS,
        administration_languages=["es"],
        taken_usernames={f"user{n}" for n in range(count)},
    )
    planned = time.perf_counter()

    assert len(table.rows) == count
    assert result.ok
    assert result.counts() == {
        "create": count // 2,
        "update": count // 4,
        "unchanged": count // 4,
        "rejected": 0,
    }
    assert result.creates[0].username == "func1"
    assert result.updates[0].changed == ("position",)
    with capsys.disabled():
        print(
            f"\n50,000 rows: read {parsed - start:.2f} s, planned {planned - parsed:.2f} s, "
            f"total {planned - start:.2f} s"
        )
