"""Existing survey data from a spreadsheet (CSV or XLSX): read, map, preview, import.

Upload -> the file is read (nothing stored) -> each column is mapped to one of the
survey's questions or ignored (guessed from its heading) -> the first rows are shown as
they would be stored -> the import: every usable row goes through
actions.do_record_response (mode "imported"), the one function that turns answers
into a Response, each in its own transaction, so a row is stored whole or not at all;
every row it could not use is reported with its row number and the reason. The run is
audited once ("survey.imported") and recorded as a SurveyImport (who, when, the rows
imported and refused).

Between the steps the file travels back to the browser in the form, signed (it cannot
be altered), compressed, bound to the coordinator and the survey, and usable for an
hour, as the directory's spreadsheet import holds its files: nothing of it is kept on
the server, before or after (no session row or temporary table to clean up, and no
personal data left behind if someone puts some in a column by mistake). The sealed
file carries a one-time nonce: the import uses it up (SurveyImport.token_hash, unique,
so one process wins), and the same file posted again imports nothing.

The spreadsheet's own layout is free: one column per question, and for the kinds of
activity and the barriers either one yes/no column per choice or one column listing
the choices ticked ("Walking; Arts and crafts"), as survey tools export them.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.casework.choices import Disability, EthnicGroup, Sex
from inspiring.measures import library
from lib.actions import ActionRefused
from lib.csvfiles import CSVFileError, column_letter, decode, restore

from .actions import SurveyRefused, build_response, do_record_response
from .choices import AgeBand, Aspect, Mode, SectionKind, SurveyBarrier
from .models import Response, Survey, SurveyImport

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
PREVIEW_ROWS = 5
HOLD_SECONDS = 60 * 60
EMPTY = "The file is empty: it needs a row of headings and a row per response."
IGNORE = "ignore"  # the mapping's "Ignore this column"
XLSX_SIGNATURE = b"PK\x03\x04"
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
SAVE_AS = "In your spreadsheet, choose Save as (or Download) and then CSV UTF-8 or Excel (.xlsx)."

YES = {"1", "yes", "y", "true", "x", "ticked", "checked", "selected", "\u2713", "\u2714"}
NO = {"", "0", "no", "n", "false", "not ticked", "unticked"}
LIST_SEPARATORS = re.compile(r"[;|\n]|,(?!\s*\d)")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")


class ImportFileError(CSVFileError):
    """The file as a whole cannot be used; `problems` tell the person what to do."""


class HoldError(Exception):
    """The held file cannot be used; str(error) says what to do."""


class AlreadyImported(HoldError):
    """The held file has been imported already (its nonce is used up)."""

    def __init__(self, record: SurveyImport) -> None:
        self.record = record
        when = timezone.localtime(record.imported_at)
        super().__init__(
            f"This file was already imported on {when:%-d %B %Y} at {when:%H:%M}: nothing "
            "was imported this time. To import more responses, upload a new file."
        )


# --- Reading -----------------------------------------------------------------------


@dataclass
class Sheet:
    """The spreadsheet as text: headings, and each data row with the row number a
    spreadsheet shows it at (headings are row 1)."""

    filename: str
    headings: list[str]
    rows: list[tuple[int, list[str]]]
    # One-time: made when the file is sealed, used up by its import.
    nonce: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "headings": self.headings,
            "rows": self.rows,
            "nonce": self.nonce,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sheet:
        return cls(
            filename=str(data["filename"]),
            headings=[str(h) for h in data["headings"]],
            rows=[(int(n), [str(c) for c in cells]) for n, cells in data["rows"]],
            nonce=str(data.get("nonce", "")),
        )

    @property
    def token_hash(self) -> str:
        return hashlib.sha256(self.nonce.encode()).hexdigest()

    def column_name(self, index: int) -> str:
        heading = self.headings[index].strip() or "no heading"
        return f"column {column_letter(index)} ({heading})"


def _blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _sheet(filename: str, records: list[list[str]]) -> Sheet:
    skipped = 0
    while records and _blank(records[0]):
        records.pop(0)
        skipped += 1
    if not records:
        raise ImportFileError(
            "The file is empty: it needs a row of headings and a row per response."
        )
    width = max(len(cells) for cells in records)
    headings = [h.strip().lstrip("\ufeff") for h in records[0]]
    headings += [""] * (width - len(headings))
    data = records[1:]
    unnamed = [
        column_letter(i)
        for i, heading in enumerate(headings)
        if not heading and any(i < len(cells) and cells[i].strip() for cells in data)
    ]
    if unnamed:
        raise ImportFileError(
            f"Column {', '.join(unnamed)} has answers but no heading: add a heading, or "
            "delete the column."
        )
    # Blank columns on the right (no heading, nothing under it) are no columns.
    while headings and not headings[-1]:
        headings.pop()
    if not headings:
        raise ImportFileError("The first row of the file needs the questions' headings.")
    body = [
        (number, [*cells[: len(headings)], *[""] * (len(headings) - len(cells))])
        for number, cells in enumerate(records[1:], start=skipped + 2)
        if not _blank(cells)
    ]
    if not body:
        raise ImportFileError("The file has headings but no responses under them.")
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(body):,} responses: at most {MAX_ROWS:,} can be imported at "
            "once. Split it into smaller files and import them one at a time."
        )
    return Sheet(filename=filename[:200], headings=headings, rows=body)


def _read_csv(filename: str, data: bytes) -> Sheet:
    text, _ = decode(data)
    first = text.lstrip("\r\n").split("\n", 1)[0]
    # The separator that splits the heading row into the most cells (comma on a tie).
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = [[restore(cell) for cell in record] for record in reader]
    except csv.Error as error:
        raise ImportFileError(
            f"The file cannot be read as CSV near line {reader.line_num} ({error}). Check that "
            f"cells with commas, quotes or line breaks are in double quotes. {SAVE_AS}"
        ) from None
    return _sheet(filename, records)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(filename: str, data: bytes) -> Sheet:
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    try:
        # read_only streams the rows; data_only gives a formula's last value, never the
        # formula (nothing in the file is evaluated).
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(
            f"The file cannot be read as an Excel workbook: it may be damaged. {SAVE_AS}"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        records: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            records.append([_cell_text(v) for v in values])
            if len(records) > MAX_ROWS + 50:
                # Beyond the limit already (blank rows aside): stop reading a huge sheet.
                break
    finally:
        workbook.close()
    return _sheet(filename, records)


def read_upload(filename: str, data: bytes) -> Sheet:
    """An uploaded file as a Sheet; raises ImportFileError when it cannot be used."""
    if not data:
        raise ImportFileError(
            "The file is empty: it needs a row of headings and a row per response."
        )
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
            "files and import them one at a time."
        )
    if data.startswith(OLD_EXCEL_SIGNATURE):
        raise ImportFileError(
            "The file is an old Excel workbook (.xls), which cannot be read. " + SAVE_AS
        )
    if data.startswith(XLSX_SIGNATURE):
        return _read_xlsx(filename, data)
    try:
        return _read_csv(filename, data)
    except ImportFileError:
        raise
    except CSVFileError as error:
        raise ImportFileError(*error.problems) from None


# --- The questions a column may answer -----------------------------------------------


@dataclass(frozen=True)
class Target:
    """A question (or one choice of one) a column can be mapped to."""

    key: str
    label: str
    group: str
    hint: str = ""
    # Normalised headings that mean this target, for the guesses.
    names: tuple[str, ...] = ()


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _choices_hint(choices: Sequence[tuple[str, str]]) -> str:
    return "One of: " + "; ".join(label for _, label in choices)


ASPECT_WORDS = {
    Aspect.KNOWS: ("know", "Know of"),
    Aspect.USES: ("go", "Go to"),
    Aspect.WANTS: ("like", "Would like"),
}


def targets(survey: Survey) -> list[Target]:
    """Everything a column of this survey's spreadsheet can be mapped to, in the
    survey's order."""
    sections = list(survey.sections.all())
    kinds = {s.kind for s in sections}
    found: list[Target] = []
    if SectionKind.CATEGORIES in kinds:
        categories = list(survey.categories.order_by("position"))
        for aspect, (word, title) in ASPECT_WORDS.items():
            group = f"Kinds of activity: {title.lower()}"
            found.append(
                Target(
                    f"{aspect}",
                    f"{title}: the kinds ticked, listed in one column",
                    group,
                    "Kinds separated by semicolons, as their names are in the survey",
                    (_norm(aspect), _norm(title)),
                )
            )
            for c in categories:
                found.append(
                    Target(
                        f"{aspect}:{c.position}",
                        f"{title}: {c.label}",
                        group,
                        "Yes or no (1 or 0, or a tick)",
                        (
                            _norm(f"{title} {c.label}"),
                            _norm(f"{c.label} {word}"),
                            _norm(f"{aspect} {c.label}"),
                        ),
                    )
                )
    if SectionKind.BARRIERS in kinds:
        group = "What makes it hard to go"
        found.append(
            Target(
                "barriers",
                "What makes it hard to go: the barriers ticked, listed in one column",
                group,
                "Barriers separated by semicolons",
                ("barriers", "what makes it hard to go", "what stops you"),
            )
        )
        for code, label in SurveyBarrier.choices:
            found.append(
                Target(
                    f"barrier:{code}",
                    f"Hard to go: {label}",
                    group,
                    "Yes or no (1 or 0, or a tick)",
                    (_norm(label), _norm(code), _norm(f"barrier {code}")),
                )
            )
    for section in sections:
        if section.kind != SectionKind.INSTRUMENT:
            continue
        instrument = library.get(section.instrument_code, section.instrument_version or None)
        if instrument is None:
            continue
        for item in instrument.items:
            found.append(
                Target(
                    f"measure:{instrument.code}:{item.id}",
                    f"{instrument.title}: {item.text}",
                    instrument.title,
                    "The answer's number ("
                    + ", ".join(f"{o.value} {o.label}" for o in item.options[:3])
                    + (", …" if len(item.options) > 3 else "")
                    + ") or its words",
                    (_norm(item.id), _norm(item.text), _norm(f"{instrument.code} {item.id}")),
                )
            )
    if SectionKind.GROUPS in kinds:
        found.append(
            Target(
                "groups_count",
                "How many groups they belong to",
                "Groups",
                "A number from 0 to 100",
                ("groups", "groups count", "number of groups", "how many groups"),
            )
        )
    if SectionKind.DEMOGRAPHICS in kinds:
        for key, label, choices, names in (
            ("age_band", "Age band", AgeBand.choices, ("age", "age band", "age group")),
            ("sex", "Sex", Sex.choices, ("sex", "gender")),
            ("ethnic_group", "Ethnic group", EthnicGroup.choices, ("ethnic group", "ethnicity")),
            (
                "disability",
                "Disability (day-to-day activities limited)",
                Disability.choices,
                ("disability", "disabled", "limited"),
            ),
        ):
            found.append(Target(key, label, "About them", _choices_hint(choices), names))
    if SectionKind.POSTCODE in kinds:
        found.append(
            Target(
                "postcode",
                "Postcode (kept only as the neighbourhood and its deprivation)",
                "Where they live",
                "A full postcode, such as NG17 7AE",
                ("postcode", "post code"),
            )
        )
        found.append(
            Target(
                "lsoa_code",
                "Neighbourhood (LSOA code)",
                "Where they live",
                "An LSOA code, such as E01028063",
                ("lsoa", "lsoa code", "lsoa21cd", "lsoa11cd"),
            )
        )
    found.append(
        Target(
            "submitted_on",
            "Date of the response",
            "The response",
            "A date such as 2026-05-01 or 01/05/2026",
            ("date", "submitted", "submitted on", "completed", "timestamp"),
        )
    )
    return found


def guess(headings: Sequence[str], known: Sequence[Target]) -> list[str]:
    """For each heading, the target its words name, or "" (no guess: the coordinator
    chooses a question or "Ignore"); each target guessed once."""
    by_name: dict[str, str] = {}
    for target in known:
        for name in (_norm(target.key), *target.names):
            by_name.setdefault(name, target.key)
    taken: set[str] = set()
    guesses = []
    for heading in headings:
        if not heading.strip():
            # A column with no heading and nothing in it (else the file was refused).
            guesses.append(IGNORE)
            continue
        key = by_name.get(_norm(heading), "")
        if key in taken:
            key = ""
        if key:
            taken.add(key)
        guesses.append(key)
    return guesses


# --- Turning a row into answers --------------------------------------------------------


class RowProblem(ValueError):
    pass


def _yes(value: str, where: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowProblem(f"{where}: “{value.strip()}” is not yes or no")


def _choice(value: str, choices: Sequence[tuple[str, str]], where: str) -> str:
    text = value.strip()
    if not text:
        return ""
    wanted = _norm(text)
    for code, label in choices:
        if wanted in (_norm(code), _norm(label)):
            return code
    raise RowProblem(f"{where}: “{text}” is not one of the answers")


def _listed(value: str, choices: Mapping[str, str], where: str) -> list[str]:
    """The codes named in a cell listing several choices: "Walking; Arts and crafts"."""
    codes: list[str] = []
    names = {_norm(label): code for code, label in choices.items()}
    names.update({_norm(code): code for code in choices})
    for part in LIST_SEPARATORS.split(value):
        if not part.strip():
            continue
        code = names.get(_norm(part))
        if code is None:
            raise RowProblem(f"{where}: “{part.strip()}” is not one of the choices")
        if code not in codes:
            codes.append(code)
    return codes


def _date(value: str, where: str) -> datetime.date | None:
    text = value.strip()
    if not text:
        return None
    text = text.split("T")[0].split(" ")[0]
    for pattern in DATE_FORMATS:
        try:
            # A calendar date, no time of day: no time zone to be naive about.
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise RowProblem(f"{where}: “{value.strip()}” is not a date (write it as 2026-05-01)")


def _item_value(
    value: str, instrument_code: str, version: str | None, item_id: str, where: str
) -> int | None:
    """An item's answer by its number or its words, in the version the survey's section
    pins (as validation and scoring read it), not the library's latest."""
    text = value.strip()
    if not text:
        return None
    instrument = library.get(instrument_code, version)
    item = instrument.item(item_id) if instrument is not None else None
    if item is not None:
        for option in item.options:
            if _norm(text) == _norm(option.label):
                return option.value
    try:
        number = float(text)
    except ValueError:
        raise RowProblem(f"{where}: “{text}” is not one of the answers") from None
    if not number.is_integer():
        raise RowProblem(f"{where}: “{text}” is not one of the answers")
    return int(number)


def answers_for(
    survey_categories: Mapping[int, str],
    cells: Sequence[str],
    mapping: Mapping[int, str],
    sheet: Sheet,
    versions: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """One row's answers in do_record_response's shape; raises RowProblem naming the
    column for a value that cannot be read (every problem of the row, joined).
    `versions`: each instrument's version as the survey's section pins it."""
    categories: dict[str, list[int]] = {}
    barriers: list[str] = []
    measures: dict[str, dict[str, int]] = {}
    answers: dict[str, Any] = {}
    problems: list[str] = []
    category_names = {str(p): label for p, label in survey_categories.items()}
    barrier_names = dict(SurveyBarrier.choices)
    for index, key in mapping.items():
        value = cells[index] if index < len(cells) else ""
        where = sheet.column_name(index)
        try:
            if key in Aspect.values:
                for position in _listed(value, category_names, where):
                    categories.setdefault(key, []).append(int(position))
            elif key.split(":")[0] in Aspect.values:
                aspect, position = key.split(":")
                if _yes(value, where):
                    categories.setdefault(aspect, []).append(int(position))
            elif key == "barriers":
                barriers.extend(
                    c for c in _listed(value, barrier_names, where) if c not in barriers
                )
            elif key.startswith("barrier:"):
                code = key.split(":", 1)[1]
                if _yes(value, where) and code not in barriers:
                    barriers.append(code)
            elif key.startswith("measure:"):
                _, code, item_id = key.split(":", 2)
                version = (versions or {}).get(code)
                item_value = _item_value(value, code, version, item_id, where)
                if item_value is not None:
                    measures.setdefault(code, {})[item_id] = item_value
            elif key == "age_band":
                answers[key] = _choice(value, AgeBand.choices, where)
            elif key == "sex":
                answers[key] = _choice(value, Sex.choices, where)
            elif key == "ethnic_group":
                answers[key] = _choice(value, EthnicGroup.choices, where)
            elif key == "disability":
                answers[key] = _choice(value, Disability.choices, where)
            elif key == "groups_count":
                text = value.strip()
                answers[key] = text.removesuffix(".0") if text else None
            elif key == "submitted_on":
                answers[key] = _date(value, where)
            elif key in ("postcode", "lsoa_code"):
                answers[key] = value.strip()
        except RowProblem as problem:
            problems.append(str(problem))
    if problems:
        raise RowProblem("; ".join(problems))
    if categories:
        answers["categories"] = categories
    if barriers:
        answers["barriers"] = barriers
    if measures:
        answers["measures"] = measures
    return answers


# --- Holding the file between steps -------------------------------------------------


def _salt(request: HttpRequest, survey: Survey) -> str:
    return f"inspiring.surveys.import:{acting_user(request).pk}:{survey.pk}"


def seal(request: HttpRequest, survey: Survey, sheet: Sheet) -> str:
    sheet.nonce = secrets.token_urlsafe(24)
    token = signing.dumps(sheet.as_json(), salt=_salt(request, survey), compress=True)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and len(token) > limit - 64 * 1024:
        raise HoldError(
            "The file is too large to import in one go: split it into smaller files and "
            "import them one at a time."
        )
    return token


def unseal(request: HttpRequest, survey: Survey, token: str) -> Sheet:
    try:
        data = signing.loads(token, salt=_salt(request, survey), max_age=HOLD_SECONDS)
    except signing.SignatureExpired:
        raise HoldError(
            "More than an hour has passed since the file was uploaded: upload it again."
        ) from None
    except signing.BadSignature:
        raise HoldError("The uploaded file could not be found: upload it again.") from None
    sheet = Sheet.from_json(data)
    if not sheet.nonce:
        raise HoldError("The uploaded file could not be found: upload it again.")
    return sheet


def already_imported(sheet: Sheet) -> SurveyImport | None:
    """The import that used this held file's nonce, if it has been imported."""
    return SurveyImport.objects.filter(token_hash=sheet.token_hash).first()


# --- Preview and import ---------------------------------------------------------------


@dataclass
class Previewed:
    number: int
    response: Response | None = None
    problem: str = ""
    # What would be stored, in words, by preview column (PREVIEW_COLUMNS).
    stored: list[str] = field(default_factory=list)


PREVIEW_COLUMNS = ("Kinds of activity", "Barriers", "About them", "Neighbourhood", "Measures")


def describe(response: Response, categories: Mapping[int, str]) -> list[str]:
    """A built response in words, one text per PREVIEW_COLUMNS."""
    kinds = []
    for aspect, (_, title) in ASPECT_WORDS.items():
        mask = int(getattr(response, f"{aspect}_mask"))
        ticked = [label for position, label in categories.items() if mask >> position & 1]
        if ticked:
            kinds.append(f"{title}: {', '.join(ticked)}")
    barriers = [
        label
        for bit, (_, label) in enumerate(SurveyBarrier.choices)
        if response.barriers_mask >> bit & 1
    ]
    about = [
        text
        for text in (
            response.get_age_band_display() if response.age_band else "",
            response.get_sex_display() if response.sex else "",
            response.get_ethnic_group_display() if response.ethnic_group else "",
            f"disability: {response.get_disability_display().lower()}"
            if response.disability
            else "",
            f"{response.groups_count} groups" if response.groups_count is not None else "",
            f"on {response.submitted_on:%-d %B %Y}",
        )
        if text
    ]
    place = (
        f"{response.lsoa_code}, IMD decile {response.imd_decile or 'not known'}"
        if response.lsoa_code
        else "Not given"
    )
    measures = []
    for code, measure in response.measures.items():
        scores = ", ".join(
            f"{name} {'no score' if value is None else value}"
            for name, value in measure["scores"].items()
        )
        measures.append(f"{code}: {scores}{'' if measure['complete'] else ' (incomplete)'}")
    return [
        "; ".join(kinds) or "None ticked",
        "; ".join(barriers) or "None ticked",
        "; ".join(about),
        place,
        "; ".join(measures) or "None",
    ]


def _categories(survey: Survey) -> dict[int, str]:
    return dict(survey.categories.order_by("position").values_list("position", "label"))


def _versions(sections: Sequence[Any]) -> dict[str, str | None]:
    """Each instrument's version as its section pins it (None: the library's latest)."""
    return {
        s.instrument_code: s.instrument_version or None
        for s in sections
        if s.kind == SectionKind.INSTRUMENT
    }


def preview(survey: Survey, sheet: Sheet, mapping: Mapping[int, str]) -> list[Previewed]:
    """The first rows as they would be stored (built, never saved), or why not."""
    categories = _categories(survey)
    sections = list(survey.sections.all())
    versions = _versions(sections)
    shown: list[Previewed] = []
    for number, cells in sheet.rows[:PREVIEW_ROWS]:
        try:
            answers = answers_for(categories, cells, mapping, sheet, versions)
            response = build_response(survey, answers, sections)
            response.mode = Mode.IMPORTED
        except (RowProblem, ActionRefused) as problem:
            shown.append(Previewed(number, problem=str(problem)))
        else:
            shown.append(Previewed(number, response, stored=describe(response, categories)))
    return shown


@dataclass
class Imported:
    imported: int
    problems: list[tuple[int, str]]  # (row number, reason), a row at most once
    not_reached: int = 0  # rows after the survey closed mid-import


def do_import(
    request: HttpRequest, survey: Survey, sheet: Sheet, mapping: Mapping[int, str]
) -> Imported:
    """Every usable row through do_record_response, each in its own transaction (a row
    is stored whole or not at all); the rest reported. Audited once, with counts only,
    and recorded as a SurveyImport. The held file's nonce is used up first, atomically
    (a unique row): raises AlreadyImported, having imported nothing, when it was."""
    user = acting_user(request)
    try:
        with transaction.atomic():
            record = SurveyImport.objects.create(
                survey=survey,
                token_hash=sheet.token_hash,
                imported_by=user,
                filename=sheet.filename,
                rows=len(sheet.rows),
            )
    except IntegrityError:
        previous = already_imported(sheet)
        if previous is None:  # pragma: no cover - the row is never deleted
            raise
        raise AlreadyImported(previous) from None
    categories = _categories(survey)
    versions = _versions(list(survey.sections.all()))
    imported = 0
    problems: list[tuple[int, str]] = []
    not_reached = 0
    for index, (number, cells) in enumerate(sheet.rows):
        try:
            answers = answers_for(categories, cells, mapping, sheet, versions)
            do_record_response(survey, answers, Mode.IMPORTED, entered_by=user)
        except RowProblem as problem:
            problems.append((number, str(problem)))
        except SurveyRefused as refused:
            if Survey.objects.filter(pk=survey.pk).exclude(status=Survey.Status.OPEN).exists():
                # Closed while importing: every later row would be refused alike.
                not_reached = len(sheet.rows) - index
                break
            problems.append((number, str(refused)))
        else:
            imported += 1
    record.imported = imported
    record.refused = len(problems)
    record.not_reached = not_reached
    record.save(update_fields=["imported", "refused", "not_reached"])
    audit.record(
        request,
        "survey.imported",
        survey,
        area=survey.area,
        detail={
            "file": sheet.filename,
            "rows": len(sheet.rows),
            "imported": imported,
            "left_out": len(problems),
            "not_reached": not_reached,
            "columns": sorted(set(mapping.values())),
        },
    )
    return Imported(imported, problems, not_reached)
