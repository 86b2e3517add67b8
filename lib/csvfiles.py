"""CSV files that people make and open in spreadsheets (Excel, LibreOffice, Google Sheets).

Reading is forgiving about what spreadsheets do to a file (a byte-order mark,
Windows-1252 from Excel's plain "CSV (Comma delimited)", semicolons where the
decimal separator is a comma, blank trailing rows and columns, headings in
another case) and strict about anything that would lose or misplace data
(binary files, workbooks, unknown or doubled headings, cells beyond the
headings): each problem is one message for the person, saying what to do.

Writing neutralises formula injection (OWASP "CSV Injection"): a cell that
starts with =, +, -, @, tab or carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it. A plain number ("-3",
"+0.5", "-1e3") is left alone: a spreadsheet reads it as that number, with
nothing to run, and an apostrophe would turn it into text. Reading takes
exactly that apostrophe off again, so an exported file uploaded unchanged reads
back as it was written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# A cell a spreadsheet would treat as a formula (OWASP's list). Leading
# apostrophes are part of the pattern so that a value which itself starts with
# "'=" survives the round trip (written "''=", read back "'=").
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
# A signed plain number: what a spreadsheet takes as a number, never a formula.
# Anything more ("-1+2", "-2*A1", "-cmd|' /C calc'!A0") is a formula and is neutralised.
_NUMBER = re.compile(r"[+-](\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Characters no text file has: the file is binary (an image, a PDF, a workbook).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
DELIMITERS = (",", ";", "\t")
SAVE_AS_CSV = "In your spreadsheet, choose Save as (or Download) and then CSV UTF-8."


class CSVFileError(ValueError):
    """The file as a whole cannot be used; each of `problems` tells the person what to do."""

    def __init__(self, *problems: str) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def neutralise(value: str) -> str:
    """The cell as written to a CSV file: formula-like text gets a leading apostrophe."""
    return f"'{value}" if _FORMULA.match(value) and not _NUMBER.fullmatch(value) else value


def restore(value: str) -> str:
    """The cell as read from a CSV file: undo `neutralise` (and only that).

    A number written with an apostrophe ("'-3", as files exported before numbers
    were left alone have it) reads back as the number: no value `neutralise`
    leaves alone starts with an apostrophe followed by a formula character.
    """
    if value.startswith("'") and _FORMULA.match(value, 1):
        return value[1:]
    return value


def write_csv(headings: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headings])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def heading_key(text: str) -> str:
    """A heading as a column name: "Public ID " -> "public_id"."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower().replace("\ufeff", ""))


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark
    are read as such; anything else that is not UTF-8 is read as Windows-1252,
    which is what Excel's plain "CSV" writes on a British Windows computer.
    """
    if data.startswith(_WORKBOOK_SIGNATURES):
        raise CSVFileError(
            f"The file is a spreadsheet workbook (such as .xlsx), not a CSV file. {SAVE_AS_CSV}"
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise CSVFileError(f"The file's characters cannot be read. {SAVE_AS_CSV}") from None
    elif data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise CSVFileError(
                f"The file says it is UTF-8 but some of its characters are not. {SAVE_AS_CSV}"
            ) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise CSVFileError(
                    f"The file is not a CSV file, or its characters cannot be read. {SAVE_AS_CSV}"
                ) from None
    if _BINARY.search(text):
        raise CSVFileError(f"The file is not a CSV file: it holds binary data. {SAVE_AS_CSV}")
    if not text.strip():
        raise CSVFileError("The file is empty. Start from the template, which has the headings.")
    return text, encoding


@dataclass
class Row:
    """One line of data: `number` is the row number a spreadsheet shows (headings are row 1).

    `overflow` counts the cells with something in them beyond the last heading.
    """

    number: int
    cells: dict[str, str]
    overflow: int = 0

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def has(self, column: str) -> bool:
        return column in self.cells


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]
    encoding: str
    letters: dict[str, str] = field(default_factory=dict)

    def letter(self, column: str) -> str:
        return self.letters.get(column, "")


def _delimiter(first_line: str, known: Collection[str]) -> str:
    """The separator that splits the heading row into the most known headings (comma on a tie)."""

    def score(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(heading_key(cell) in known for cell in cells)

    return max(DELIMITERS, key=lambda d: (score(d), d == ","))


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def read_csv(
    data: bytes,
    *,
    known: Collection[str],
    required: Collection[str] = (),
    max_rows: int,
) -> Table:
    """Parse a CSV file whose headings must come from `known` and include `required`.

    Every cell is `restore`d. Blank rows are skipped (row numbers still count
    them, so they match the spreadsheet). Raises CSVFileError for a file that
    cannot be used at all; problems with single cells are for the caller.
    """
    text, encoding = decode(data)
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint:
        # Excel's "sep=;" line says which separator the file uses; Excel does not show it.
        delimiter, text = hint[1], text[hint.end() :]
    else:
        delimiter = _delimiter(text.lstrip("\r\n").split("\n", 1)[0], known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CSVFileError(
            f"The file cannot be read as CSV near line {reader.line_num} ({exc}). Check that "
            "cells with commas, quotes or line breaks are in double quotes. " + SAVE_AS_CSV
        ) from None
    # Blank lines before the headings (some exports start with one) are not rows.
    skipped = 0
    while records and _blank(records[0]):
        records.pop(0)
        skipped += 1
    if not records:
        raise CSVFileError("The file is empty. Start from the template, which has the headings.")
    headings, body = records[0], records[1:]
    columns = _columns(headings, body, known=known, required=required)
    if sum(not _blank(record) for record in body) > max_rows:
        raise CSVFileError(
            f"The file has more than {max_rows:,} rows. Split it into files of up to "
            f"{max_rows:,} rows and upload them one at a time."
        )
    rows: list[Row] = []
    for number, record in enumerate(body, start=skipped + 2):
        if _blank(record):
            continue
        cells = {
            name: restore(record[index]) if index < len(record) else ""
            for index, name in columns.items()
        }
        overflow = sum(1 for cell in record[len(headings) :] if cell.strip())
        rows.append(Row(number=number, cells=cells, overflow=overflow))
    return Table(
        columns=[columns[index] for index in sorted(columns)],
        rows=rows,
        encoding=encoding,
        letters={name: column_letter(index) for index, name in columns.items()},
    )


def _columns(
    headings: list[str],
    body: list[list[str]],
    *,
    known: Collection[str],
    required: Collection[str],
) -> dict[int, str]:
    """Index -> column name, checking the headings; raises CSVFileError listing every problem."""
    problems: list[str] = []
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, heading in enumerate(headings):
        name = heading_key(heading)
        letter = column_letter(index)
        if not name:
            if any(index < len(record) and record[index].strip() for record in body):
                problems.append(f"Column {letter} has no heading: add one, or delete the column.")
            continue
        if name not in known:
            problems.append(
                f"Column {letter} ({heading.strip()}) is not a column we know: check its "
                "spelling against the template, or delete the column."
            )
            continue
        if name in seen:
            problems.append(
                f"The column {name} appears twice (columns {column_letter(seen[name])} and "
                f"{letter}): keep one of them."
            )
            continue
        seen[name] = index
        columns[index] = name
    missing = [name for name in required if name not in seen]
    if missing:
        several = len(missing) > 1
        problems.append(
            f"The file needs the column{'s' if several else ''} {', '.join(missing)}: add "
            f"{'them' if several else 'it'} with the heading exactly as in the template."
        )
    if problems:
        raise CSVFileError(*problems)
    return columns
