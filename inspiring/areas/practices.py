"""Loading GP practices from the NHS's published files (`manage.py load_gp_practices`).

Three files, each in the layout its publisher uses, so the national files load the same
way as the invented ones the project ships for the demo (data/gp/):

- `epraccur`, the NHS Organisation Data Service's list of GP practices and other
  prescribing cost centres: no header row, 27 columns, read by position (code, name,
  postcode, status code A/C/D/P, prescribing setting; setting 4 is a GP practice and
  only those are loaded);
- the ODS "ePCN" practice-to-primary care network relationships (its "PCN Core Partner
  Details" sheet saved as CSV, or the headerless CSV report of the same columns);
- NHS Digital's "Patients Registered at a GP Practice" all-practices CSV
  (`gp-reg-pat-prac-all.csv`): the GP, SEX ALL, AGE ALL row is a practice's list size.

A file given is the whole truth for the fields it fills: a practice with no current
PCN in the ePCN file is left with none. A file not given leaves its fields alone.
Loading is one transaction (a bad file changes nothing) and idempotent (rows are
compared with what is stored; only new or changed ones are written).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from lib.csvfiles import CSVFileError, decode, heading_key
from lib.postcodes import PostcodeError, normalise_postcode

from .models import GPPractice, Postcode

# epraccur's columns (0-based), from the ODS file layout.
EPRACCUR_CODE = 0
EPRACCUR_NAME = 1
EPRACCUR_POSTCODE = 9
EPRACCUR_STATUS = 12
EPRACCUR_SETTING = 25
EPRACCUR_COLUMNS = 27
GP_PRACTICE_SETTING = "4"
STATUSES = {
    "A": GPPractice.Status.ACTIVE,
    "C": GPPractice.Status.CLOSED,
    "D": GPPractice.Status.DORMANT,
    "P": GPPractice.Status.PROPOSED,
}

# The ePCN "PCN Core Partner Details" columns, in order (the headerless report has
# the same order).
EPCN_COLUMNS = (
    "partner_organisation_code",
    "partner_name",
    "practice_parent_sub_icb_location_code",
    "practice_parent_sub_icb_location_name",
    "pcn_code",
    "pcn_name",
    "pcn_parent_sub_icb_location_code",
    "pcn_parent_sub_icb_location_name",
    "practice_to_pcn_relationship_start_date",
    "practice_to_pcn_relationship_end_date",
)
EPCN_REQUIRED = (
    "partner_organisation_code",
    "pcn_code",
    "pcn_name",
    "practice_to_pcn_relationship_start_date",
    "practice_to_pcn_relationship_end_date",
)

# The list-size file: the columns read. Older files call the organisation column
# ORG_CODE and the type ORG_TYPE.
LIST_SIZE_CODE = ("code", "org_code")
LIST_SIZE_TYPE = ("type", "org_type")
LIST_SIZE_REQUIRED = ("extract_date", "sex", "age", "number_of_patients")

WRITE_BATCH = 2000

# Words ODS writes in capitals that stay in capitals when a name is tidied.
_UPPER_WORDS = frozenset({"NHS", "GP", "GPS", "PCN", "UK", "OOH", "WIC", "ICB", "HC", "MC"})


class PracticeFileError(Exception):
    """A file that cannot be loaded; str(error) says which file and why, in one line."""


@dataclass(frozen=True)
class PracticeRow:
    code: str
    name: str
    postcode: str
    status: str


@dataclass(frozen=True)
class PCNMembership:
    pcn_code: str
    pcn_name: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class ListSize:
    patients: int
    on: date


@dataclass
class PracticeLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows of epraccur that are not GP practices (prescribing setting other than 4),
    # by setting.
    not_practices: Counter[str] = field(default_factory=Counter)
    # Loaded practices whose postcode is not among the loaded postcodes: on no area's list.
    outside_geography: list[str] = field(default_factory=list)
    with_pcn: int | None = None
    pcn_rows_unknown_practice: int = 0
    with_list_size: int | None = None
    list_size_on: date | None = None
    list_size_rows_unknown_practice: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


# --- Reading ---------------------------------------------------------------------------


def _text_of(path: Path) -> str:
    """The file's text: a CSV file, or a .zip holding one (as ODS and NHS Digital publish)."""
    if not path.is_file():
        raise PracticeFileError(f"{path}: file not found")
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        data = _only_csv_in(path)
    if not data.strip():
        raise PracticeFileError(f"{path.name}: the file is empty")
    try:
        text, _ = decode(data)
    except CSVFileError as exc:
        raise PracticeFileError(f"{path.name}: {exc}") from None
    return text


def _only_csv_in(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names and "xl/workbook.xml" in archive.namelist():
                raise PracticeFileError(
                    f"{path.name}: a spreadsheet workbook (.xlsx), not a CSV file: save the "
                    "sheet as CSV (for ePCN.xlsx, its PCN Core Partner Details sheet)"
                )
            if len(names) != 1:
                raise PracticeFileError(
                    f"{path.name}: expected one CSV file in the archive, found {len(names)}"
                )
            return archive.read(names[0])
    except zipfile.BadZipFile:
        raise PracticeFileError(f"{path.name}: not a readable .zip file") from None


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank line."""
    reader = csv.reader(io.StringIO(_text_of(path), newline=""), strict=True)
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                yield reader.line_num, [cell.strip() for cell in record]
    except csv.Error as exc:
        raise PracticeFileError(
            f"{path.name} line {reader.line_num}: not readable as CSV ({exc})"
        ) from None


def _date(value: str, path: Path, line: int) -> date | None:
    """A date as these files write it: 20240331, 01NOV2025, 2025-11-01 or 01/11/2025."""
    value = value.strip()
    if not value:
        return None
    for layout in ("%Y%m%d", "%d%b%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d-%b-%y"):
        try:
            parsed = time.strptime(value, layout)
        except ValueError:
            continue
        return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    raise PracticeFileError(f"{path.name} line {line}: {value!r} is not a date")


def tidy_name(name: str) -> str:
    """ODS writes names in capitals ("KINGSWAY SURGERY"); people read them in forms and
    in letters, so a name all in capitals is given ordinary capitals ("Kingsway
    Surgery"), keeping NHS, GP and the like. A name with small letters is left as it is."""
    name = " ".join(name.split())
    if name != name.upper():
        return name

    def word(part: str) -> str:
        if part in _UPPER_WORDS or not any(c.isalpha() for c in part):
            return part
        return "-".join(piece.capitalize() for piece in part.split("-"))

    return " ".join(word(part) for part in name.split(" "))


def read_epraccur(path: Path, report: PracticeLoadReport) -> list[PracticeRow]:
    """The GP practices (prescribing setting 4) of an epraccur file."""
    practices: dict[str, PracticeRow] = {}
    for line, cells in _records(path):
        if line == 1 and heading_key(cells[0]) in ("organisation_code", "code"):
            continue  # a header row someone added: the published file has none
        if len(cells) <= EPRACCUR_SETTING:
            raise PracticeFileError(
                f"{path.name} line {line}: {len(cells)} columns, not the "
                f"{EPRACCUR_COLUMNS} of the ODS epraccur layout (is this the epraccur file?)"
            )
        setting = cells[EPRACCUR_SETTING]
        if setting != GP_PRACTICE_SETTING:
            report.not_practices[setting or "none"] += 1
            continue
        code, name = cells[EPRACCUR_CODE].upper(), cells[EPRACCUR_NAME]
        if not code or len(code) > 10:
            raise PracticeFileError(f"{path.name} line {line}: {code!r} is not an ODS code")
        if not name:
            raise PracticeFileError(f"{path.name} line {line}: no name for {code}")
        status = STATUSES.get(cells[EPRACCUR_STATUS].upper())
        if status is None:
            raise PracticeFileError(
                f"{path.name} line {line}: status code {cells[EPRACCUR_STATUS]!r} is not "
                "one of A, C, D or P"
            )
        try:
            postcode = normalise_postcode(cells[EPRACCUR_POSTCODE])
        except PostcodeError:
            postcode = ""
        practices[code] = PracticeRow(
            code=code, name=tidy_name(name)[:200], postcode=postcode, status=status
        )
    return list(practices.values())


def _header(cells: list[str], path: Path, required: tuple[str, ...]) -> dict[str, int]:
    columns = {heading_key(cell): index for index, cell in enumerate(cells)}
    missing = [name for name in required if name not in columns]
    if missing:
        raise PracticeFileError(
            f"{path.name}: no {', '.join(missing).upper()} column (found "
            f"{', '.join(cell for cell in cells if cell)})"
        )
    return columns


def read_pcn_memberships(path: Path) -> dict[str, PCNMembership]:
    """Each practice's current PCN: the relationship with no end date, or (for a practice
    that has closed or left) the one that ended last."""
    best: dict[str, PCNMembership] = {}
    columns: dict[str, int] | None = None
    for line, cells in _records(path):
        if columns is None:
            if heading_key(cells[0]) == "partner_organisation_code":
                columns = _header(cells, path, EPCN_REQUIRED)
                continue
            columns = {name: index for index, name in enumerate(EPCN_COLUMNS)}

        row = {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}
        practice = row["partner_organisation_code"].upper()
        pcn_code = row["pcn_code"].upper()
        if not practice or not pcn_code:
            raise PracticeFileError(
                f"{path.name} line {line}: no practice or PCN code (is this the ePCN "
                "PCN Core Partner Details sheet?)"
            )
        membership = PCNMembership(
            pcn_code=pcn_code[:10],
            pcn_name=tidy_name(row["pcn_name"])[:200],
            start=_date(row["practice_to_pcn_relationship_start_date"], path, line),
            end=_date(row["practice_to_pcn_relationship_end_date"], path, line),
        )
        current = best.get(practice)
        if current is None or _recency(membership) > _recency(current):
            best[practice] = membership
    return best


def _recency(membership: PCNMembership) -> tuple[date, date]:
    return (membership.end or date.max, membership.start or date.min)


def read_list_sizes(path: Path) -> dict[str, ListSize]:
    """Each practice's registered patients: the GP rows for SEX ALL and AGE ALL."""
    sizes: dict[str, ListSize] = {}
    columns: dict[str, int] | None = None
    code_column = type_column = 0
    for line, cells in _records(path):
        if columns is None:
            columns = _header(cells, path, LIST_SIZE_REQUIRED)
            code_name = next((c for c in LIST_SIZE_CODE if c in columns), None)
            if code_name is None:
                raise PracticeFileError(f"{path.name}: no CODE column")
            code_column = columns[code_name]
            type_column = next((columns[c] for c in LIST_SIZE_TYPE if c in columns), -1)
            continue
        if len(cells) < len(columns):
            raise PracticeFileError(
                f"{path.name} line {line}: {len(cells)} columns, not {len(columns)}"
            )
        if type_column >= 0 and cells[type_column].upper() != "GP":
            continue
        if (cells[columns["sex"]].upper(), cells[columns["age"]].upper()) != ("ALL", "ALL"):
            continue
        raw = cells[columns["number_of_patients"]].replace(",", "")
        if not raw.isdigit():
            raise PracticeFileError(f"{path.name} line {line}: {raw!r} is not a number of patients")
        on = _date(cells[columns["extract_date"]], path, line)
        if on is None:
            raise PracticeFileError(f"{path.name} line {line}: no extract date")
        sizes[cells[code_column].upper()] = ListSize(patients=int(raw), on=on)
    if columns is None:
        raise PracticeFileError(f"{path.name}: the file is empty")
    return sizes


# --- Writing ---------------------------------------------------------------------------


def load_gp_practices(
    *,
    epraccur: Path,
    pcns: Path | None = None,
    list_sizes: Path | None = None,
) -> PracticeLoadReport:
    """Read the files (every problem is found before anything is written), then create
    or update the practices in one transaction."""
    report = PracticeLoadReport()
    rows = read_epraccur(epraccur, report)
    memberships = read_pcn_memberships(pcns) if pcns is not None else None
    sizes = read_list_sizes(list_sizes) if list_sizes is not None else None
    codes = {row.code for row in rows}
    fields = ["name", "postcode", "district_code", "status"]
    if memberships is not None:
        fields += ["pcn_code", "pcn_name"]
        report.with_pcn = sum(1 for code in codes if code in memberships)
        report.pcn_rows_unknown_practice = len(memberships.keys() - codes)
    if sizes is not None:
        fields += ["list_size", "list_size_on"]
        report.with_list_size = sum(1 for code in codes if code in sizes)
        report.list_size_rows_unknown_practice = len(sizes.keys() - codes)
        report.list_size_on = max((size.on for size in sizes.values()), default=None)
    # A practice is on an area's list through its postcode's district.
    districts = dict(
        Postcode.objects.filter(
            postcode__in={row.postcode for row in rows if row.postcode}
        ).values_list("postcode", "district_code")
    )
    with transaction.atomic():
        existing = {p.code: p for p in GPPractice.objects.filter(code__in=codes)}
        to_create: list[GPPractice] = []
        to_update: list[GPPractice] = []
        for row in rows:
            values: dict[str, object] = {
                "name": row.name,
                "postcode": row.postcode,
                "district_code": districts.get(row.postcode, ""),
                "status": row.status,
            }
            if not values["district_code"]:
                report.outside_geography.append(row.code)
            if memberships is not None:
                membership = memberships.get(row.code)
                values["pcn_code"] = membership.pcn_code if membership else ""
                values["pcn_name"] = membership.pcn_name if membership else ""
            if sizes is not None:
                size = sizes.get(row.code)
                values["list_size"] = size.patients if size else None
                values["list_size_on"] = size.on if size else None
            current = existing.get(row.code)
            if current is None:
                to_create.append(GPPractice(code=row.code, **values))
            elif any(getattr(current, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(current, name, value)
                to_update.append(current)
            else:
                report.unchanged += 1
        GPPractice.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
        # bulk_update does not touch auto_now fields by itself.
        now = timezone.now()
        for practice in to_update:
            practice.updated_at = now
        GPPractice.objects.bulk_update(to_update, [*fields, "updated_at"], batch_size=WRITE_BATCH)
    report.created, report.updated = len(to_create), len(to_update)
    return report
