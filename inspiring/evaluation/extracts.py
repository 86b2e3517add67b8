"""Data sets for analysis, pseudonymised at the door: one function per source.

Each returns a pandas DataFrame of pseudonymous rows, one per respondent or client,
and records the extract in the audit log. Nothing leaves here that names or reaches a
person: no names, contact details, NHS numbers, postcodes, LSOA codes or exact dates
(a client's age only as a band on their baseline day, where they live only as a
deprivation quintile). A row's pseudonym is an HMAC of the record's public id with the
analysis's own salt under the site's secret key: stable within one analysis (and its
reruns, which keep the salt), different between analyses, so two extracts cannot be
joined row to row, and nobody without the key can go back from a pseudonym.

Column names are a contract with the built-in questions (questions.py) and the bundle:

survey_extract: pseudonym, synthetic, imd_decile, imd_quintile, age_band, sex,
    ethnic_group, disability, groups_count, knows_<slug>, uses_<slug>, wants_<slug>
    (0/1; slug = the category's slug with - as _), barrier_<code> (0/1), took_part
    (1 if they go to any kind of activity), and per instrument <code>_<item> (answers)
    and <code>_<scale> (scores), code with - as _ (ons4_life_satisfaction,
    ons_loneliness_ucla3, neighbourhood_identification_identify, ...). A single-item
    scale named as its item (ONS4's four) is one column, holding the score.

outcomes_extract: one row per client with a baseline: pseudonym, area (slug),
    imd_quintile, age_band, sex, groups_baseline, groups_followup, groups_change,
    connections, attended (0/1), cat_<slug> (0/1), and per instrument and scale
    baseline_<code>_<scale>, followup_<code>_<scale>, change_<code>_<scale> (the first
    baseline and the latest follow-up).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.crypto import salted_hmac

from inspiring.accounts import audit
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument
from inspiring.surveys.choices import BARRIER_BITS, SurveyBarrier

if TYPE_CHECKING:
    import pandas as pd

    from inspiring.accounts.models import User
    from inspiring.areas.models import Area
    from inspiring.surveys.models import Survey

PSEUDONYM_KEY = "inspiring.evaluation.pseudonym"

# ONS age bands (as the survey asks them), for a client's age on their baseline day.
AGE_BANDS: list[tuple[int, int, str]] = [
    (16, 24, "16_24"),
    (25, 34, "25_34"),
    (35, 44, "35_44"),
    (45, 54, "45_54"),
    (55, 64, "55_64"),
    (65, 74, "65_74"),
    (75, 200, "75_plus"),
]

# Connection statuses that mean the client was never connected (refused, or a mistake).
NOT_CONNECTED = ("declined", "withdrawn")
# Connection statuses that mean they went at least once.
WENT = ("attended_first", "attending", "stopped")


@dataclass(frozen=True)
class Column:
    """One column of an extract, with the words shown beside it when choosing variables."""

    name: str
    label: str
    # "id", "category" (text codes), "binary" (0/1), "number"
    kind: str = "number"


def pseudonym(record_id: object, salt: str) -> str:
    return "P" + salted_hmac(f"{PSEUDONYM_KEY}:{salt}", str(record_id)).hexdigest()[:16]


def column_code(code: str) -> str:
    return code.replace("-", "_")


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the extract as CSV bytes (the bundle's file): equal data, equal print."""
    return hashlib.sha256(csv_bytes(frame)).hexdigest()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    for low, high, code in AGE_BANDS:
        if low <= age <= high:
            return code
    return None


def quintile(decile: int | None) -> int | None:
    return None if decile is None else (int(decile) + 1) // 2


# --- The community survey -------------------------------------------------------------


def _survey_parts(survey: Survey) -> tuple[list[tuple[int, str, str]], list[Instrument]]:
    """(position, column slug, label) per category, and the survey's instruments."""
    categories = []
    for category in survey.categories.select_related("category").order_by("position"):
        slug = category.category.slug if category.category is not None else ""
        categories.append(
            (
                category.position,
                column_code(slug or f"category_{category.position}"),
                category.label,
            )
        )
    instruments = []
    for section in survey.sections.filter(kind="instrument").order_by("position"):
        instrument = library.get(section.instrument_code, section.instrument_version or None)
        if instrument is not None:
            instruments.append(instrument)
    return categories, instruments


def _instrument_columns(instrument: Instrument) -> list[tuple[str, str, str | None, str | None]]:
    """(column, label, item id or None, scale name or None) for one instrument: items,
    then scales; a scale named as an item column replaces it (a single-item scale:
    one column, the score)."""
    code = column_code(instrument.code)
    scales = {f"{code}_{scale.name}": scale for scale in instrument.scales}
    columns: list[tuple[str, str, str | None, str | None]] = []
    for item in instrument.items:
        name = f"{code}_{item.id}"
        if name in scales:
            continue
        columns.append((name, f"{instrument.title}: {item.text}", item.id, None))
    for name, scale in scales.items():
        columns.append((name, f"{instrument.title}: {scale.label} (score)", None, scale.name))
    return columns


def survey_columns(survey: Survey) -> list[Column]:
    """The survey extract's columns, in order, with labels (for choosing variables)."""
    categories, instruments = _survey_parts(survey)
    columns = [
        Column("pseudonym", "Pseudonym", "id"),
        Column("synthetic", "Made-up demo response (1) or real (0)", "binary"),
        Column("imd_decile", "Deprivation decile (1 most deprived)"),
        Column("imd_quintile", "Deprivation quintile (1 most deprived)"),
        Column("age_band", "Age band", "category"),
        Column("sex", "Sex", "category"),
        Column("ethnic_group", "Ethnic group", "category"),
        Column("disability", "Disability", "category"),
        Column("groups_count", "Number of groups they belong to"),
    ]
    for aspect, words in (("knows", "Knows of"), ("uses", "Goes to"), ("wants", "Would like")):
        columns += [
            Column(f"{aspect}_{slug}", f"{words}: {label}", "binary")
            for _, slug, label in categories
        ]
    labels = dict(SurveyBarrier.choices)
    columns += [
        Column(f"barrier_{code}", f"Barrier: {labels[code]}", "binary") for code in BARRIER_BITS
    ]
    columns.append(Column("took_part", "Goes to any kind of activity", "binary"))
    for instrument in instruments:
        columns += [Column(name, label) for name, label, _, _ in _instrument_columns(instrument)]
    return columns


def survey_extract(
    survey: Survey,
    salt: str,
    *,
    actor: User | None = None,
    analysis: Any = None,
) -> pd.DataFrame:
    """The survey's responses, one pseudonymous row each (columns: module docstring)."""
    import pandas as pd

    from inspiring.surveys.models import Response

    categories, instruments = _survey_parts(survey)
    names = [column.name for column in survey_columns(survey)]
    instrument_columns = [(i, _instrument_columns(i)) for i in instruments]
    fields = (
        "public_id",
        "synthetic",
        "imd_decile",
        "imd_quintile",
        "age_band",
        "sex",
        "ethnic_group",
        "disability",
        "groups_count",
        "knows_mask",
        "uses_mask",
        "wants_mask",
        "barriers_mask",
        "measures",
    )
    rows: list[list[Any]] = []
    for values in (
        Response.objects.filter(survey=survey)
        .order_by("pk")
        .values_list(*fields)
        .iterator(chunk_size=2000)
    ):
        record = dict(zip(fields, values, strict=True))
        row: list[Any] = [
            pseudonym(record["public_id"], salt),
            1 if record["synthetic"] else 0,
            record["imd_decile"],
            record["imd_quintile"],
            record["age_band"] or None,
            record["sex"] or None,
            record["ethnic_group"] or None,
            record["disability"] or None,
            record["groups_count"],
        ]
        for aspect in ("knows", "uses", "wants"):
            mask = int(record[f"{aspect}_mask"])
            row += [mask >> position & 1 for position, _, _ in categories]
        barriers = int(record["barriers_mask"])
        row += [barriers >> bit & 1 for bit in BARRIER_BITS.values()]
        row.append(1 if int(record["uses_mask"]) else 0)
        measures = record["measures"] or {}
        for instrument, columns in instrument_columns:
            given = measures.get(instrument.code) or {}
            answers = given.get("answers") or {}
            scores = given.get("scores") or {}
            for _, _, item_id, scale in columns:
                row.append(_number(answers.get(item_id) if scale is None else scores.get(scale)))
        rows.append(row)
    # In pseudonym order: the order responses arrived in is not carried into the extract.
    rows.sort(key=lambda row: row[0])
    frame = pd.DataFrame(rows, columns=names)
    frame = _typed(frame, survey_columns(survey))
    audit.record(
        None,
        "evaluation.extracted",
        analysis if analysis is not None else survey,
        area=survey.area,
        actor=actor,
        detail={"source": "survey", "survey": str(survey.public_id), "rows": len(frame)},
    )
    return frame


# --- Client outcomes ------------------------------------------------------------------


def _outcome_instruments(area_ids: Sequence[int]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(instrument code, [(scale, label)]) for every instrument with a baseline among the
    areas' clients, in the library's order of scales."""
    from inspiring.casework.models import Administration

    codes = sorted(
        set(
            Administration.objects.filter(
                client__area_id__in=area_ids, timepoint="baseline"
            ).values_list("instrument_code", flat=True)
        )
    )
    found = []
    for code in codes:
        instrument = library.get(code)
        if instrument is None:
            continue
        found.append(
            (
                code,
                [(scale.name, f"{instrument.title}: {scale.label}") for scale in instrument.scales],
            )
        )
    return found


def _category_list() -> list[tuple[str, str]]:
    from inspiring.directory.models import Category

    return [
        (column_code(slug), name) for slug, name in Category.objects.values_list("slug", "name")
    ]


def outcomes_columns(areas: Iterable[Area]) -> list[Column]:
    """The outcomes extract's columns, in order, with labels."""
    area_ids = [area.pk for area in areas]
    columns = [
        Column("pseudonym", "Pseudonym", "id"),
        Column("area", "Area", "category"),
        Column("imd_quintile", "Deprivation quintile (1 most deprived)"),
        Column("age_band", "Age band at baseline", "category"),
        Column("sex", "Sex", "category"),
        Column("groups_baseline", "Groups at baseline"),
        Column("groups_followup", "Groups at follow-up"),
        Column("groups_change", "Change in the number of groups"),
        Column("connections", "Connections to activities"),
        Column("attended", "Went to an activity at least once", "binary"),
    ]
    columns += [
        Column(f"cat_{slug}", f"Connected to: {name}", "binary") for slug, name in _category_list()
    ]
    for code, scales in _outcome_instruments(area_ids):
        for scale, label in scales:
            name = f"{column_code(code)}_{scale}"
            columns += [
                Column(f"baseline_{name}", f"{label} at baseline"),
                Column(f"followup_{name}", f"{label} at follow-up"),
                Column(f"change_{name}", f"{label}: change (follow-up minus baseline)"),
            ]
    return columns


def _held_on(memberships: list[tuple[date | None, date, date | None]], day: date) -> int:
    """Groups held on `day` (as casework's held_on: joined by then, not yet left)."""
    return sum(
        1
        for joined, created, left in memberships
        if (joined or created) <= day and (left is None or left > day)
    )


def outcomes_extract(
    areas: Sequence[Area],
    salt: str,
    *,
    actor: User | None = None,
    analysis: Any = None,
) -> pd.DataFrame:
    """One pseudonymous row per client of `areas` with a baseline administration and
    consent to their information being used for research (columns: module docstring)."""
    import pandas as pd

    from inspiring.casework.models import (
        Administration,
        Attendance,
        Client,
        Connection,
        GroupMembership,
    )

    area_ids = [area.pk for area in areas]
    slugs = {area.pk: area.slug for area in areas}
    columns = outcomes_columns(areas)
    names = [column.name for column in columns]
    instruments = _outcome_instruments(area_ids)
    categories = [slug for slug, _ in _category_list()]

    clients = {
        pk: (public_id, area_id, decile, sex, born)
        for pk, public_id, area_id, decile, sex, born in Client.objects.filter(
            area_id__in=area_ids, erased_at__isnull=True, consent_to_research=True
        ).values_list("pk", "public_id", "area_id", "imd_decile", "sex", "date_of_birth")
    }
    # Administrations in date order: the first baseline and the latest follow-up win.
    baselines: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    followups: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    baseline_day: dict[int, date] = {}
    followup_day: dict[int, date] = {}
    for client_id, code, timepoint, scores, on in (
        Administration.objects.filter(client_id__in=clients)
        .order_by("administered_on", "created_at", "pk")
        .values_list("client_id", "instrument_code", "timepoint", "scores", "administered_on")
    ):
        if timepoint == "baseline":
            baselines[client_id].setdefault(code, scores or {})
            baseline_day.setdefault(client_id, on)
        else:
            followups[client_id][code] = scores or {}
            followup_day[client_id] = on
    memberships: dict[int, list[tuple[date | None, date, date | None]]] = defaultdict(list)
    for client_id, joined, created, left in GroupMembership.objects.filter(
        client_id__in=baseline_day
    ).values_list("client_id", "joined_on", "created_at", "left_on"):
        memberships[client_id].append((joined, created.date(), left))
    connections: dict[int, int] = defaultdict(int)
    went: set[int] = set()
    connected_to: dict[int, set[str]] = defaultdict(set)
    for client_id, status, slug in (
        Connection.objects.filter(client_id__in=baseline_day)
        .exclude(status__in=NOT_CONNECTED)
        .values_list("client_id", "status", "activity__categories__slug")
    ):
        if status in WENT:
            went.add(client_id)
        if slug:
            connected_to[client_id].add(column_code(slug))
    for client_id, count in _connection_counts(Connection, baseline_day):
        connections[client_id] = count
    went |= set(
        Attendance.objects.filter(
            connection__client_id__in=baseline_day, attended=True
        ).values_list("connection__client_id", flat=True)
    )

    rows: list[list[Any]] = []
    for client_id in baseline_day:
        public_id, area_id, decile, sex, born = clients[client_id]
        start = baseline_day[client_id]
        end = followup_day.get(client_id)
        age = None
        if born is not None:
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        held = memberships.get(client_id, [])
        groups_baseline = _held_on(held, start)
        groups_followup = _held_on(held, end) if end is not None else None
        row: list[Any] = [
            pseudonym(public_id, salt),
            slugs[area_id],
            quintile(decile),
            age_band(age),
            sex or None,
            groups_baseline,
            groups_followup,
            None if groups_followup is None else groups_followup - groups_baseline,
            connections.get(client_id, 0),
            1 if client_id in went else 0,
        ]
        row += [1 if slug in connected_to.get(client_id, ()) else 0 for slug in categories]
        for code, scales in instruments:
            before = baselines[client_id].get(code) or {}
            after = followups[client_id].get(code) or {}
            for scale, _ in scales:
                first = _number(before.get(scale))
                last = _number(after.get(scale))
                change = None if first is None or last is None else last - first
                row += [first, last, change]
        rows.append(row)
    rows.sort(key=lambda row: row[0])  # pseudonym order, as the survey's
    frame = _typed(pd.DataFrame(rows, columns=names), columns)
    for area in areas:
        audit.record(
            None,
            "evaluation.extracted",
            analysis,
            area=area,
            actor=actor,
            detail={
                "source": "outcomes",
                "areas": [a.slug for a in areas],
                "rows": len(frame),
            },
        )
    return frame


def _connection_counts(connection_model: Any, client_ids: Iterable[int]) -> list[tuple[int, int]]:
    from django.db.models import Count

    return list(
        connection_model.objects.filter(client_id__in=list(client_ids))
        .exclude(status__in=NOT_CONNECTED)
        .values("client_id")
        .annotate(n=Count("pk"))
        .values_list("client_id", "n")
    )


# --- Labels for any column ------------------------------------------------------------


def column_labels(names: Iterable[str]) -> dict[str, str]:
    """Words for extract columns named without a data set at hand (a built-in question's
    spec, a report): the fixed columns, categories, barriers and instruments' items and
    scales, at baseline, follow-up or as change. A name it does not know is left out."""
    wanted = [name for name in dict.fromkeys(names) if name]
    if not wanted:
        return {}
    known: dict[str, str] = {}
    fixed = [
        Column("imd_decile", "Deprivation decile (1 most deprived)"),
        Column("imd_quintile", "Deprivation quintile (1 most deprived)"),
        Column("age_band", "Age band"),
        Column("sex", "Sex"),
        Column("ethnic_group", "Ethnic group"),
        Column("disability", "Disability"),
        Column("groups_count", "Number of groups they belong to"),
        Column("took_part", "Goes to any kind of activity"),
        Column("area", "Area"),
        Column("groups_baseline", "Groups at baseline"),
        Column("groups_followup", "Groups at follow-up"),
        Column("groups_change", "Change in the number of groups"),
        Column("connections", "Connections to activities"),
        Column("attended", "Went to an activity at least once"),
    ]
    known.update({column.name: column.label for column in fixed})
    labels = dict(SurveyBarrier.choices)
    known.update({f"barrier_{code}": f"Barrier: {labels[code]}" for code in BARRIER_BITS})
    if any(name.startswith(("knows_", "uses_", "wants_", "cat_")) for name in wanted):
        for slug, category in _category_list():
            known[f"knows_{slug}"] = f"Knows of: {category}"
            known[f"uses_{slug}"] = f"Goes to: {category}"
            known[f"wants_{slug}"] = f"Would like: {category}"
            known[f"cat_{slug}"] = f"Connected to: {category}"
    if any(name not in known for name in wanted):
        for code in library.known_codes():
            instrument = library.get(code)
            if instrument is None:
                continue
            for name, label, _, scale in _instrument_columns(instrument):
                known.setdefault(name, label)
                if scale is None:
                    continue
                plain = label.removesuffix(" (score)")
                known.setdefault(f"baseline_{name}", f"{plain} at baseline")
                known.setdefault(f"followup_{name}", f"{plain} at follow-up")
                known.setdefault(f"change_{name}", f"{plain}: change (follow-up minus baseline)")
    return {name: known[name] for name in wanted if name in known}


# --- Shared ---------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _typed(frame: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    """Numbers as floats (missing as NaN), 0/1 as integers, codes as text: the same
    dtypes whatever the rows, so the CSV's bytes (and fingerprint) depend on the data only."""
    import pandas as pd

    for column in columns:
        if column.kind in ("id", "category"):
            frame[column.name] = frame[column.name].astype("object")
        elif column.kind == "binary":
            frame[column.name] = pd.to_numeric(frame[column.name]).fillna(0).astype("int64")
        else:
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce").astype(
                "float64"
            )
    return frame


def extract(
    spec: dict[str, Any],
    salt: str,
    *,
    actor: User | None = None,
    analysis: Any = None,
) -> pd.DataFrame:
    """The extract a spec names (its "dataset"), for the areas it names."""
    source, target = resolve_dataset(spec)
    if source == "survey":
        return survey_extract(target, salt, actor=actor, analysis=analysis)
    return outcomes_extract(target, salt, actor=actor, analysis=analysis)


def resolve_dataset(spec: dict[str, Any]) -> tuple[str, Any]:
    """("survey", Survey) or ("outcomes", [Area, ...]); LookupError if it is gone."""
    from inspiring.areas.models import Area
    from inspiring.surveys.models import Survey

    dataset = spec.get("dataset") or {}
    if dataset.get("source") == "survey":
        try:
            survey_id = uuid.UUID(str(dataset.get("survey")))
        except ValueError:
            raise LookupError("The analysis names no survey.") from None
        survey = Survey.objects.select_related("area").filter(public_id=survey_id).first()
        if survey is None:
            raise LookupError("The survey this analysis used no longer exists.")
        return "survey", survey
    if dataset.get("source") == "outcomes":
        slugs = list(dataset.get("areas") or [])
        areas = list(Area.objects.filter(slug__in=slugs).order_by("slug"))
        if not areas or len(areas) != len(set(slugs)):
            raise LookupError("An area this analysis used no longer exists.")
        return "outcomes", areas
    raise LookupError("The analysis names no data set.")
