"""Loading geography reference data from the published CSV files.

Reads three kinds of file, by their column names rather than their positions,
so the same loader takes the subset the project ships (data/geography) and the
full national files a deployment elsewhere would download:

- postcodes: the ONS Postcode Directory (ONSPD) or an extract of it
  (`pcd`/`pcds`, `laua`/`oslaua`, `lat`/`long` or the derived columns, and
  `lsoa11` and `doterm` when present);
- LSOA population-weighted centroids (ONS: `lsoa11cd`, `lsoa11nm`, `X`, `Y`);
- the English Indices of Deprivation 2019, File 1 or File 2 (MHCLG);
- optionally, the same Indices' File 6 (population denominators): each LSOA's mid-2015
  population, in all and by age, which equity figures compare with.

Loading is one transaction (a failure changes nothing) and idempotent: rows
are compared with what is stored and only new or changed rows are written.
Postcodes already stored but absent from the file are kept, so several regions
can be loaded one after another.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import numpy as np
from django.db import transaction
from scipy.spatial import cKDTree

from lib.postcodes import PostcodeError, normalise_postcode

from .models import LSOA, District, GeographyLoad, Postcode

# Bump when the loader's interpretation of the files changes, so an unchanged
# file is loaded again by the new code.
LOADER_VERSION = "1"

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "postcode")
DISTRICT_COLUMNS = ("laua", "oslaua", "lad25cd", "lad24cd", "lad23cd", "lad22cd", "ladcd")
LATITUDE_COLUMNS = ("lat", "latitude", "lat_derived")
LONGITUDE_COLUMNS = ("long", "longitude", "lng", "long_derived")
POSTCODE_LSOA_COLUMNS = ("lsoa11", "lsoa11cd")
TERMINATED_COLUMNS = ("doterm",)

CENTROID_CODE_COLUMNS = ("lsoa11cd", "lsoa11_code", "lsoacode")
CENTROID_NAME_COLUMNS = ("lsoa11nm", "lsoa11_name", "lsoaname")
CENTROID_LONGITUDE_COLUMNS = ("x", "long", "longitude")
CENTROID_LATITUDE_COLUMNS = ("y", "lat", "latitude")

IMD_CODE_PREFIX = "lsoa code (2011)"
IMD_NAME_PREFIX = "lsoa name (2011)"
IMD_DISTRICT_CODE_PREFIX = "local authority district code"
IMD_DISTRICT_NAME_PREFIX = "local authority district name"
IMD_RANK_PREFIX = "index of multiple deprivation (imd) rank"
IMD_DECILE_PREFIX = "index of multiple deprivation (imd) decile"
# File 6's columns: "Total population: mid 2015 (excluding prisoners)" and so on.
POPULATION_PREFIXES = (
    ("population", "total population"),
    ("population_0_15", "dependent children aged 0-15"),
    ("population_16_59", "population aged 16-59"),
    ("population_60_plus", "older population aged 60 and over"),
)

# ONSPD marks a postcode with no grid reference with these coordinates.
_NO_COORDINATES = {(99.999999, 0.0)}

WRITE_BATCH = 2000
PROGRESS_EVERY = 50_000


class GeographyFileError(Exception):
    """A file that cannot be loaded; str(error) says which file and why."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@dataclass
class LoadReport:
    districts: Counts = field(default_factory=Counts)
    lsoas: Counts = field(default_factory=Counts)
    postcodes: Counts = field(default_factory=Counts)
    postcodes_read: int = 0
    # Reason -> number of rows skipped, and the first few line numbers for each.
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_lines: dict[str, list[int]] = field(default_factory=dict)
    lsoa_exact: int = 0
    lsoa_approximate: int = 0
    # LSOAs given a population from File 6; None when no population file was read.
    lsoa_population: int | None = None
    already_loaded: bool = False
    # Postcodes the file marks as terminated: removed if an earlier load stored them.
    terminated: set[str] = field(default_factory=set)

    def skip(self, reason: str, line: int) -> None:
        self.skipped[reason] += 1
        examples = self.skipped_lines.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(line)

    @property
    def changed(self) -> bool:
        return any(
            c.created or c.updated or c.removed
            for c in (self.districts, self.lsoas, self.postcodes)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "districts": self.districts.as_dict(),
            "lsoas": self.lsoas.as_dict(),
            "postcodes": self.postcodes.as_dict(),
            "postcodes_read": self.postcodes_read,
            "lsoa_exact": self.lsoa_exact,
            "lsoa_approximate": self.lsoa_approximate,
            "lsoa_population": self.lsoa_population,
            "skipped": dict(self.skipped),
            "skipped_lines": self.skipped_lines,
        }


@dataclass(frozen=True)
class ImdRow:
    name: str
    district_code: str
    district_name: str
    rank: int | None
    decile: int | None


@dataclass(frozen=True)
class Population:
    """Mid-2015 residents of an LSOA, excluding prisoners (IMD 2019 File 6)."""

    population: int | None
    population_0_15: int | None
    population_16_59: int | None
    population_60_plus: int | None


@dataclass(frozen=True)
class Centroid:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PostcodeRow:
    postcode: str
    district_code: str
    latitude: float
    longitude: float
    lsoa_code: str | None
    line: int


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


# --- Reading ---------------------------------------------------------------


@contextmanager
def open_csv(path: Path) -> Iterator[csv.DictReader[str]]:
    """A DictReader over a CSV file, plain or gzipped, with or without a BOM."""
    if not path.is_file():
        raise GeographyFileError(f"{path}: file not found")
    # Closed in the finally below; a `with` cannot choose between the two openers.
    raw = cast(IO[bytes], gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb"))  # noqa: SIM115
    try:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        try:
            if not reader.fieldnames:
                raise GeographyFileError(f"{path.name}: the file is empty")
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
            raise GeographyFileError(f"{path.name}: not a readable CSV file ({exc})") from exc
        yield reader
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise GeographyFileError(f"{path.name}: not a readable CSV file ({exc})") from exc
    except csv.Error as exc:
        raise GeographyFileError(f"{path.name}: malformed CSV ({exc})") from exc
    finally:
        raw.close()


def _column(
    reader: csv.DictReader[str], path: Path, what: str, names: tuple[str, ...], *, required: bool
) -> str | None:
    by_lower = {name.strip().lower(): name for name in reader.fieldnames or ()}
    for name in names:
        if name in by_lower:
            return by_lower[name]
    if required:
        raise GeographyFileError(
            f"{path.name}: no {what} column (looked for {', '.join(names)}; "
            f"found {', '.join(reader.fieldnames or ())})"
        )
    return None


def _column_by_prefix(reader: csv.DictReader[str], path: Path, what: str, prefix: str) -> str:
    for name in reader.fieldnames or ():
        if name.strip().lower().startswith(prefix):
            return name
    raise GeographyFileError(f"{path.name}: no {what} column (a column starting {prefix!r})")


def _whole_number(value: str | None) -> int | None:
    cleaned = (value or "").replace(",", "").strip()
    return int(cleaned) if cleaned else None


def _text(row: dict[str, str | None], column: str, path: Path, line: int, what: str) -> str:
    """A required text value; a short row or an empty cell names the line."""
    value = (row.get(column) or "").strip()
    if not value:
        raise GeographyFileError(f"{path.name} line {line}: no {what}")
    return value


def _coordinate(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def read_imd(path: Path) -> dict[str, ImdRow]:
    rows: dict[str, ImdRow] = {}
    with open_csv(path) as reader:
        code = _column_by_prefix(reader, path, "LSOA code", IMD_CODE_PREFIX)
        name = _column_by_prefix(reader, path, "LSOA name", IMD_NAME_PREFIX)
        district_code = _column_by_prefix(reader, path, "district code", IMD_DISTRICT_CODE_PREFIX)
        district_name = _column_by_prefix(reader, path, "district name", IMD_DISTRICT_NAME_PREFIX)
        rank = _column_by_prefix(reader, path, "IMD rank", IMD_RANK_PREFIX)
        decile = _column_by_prefix(reader, path, "IMD decile", IMD_DECILE_PREFIX)
        for line, row in enumerate(reader, start=2):
            try:
                imd_decile = _whole_number(row.get(decile))
                imd_rank = _whole_number(row.get(rank))
            except ValueError as exc:
                raise GeographyFileError(f"{path.name} line {line}: {exc}") from exc
            if imd_decile is not None and not 1 <= imd_decile <= 10:
                raise GeographyFileError(
                    f"{path.name} line {line}: IMD decile {imd_decile} is not between 1 and 10"
                )
            rows[_text(row, code, path, line, "LSOA code")] = ImdRow(
                name=(row.get(name) or "").strip(),
                district_code=_text(row, district_code, path, line, "district code"),
                district_name=(row.get(district_name) or "").strip(),
                rank=imd_rank,
                decile=imd_decile,
            )
    return rows


def read_population(path: Path) -> dict[str, Population]:
    rows: dict[str, Population] = {}
    with open_csv(path) as reader:
        code = _column_by_prefix(reader, path, "LSOA code", IMD_CODE_PREFIX)
        columns = {
            name: _column_by_prefix(reader, path, prefix, prefix)
            for name, prefix in POPULATION_PREFIXES
        }
        for line, row in enumerate(reader, start=2):
            try:
                counts = {name: _whole_number(row.get(column)) for name, column in columns.items()}
            except ValueError as exc:
                raise GeographyFileError(f"{path.name} line {line}: {exc}") from exc
            if any(count is not None and count < 0 for count in counts.values()):
                raise GeographyFileError(f"{path.name} line {line}: a population below nought")
            rows[_text(row, code, path, line, "LSOA code")] = Population(**counts)
    return rows


def read_centroids(path: Path) -> dict[str, Centroid]:
    rows: dict[str, Centroid] = {}
    with open_csv(path) as reader:
        code = _column(reader, path, "LSOA code", CENTROID_CODE_COLUMNS, required=True)
        name = _column(reader, path, "LSOA name", CENTROID_NAME_COLUMNS, required=False)
        lng = _column(reader, path, "longitude (X)", CENTROID_LONGITUDE_COLUMNS, required=True)
        lat = _column(reader, path, "latitude (Y)", CENTROID_LATITUDE_COLUMNS, required=True)
        assert code and lng and lat  # required columns
        for line, row in enumerate(reader, start=2):
            lsoa_code = _text(row, code, path, line, "LSOA code")
            try:
                latitude, longitude = _coordinate(row.get(lat)), _coordinate(row.get(lng))
            except ValueError as exc:
                raise GeographyFileError(f"{path.name} line {line}: {exc}") from exc
            if latitude is None or longitude is None:
                raise GeographyFileError(f"{path.name} line {line}: no coordinates")
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise GeographyFileError(
                    f"{path.name} line {line}: {latitude}, {longitude} is not a latitude and "
                    "longitude (is the file in British National Grid metres?)"
                )
            rows[lsoa_code] = Centroid(
                name=(row.get(name) or "").strip() if name else "",
                latitude=latitude,
                longitude=longitude,
            )
    return rows


def iter_postcodes(
    path: Path, districts: set[str] | None, report: LoadReport, progress: Progress
) -> Iterator[PostcodeRow]:
    with open_csv(path) as reader:
        pc = _column(reader, path, "postcode", POSTCODE_COLUMNS, required=True)
        district = _column(reader, path, "district", DISTRICT_COLUMNS, required=True)
        lat = _column(reader, path, "latitude", LATITUDE_COLUMNS, required=True)
        lng = _column(reader, path, "longitude", LONGITUDE_COLUMNS, required=True)
        lsoa = _column(reader, path, "LSOA", POSTCODE_LSOA_COLUMNS, required=False)
        terminated = _column(reader, path, "terminated", TERMINATED_COLUMNS, required=False)
        assert pc and district and lat and lng  # required columns
        for line, row in enumerate(reader, start=2):
            report.postcodes_read += 1
            if report.postcodes_read % PROGRESS_EVERY == 0:
                progress(f"  read {report.postcodes_read:,} postcode rows")
            district_code = (row[district] or "").strip()
            if districts is not None and district_code not in districts:
                report.skipped["outside the chosen districts"] += 1
                continue
            try:
                postcode = normalise_postcode(row[pc] or "")
            except PostcodeError:
                report.skip("malformed postcode", line)
                continue
            if terminated and (row[terminated] or "").strip():
                report.skip("terminated postcode", line)
                report.terminated.add(postcode)
                continue
            try:
                latitude, longitude = _coordinate(row[lat]), _coordinate(row[lng])
            except ValueError:
                report.skip("unreadable coordinates", line)
                continue
            if (
                latitude is None
                or longitude is None
                or (latitude, longitude) in _NO_COORDINATES
                or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
            ):
                report.skip("no coordinates", line)
                continue
            lsoa_code = (row[lsoa] or "").strip() if lsoa else ""
            yield PostcodeRow(
                postcode=postcode,
                district_code=district_code,
                latitude=round(latitude, 6),
                longitude=round(longitude, 6),
                lsoa_code=lsoa_code or None,
                line=line,
            )


# --- Nearest LSOA -------------------------------------------------------------


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: straight-line nearness there is great-circle nearness."""
    phi = np.radians(latitudes)
    lam = np.radians(longitudes)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def nearest_codes(
    centroids: dict[str, tuple[float, float]], points: list[tuple[float, float]]
) -> list[str]:
    """For each (lat, lng) point, the code of the nearest centroid."""
    if not points or not centroids:
        return []
    codes = list(centroids)
    lat_lng = np.array([centroids[c] for c in codes], dtype=float)
    tree = cKDTree(_unit_vectors(lat_lng[:, 0], lat_lng[:, 1]))
    query = np.array(points, dtype=float)
    _, index = tree.query(_unit_vectors(query[:, 0], query[:, 1]))
    return [codes[int(i)] for i in np.atleast_1d(index)]


# --- Writing ----------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(sources: dict[str, str], districts: set[str] | None) -> str:
    parts = [LOADER_VERSION, *(f"{k}={v}" for k, v in sorted(sources.items()))]
    parts.append(",".join(sorted(districts)) if districts else "*")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _load_districts(imd: dict[str, ImdRow], report: LoadReport) -> None:
    wanted = {row.district_code: row.district_name for row in imd.values() if row.district_code}
    existing = {d.code: d for d in District.objects.all()}
    to_create, to_update = [], []
    for code, name in wanted.items():
        current = existing.get(code)
        if current is None:
            to_create.append(District(code=code, name=name))
        elif current.name != name:
            current.name = name
            to_update.append(current)
        else:
            report.districts.unchanged += 1
    District.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
    District.objects.bulk_update(to_update, ["name"], batch_size=WRITE_BATCH)
    report.districts.created += len(to_create)
    report.districts.updated += len(to_update)


def _load_lsoas(
    imd: dict[str, ImdRow],
    centroids: dict[str, Centroid],
    population: dict[str, Population] | None,
    report: LoadReport,
) -> dict[str, int]:
    """Upsert LSOAs that have a centroid; return code -> primary key for all stored.

    Without a population file, the population stored (if any) is left as it is."""
    existing = {lsoa.code: lsoa for lsoa in LSOA.objects.all()}
    fields = ["name", "district_code", "latitude", "longitude", "imd_rank", "imd_decile"]
    if population is not None:
        fields += [name for name, _ in POPULATION_PREFIXES]
        report.lsoa_population = sum(1 for code in centroids if code in population)
        without_centroid = len(population.keys() - centroids.keys())
        if without_centroid:
            report.skipped["LSOA with a population but no centroid"] += without_centroid
    to_create, to_update = [], []
    for code, centroid in centroids.items():
        deprivation = imd.get(code)
        values: dict[str, object] = {
            "name": centroid.name or (deprivation.name if deprivation else code),
            "district_code": deprivation.district_code if deprivation else "",
            "latitude": round(centroid.latitude, 6),
            "longitude": round(centroid.longitude, 6),
            "imd_rank": deprivation.rank if deprivation else None,
            "imd_decile": deprivation.decile if deprivation else None,
        }
        if population is not None:
            residents = population.get(code)
            for name, _ in POPULATION_PREFIXES:
                values[name] = getattr(residents, name) if residents else None
        current = existing.get(code)
        if current is None:
            to_create.append(LSOA(code=code, **values))
        elif any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            to_update.append(current)
        else:
            report.lsoas.unchanged += 1
    missing_centroid = len(set(imd) - set(centroids))
    if missing_centroid:
        report.skipped["LSOA with deprivation data but no centroid"] += missing_centroid
    LSOA.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
    LSOA.objects.bulk_update(to_update, fields, batch_size=WRITE_BATCH)
    report.lsoas.created += len(to_create)
    report.lsoas.updated += len(to_update)
    return dict(LSOA.objects.values_list("code", "pk"))


def _load_postcodes(
    rows: list[PostcodeRow], lsoa_ids: dict[str, int], report: LoadReport, progress: Progress
) -> None:
    centroids = {
        code: (lat, lng)
        for code, lat, lng in LSOA.objects.values_list("code", "latitude", "longitude")
    }
    # Exact LSOA when the file has one we know; otherwise the nearest centroid.
    needs_nearest = [i for i, r in enumerate(rows) if not (r.lsoa_code and r.lsoa_code in lsoa_ids)]
    nearest = nearest_codes(
        centroids, [(rows[i].latitude, rows[i].longitude) for i in needs_nearest]
    )
    nearest_by_index = dict(zip(needs_nearest, nearest, strict=True))

    existing = {
        p[0]: p[1:]
        for p in Postcode.objects.values_list(
            "postcode",
            "district_code",
            "latitude",
            "longitude",
            "lsoa_id",
            "lsoa_approximate",
            "pk",
        )
    }
    fields = ["district_code", "latitude", "longitude", "lsoa", "lsoa_approximate"]
    to_create: list[Postcode] = []
    to_update: list[Postcode] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.postcode in seen:
            report.skip("duplicate postcode", row.line)
            continue
        seen.add(row.postcode)
        approximate = i in nearest_by_index
        lsoa_code = nearest_by_index.get(i) if approximate else row.lsoa_code
        lsoa_id = lsoa_ids.get(lsoa_code) if lsoa_code else None
        if lsoa_id is None:
            approximate = True
        elif approximate:
            report.lsoa_approximate += 1
        else:
            report.lsoa_exact += 1
        values = (row.district_code, row.latitude, row.longitude, lsoa_id, approximate)
        current = existing.get(row.postcode)
        if current is None:
            to_create.append(
                Postcode(
                    postcode=row.postcode, **dict(zip(_POSTCODE_VALUE_NAMES, values, strict=True))
                )
            )
        elif current[:5] != values:
            to_update.append(
                Postcode(
                    pk=current[5],
                    postcode=row.postcode,
                    **dict(zip(_POSTCODE_VALUE_NAMES, values, strict=True)),
                )
            )
        else:
            report.postcodes.unchanged += 1
    for start in range(0, len(to_create), WRITE_BATCH):
        Postcode.objects.bulk_create(to_create[start : start + WRITE_BATCH])
    gone = sorted(report.terminated & existing.keys())
    for start in range(0, len(gone), WRITE_BATCH):
        report.postcodes.removed += Postcode.objects.filter(
            postcode__in=gone[start : start + WRITE_BATCH]
        ).delete()[0]
    Postcode.objects.bulk_update(to_update, fields, batch_size=WRITE_BATCH)
    report.postcodes.created += len(to_create)
    report.postcodes.updated += len(to_update)
    if to_create or to_update or report.postcodes.removed:
        progress(
            f"  wrote {len(to_create):,} new and {len(to_update):,} changed postcodes; "
            f"removed {report.postcodes.removed:,} terminated"
        )


_POSTCODE_VALUE_NAMES = ("district_code", "latitude", "longitude", "lsoa_id", "lsoa_approximate")


def load_geography(
    *,
    postcodes: Path | Sequence[Path],
    centroids: Path,
    imd: Path,
    population: Path | None = None,
    districts: set[str] | None = None,
    force: bool = False,
    progress: Progress = _quiet,
) -> LoadReport:
    """Load the files; skip the work when the same files were loaded last time.

    `postcodes` is one file or several (read in turn, as one: a postcode in two files
    is taken from the first). `population` (IMD 2019 File 6) is optional: without it,
    the LSOAs' population is left as it is (empty, if it was never loaded)."""
    postcode_files = [postcodes] if isinstance(postcodes, Path) else list(postcodes)
    if not postcode_files:
        raise GeographyFileError("No postcode file given")
    paths = [*postcode_files, centroids, imd, *([population] if population is not None else [])]
    for path in paths:
        if not path.is_file():
            raise GeographyFileError(f"{path}: file not found")
    sources: dict[str, str] = {}
    for path in paths:
        # Two files of the same name from different folders both count.
        sources[path.name if path.name not in sources else str(path)] = file_sha256(path)
    key = fingerprint(sources, districts)
    last = GeographyLoad.objects.order_by("-loaded_at", "-pk").first()
    if (
        not force
        and last is not None
        and last.fingerprint == key
        and Postcode.objects.count() >= int(last.report.get("postcodes_total", 0))
    ):
        return LoadReport(already_loaded=True)

    report = LoadReport()
    progress(f"Reading deprivation from {imd.name}")
    imd_rows = read_imd(imd)
    progress(f"Reading LSOA centroids from {centroids.name}")
    centroid_rows = read_centroids(centroids)
    population_rows = None
    if population is not None:
        progress(f"Reading LSOA population from {population.name}")
        population_rows = read_population(population)
    postcode_rows: list[PostcodeRow] = []
    for path in postcode_files:
        progress(f"Reading postcodes from {path.name}")
        postcode_rows += iter_postcodes(path, districts, report, progress)
    with transaction.atomic():
        _load_districts(imd_rows, report)
        lsoa_ids = _load_lsoas(imd_rows, centroid_rows, population_rows, report)
        _load_postcodes(postcode_rows, lsoa_ids, report, progress)
        summary = report.as_dict()
        summary["postcodes_total"] = Postcode.objects.count()
        GeographyLoad.objects.create(sources=sources, fingerprint=key, report=summary)
    return report
