"""The match index: one narrow row per published activity (models.MatchEntry), kept exact.

Suggestions rank the activities in reach by the most each could score (engine.Bound)
and read sessions for the best few only. Without an index the database returned every
activity in reach, each with its categories and features gathered by subqueries, and
Python bounded them all: linear in the activities in reach, tens of thousands in a
dense region. With it, the database works out an upper bound of the engine's bound for
every row in reach from a few integer columns and returns them best first, a page at a
time (`walk`): Python sees the first page, and stops there for almost everyone.

Kept exact, in the same transaction as the write, from every path that changes what a
row holds (`connect`): an activity saved or deleted, its categories or features, its
venue moved, a session saved, deleted, cancelled, moved or made (materialise's
sessions_synced, the feeds' sessions_moved, sessions_removed), and activities written in
bulk (the directory's activities_changed, sent by the feed import, the demo and the
spreadsheet import). `differences()` compares every row with what its records say;
`manage.py match_index check` exits 1 listing them and the test suite runs the check
after every test that wrote to the database (tests/matchindex.py).

The times of week are a span of dates, from the day the row was worked out to a week
past the window matching looks at: the nightly roll-forward works every row out again
(materialise_all's sessions_synced), and a row whose span no longer holds the window
is simply not narrowed by time in SQL (it cannot hide an activity).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
)
from django.utils import timezone

from inspiring.directory.models import (
    Activity,
    Category,
    Schedule,
    Session,
    SupportFeature,
    Venue,
)
from lib.geo import EARTH_RADIUS_MILES, box_around, flat_reach

from .engine import DAY_CODES, Profile, _kind_of, day_part
from .models import MatchEntry
from .rules import FREE, WEIGHTS

# How far ahead matching looks for sessions (loading.WINDOW is this).
WINDOW = timedelta(weeks=6)
# A row's times of week hold a week past the window: until the nightly roll-forward
# works it out again, with days to spare if a night is missed.
TIMES_SPAN = WINDOW + timedelta(weeks=1)
PART_INDEX = {"morning": 0, "afternoon": 1, "evening": 2}
CHUNK = 500
# Added to the SQL bound: the engine's sum is rounded to 3 places.
EPSILON = 0.01
ALL_TIMES = (1 << 21) - 1
# Strips of longitude a hundredth of a degree wide (about 670 m in England): a 5-mile
# reach overlaps about 25, and the entries of the strips at its edges outside the box
# are a few hundredths of those read. Past MAX_STRIPS (a reach of some 20 miles) the
# strips are a range (their entries all read; the box is then much of the areas anyway).
STRIPS_PER_DEGREE = 100
MAX_STRIPS = 100


def strip_of(longitude: float) -> int:
    """The strip a longitude is in. floor() of a product by a positive constant never
    decreases as the longitude grows, so every longitude between the box's west and east
    edges has a strip between theirs: no venue in the box can be missed."""
    return math.floor(longitude * STRIPS_PER_DEGREE)


def bit(pk: int) -> int:
    """A category's or feature's bit: its id modulo 63 (a positive signed 64-bit integer).
    Two ids may share one; SQL only ever uses the bits to keep more, never fewer."""
    return 1 << (pk % 63)


def bits(ids: Iterable[int]) -> int:
    found = 0
    for pk in ids:
        found |= bit(pk)
    return found


def time_bit(weekday: int, minute: int) -> int:
    return 1 << (weekday * 3 + PART_INDEX[day_part(minute)])


def span(today: date | None = None) -> tuple[date, date]:
    start = today or timezone.localdate()
    return start, start + TIMES_SPAN


# ---------------------------------------------------------------------------
# Working rows out from the records


def _names() -> dict[int, str]:
    """Category ids to their slugs (a row's kind is worked out from them)."""
    return dict(Category.objects.values_list("pk", "slug"))


def _times(activity_ids: Sequence[int], window: tuple[date, date]) -> dict[int, int]:
    """Each activity's times of week from its sessions going ahead in the span."""
    found: dict[int, int] = defaultdict(int)
    # Local dates as the instants they begin: the (activity, start) index's range
    # (a session's local date is its start's).
    start, end = (timezone.make_aware(datetime.combine(day, time.min)) for day in window)
    for activity_id, weekday, minute in (
        Session.objects.filter(
            activity_id__in=activity_ids,
            status=Session.Status.SCHEDULED,
            start__gte=start,
            start__lt=end,
        )
        .order_by()
        .values_list("activity_id", "weekday", "start_minute")
        .distinct()
    ):
        found[activity_id] |= time_bit(weekday, minute)
    return found


def expected(
    activity_ids: Sequence[int],
    *,
    windows: dict[int, tuple[date, date]] | None = None,
    names: dict[int, str] | None = None,
) -> dict[int, MatchEntry]:
    """What the rows of these activities should hold (published, live ones only: the
    others have none). `windows`: the span to work each one's times out over (the
    check uses each row's own); otherwise from today."""
    categories = names or _names()
    links: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for activity_id, category_id in Activity.categories.through.objects.filter(
        activity_id__in=activity_ids
    ).values_list("activity_id", "category_id"):
        links[activity_id][0].append(category_id)
    for activity_id, feature_id in Activity.support_features.through.objects.filter(
        activity_id__in=activity_ids
    ).values_list("activity_id", "supportfeature_id"):
        links[activity_id][1].append(feature_id)
    rows = (
        Activity.objects.published()
        .filter(pk__in=activity_ids)
        .order_by()
        .values_list(
            "pk",
            "home_area_id",
            "title",
            "venue__latitude",
            "venue__longitude",
            "online",
            "cost",
            "min_age",
            "max_age",
            "capacity_status",
            "last_confirmed_at",
        )
    )
    today_span = span()
    by_window: dict[tuple[date, date], list[int]] = defaultdict(list)
    made: dict[int, MatchEntry] = {}
    for pk, area, title, lat, lng, online, cost, low, high, capacity, confirmed in rows:
        cats, feats = (sorted(ids) for ids in links[pk])
        window = (windows or {}).get(pk, today_span)
        by_window[window].append(pk)
        made[pk] = MatchEntry(
            activity_id=pk,
            home_area_id=area,
            title=title,
            latitude=lat,
            longitude=lng,
            strip=None if lng is None else strip_of(lng),
            online=online,
            cost=cost,
            min_age=low,
            max_age=high,
            capacity_status=capacity,
            last_confirmed_at=confirmed,
            category_ids=",".join(map(str, cats)),
            feature_ids=",".join(map(str, feats)),
            category_bits=bits(cats),
            feature_bits=bits(feats),
            kind=_kind_of(frozenset(categories[pk_] for pk_ in cats)),
            times_from=window[0],
            times_until=window[1],
        )
    for window, pks in by_window.items():
        for activity_id, found in _times(pks, window).items():
            made[activity_id].times = found
    return made


FIELDS = [f.name for f in MatchEntry._meta.concrete_fields if f.name not in ("activity",)]


def refresh(activity_ids: Iterable[int | None]) -> None:
    """Work these activities' rows out again from their records (a few queries for each
    500): written if published and live, deleted otherwise."""
    ids = sorted({pk for pk in activity_ids if pk is not None})
    if not ids:
        return
    names = _names()
    for index in range(0, len(ids), CHUNK):
        chunk = ids[index : index + CHUNK]
        made = expected(chunk, names=names)
        gone = [pk for pk in chunk if pk not in made]
        if gone:
            MatchEntry.objects.filter(activity_id__in=gone).delete()
        if made:
            MatchEntry.objects.bulk_create(
                list(made.values()),
                update_conflicts=True,
                unique_fields=["activity"],
                update_fields=[name for name in FIELDS if name != "activity_id"],
            )


def rebuild() -> int:
    """Every row worked out again; rows of activities that should have none deleted."""
    ids = list(Activity.objects.published().order_by("pk").values_list("pk", flat=True))
    MatchEntry.objects.exclude(activity_id__in=Activity.objects.published().values("pk")).delete()
    refresh(ids)
    return len(ids)


@dataclass(frozen=True)
class Difference:
    activity_id: int
    what: str  # "missing", "extra", or the fields that differ

    def __str__(self) -> str:
        return f"activity {self.activity_id}: {self.what}"


def _compared(entry: MatchEntry) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in FIELDS}
    values["activity_id"] = entry.activity_id
    return values


def differences() -> list[Difference]:
    """Every row that is not what its records say, each row's times over its own span
    (a row worked out yesterday is still right about yesterday's span)."""
    stored = {entry.activity_id: entry for entry in MatchEntry.objects.all()}
    ids = list(Activity.objects.published().values_list("pk", flat=True))
    found: list[Difference] = []
    names = _names()
    windows = {pk: (e.times_from, e.times_until) for pk, e in stored.items()}
    for index in range(0, len(ids), CHUNK):
        chunk = ids[index : index + CHUNK]
        for pk, want in expected(chunk, windows=windows, names=names).items():
            have = stored.pop(pk, None)
            if have is None:
                found.append(Difference(pk, "missing"))
                continue
            a, b = _compared(want), _compared(have)
            wrong = sorted(name for name in a if not _same(a[name], b[name]))
            if wrong:
                found.append(Difference(pk, "differs in " + ", ".join(wrong)))
    found.extend(Difference(pk, "extra") for pk in sorted(stored))
    return sorted(found, key=lambda d: d.activity_id)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    return bool(a == b)


# ---------------------------------------------------------------------------
# Walking it: the activities in reach, best bound first


COLUMNS = (
    "activity_id",
    "title",
    "cost",
    "min_age",
    "max_age",
    "capacity_status",
    "online",
    "last_confirmed_at",
    "latitude",
    "longitude",
    "category_ids",
    "feature_ids",
)


@dataclass
class Walk:
    """The query over the index for one search: `page(limit, offset)` gives rows in
    order of (full, SQL bound descending, activity id), each with its SQL bound; `count`
    how many are in reach; `ids_sql` the ids of every row in reach (for reading the
    sessions of a long list). With a travel limit the rows come from two parts, each on
    an index of its own (the venues' box on (area, latitude, longitude), then the online
    ones on a partial index): with an OR between them the planners scan the table."""

    parts: list[tuple[str, list[Any]]]  # WHERE clauses and their parameters
    bound: str
    bound_params: list[Any]

    def page(self, limit: int | None, offset: int) -> list[tuple[Any, ...]]:
        """The rows from `offset` on (`limit` of them, or all), ranked on the few columns
        the bound needs; only the page's rows are then read in full."""
        confirmed = (
            "CAST(m.last_confirmed_at AS TEXT)"
            if connection.vendor == "sqlite"
            else "m.last_confirmed_at"
        )
        columns = ", ".join(confirmed if c == "last_confirmed_at" else f"m.{c}" for c in COLUMNS)
        table = MatchEntry._meta.db_table
        # Only column names and placeholders are put in the text: values are parameters.
        ranked = " UNION ALL ".join(
            f"SELECT activity_id, capacity_status = 'full' AS full_, ({self.bound}) AS bound_ "  # noqa: S608
            f"FROM {table} WHERE {where}"
            for where, _ in self.parts
        )
        params = [value for _, part in self.parts for value in (*self.bound_params, *part)]
        cut = ""
        if limit is not None:
            cut = " LIMIT %s OFFSET %s"
            params += [limit, offset]
        elif offset:
            cut = " LIMIT -1 OFFSET %s" if connection.vendor == "sqlite" else " OFFSET %s"
            params.append(offset)
        order = "ORDER BY full_, bound_ DESC, activity_id"
        sql = (
            f"SELECT {columns}, k.full_, k.bound_ FROM (SELECT * FROM ({ranked}) AS in_reach "  # noqa: S608
            f"{order}{cut}) AS k JOIN {table} AS m ON m.activity_id = k.activity_id "
            "ORDER BY k.full_, k.bound_ DESC, k.activity_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        """How many rows are in reach (the benchmark's figure: not read for a page)."""
        sql, params = self.ids_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS in_reach", params)  # noqa: S608
            return int(cursor.fetchone()[0])

    def ids_sql(self) -> tuple[str, list[Any]]:
        table = MatchEntry._meta.db_table
        return (
            " UNION ALL ".join(
                f"SELECT activity_id FROM {table} WHERE {where}"  # noqa: S608
                for where, _ in self.parts
            ),
            [value for _, part in self.parts for value in part],
        )


def moment(value: datetime) -> Any:
    """A datetime as the database stores it (naive UTC text on SQLite: a parameter of
    raw SQL is not adapted by Django)."""
    return connection.ops.adapt_datetimefield_value(value)


def time_mask(profile: Profile) -> int | None:
    """The times of week the person can go, as index bits, or None for any time."""
    if not profile.availability and not profile.days:
        return None
    mask = 0
    for day, code in enumerate(DAY_CODES):
        if profile.days and code not in profile.days:
            continue
        if profile.availability:
            parts = profile.availability.get(code, frozenset())
        else:
            parts = frozenset(PART_INDEX)
        for part in parts:
            if part in PART_INDEX:
                mask |= 1 << (day * 3 + PART_INDEX[part])
    return mask


def walk(
    areas: tuple[str, Sequence[Any]],
    profile: Profile,
    *,
    home: tuple[float, float] | None,
    now: datetime,
    category_ids: dict[str, int],
    feature_ids: dict[str, int],
) -> Walk:
    """The index query for this person, over the activities of `areas` (the SQL and
    parameters of a query for their ids): the limits of the activity itself narrowed in SQL
    (never more than the engine's: every limit is checked again), and an upper bound of
    engine.Bound worked out from the row's columns."""
    area_sql, area_params = areas
    where = [f"home_area_id IN ({area_sql})"]
    params: list[Any] = list(area_params)
    oldest = max(
        now - timedelta(days=settings.LISTING_STALE_DAYS + 1),
        now - timedelta(days=settings.LISTING_HIDE_DAYS),
    )
    where.append("last_confirmed_at >= %s")
    params.append(moment(oldest))
    where.append("capacity_status <> 'paused'")
    if profile.age is not None:
        where.append("(min_age IS NULL OR min_age <= %s) AND (max_age IS NULL OR max_age >= %s)")
        params += [profile.age, profile.age]
    if profile.only_free:
        where.append("cost = 'free'")
    elif profile.cost_barrier:
        where.append("cost IN ('free', 'pay_what_you_can')")
    if profile.category:
        pk = category_ids.get(profile.category)
        if pk is None:
            where.append("1 = 0")
        else:
            where.append("(category_bits & %s) <> 0")
            params.append(bit(pk))
    mask = time_mask(profile)
    if mask is not None and mask != ALL_TIMES:
        today = timezone.localdate(now)
        last = timezone.localdate(now + WINDOW)
        where.append("((times & %s) <> 0 OR times_from > %s OR times_until <= %s)")
        params += [mask, today, last]

    if home is not None and profile.max_miles is not None:
        lat, lng = home
        south, north, west, east = box_around(lat, lng, profile.max_miles)
        western, eastern = strip_of(west), strip_of(east)
        if eastern - western < MAX_STRIPS:
            strips = list(range(western, eastern + 1))
            reach = [f"strip IN ({', '.join(['%s'] * len(strips))})"]
            reach_params: list[Any] = strips
        else:
            reach = ["strip BETWEEN %s AND %s"]
            reach_params = [western, eastern]
        reach += ["latitude BETWEEN %s AND %s", "longitude BETWEEN %s AND %s"]
        reach_params += [south, north, west, east]
        flat = flat_reach(lat, profile.max_miles)
        if flat is not None and (west, east) != (-180.0, 180.0):
            scale, limit = flat
            reach.append(
                "((latitude - %s) * (latitude - %s) + "
                "(longitude - %s) * %s * (longitude - %s) * %s) <= %s"
            )
            reach_params += [lat, lat, lng, scale, lng, scale, limit]
        # The area and the reach first: the index is sought for the latitude's range in
        # each of the area's strips the box overlaps; SQLite tests the terms in the order
        # written, and every column is in the covering index, so each entry outside the
        # box is passed over after a few comparisons, the limits and the bound worked out
        # only for the rows in reach.
        area, rest = where[0], " AND ".join(where[1:])
        parts = [
            (
                f"{area} AND {' AND '.join(reach)} AND NOT online AND {rest}",
                [*area_params, *reach_params, *params[len(area_params) :]],
            ),
            (f"{' AND '.join(where)} AND online", list(params)),
        ]
    else:
        parts = [(" AND ".join(where), params)]

    bound, bound_params = _bound(profile, home, now, category_ids, feature_ids)
    return Walk(parts, bound, bound_params)


# A weight in the bound: a float on both databases (see _bound).
W = "CAST(%s AS DOUBLE PRECISION)"


def _bound(
    profile: Profile,
    home: tuple[float, float] | None,
    now: datetime,
    category_ids: dict[str, int],
    feature_ids: dict[str, int],
) -> tuple[str, list[Any]]:
    """engine.Bound in SQL, from above: never less than it for any row (the bits may
    share, which only adds; the distance steps down by bands, by a flat metric that is
    never longer than the true distance).

    Every weight is written as a float (W: CAST(... AS DOUBLE PRECISION), folded into a
    constant when the statement is planned). A bare decimal is NUMERIC to PostgreSQL, so
    each CASE, and the sum of them for every row in reach, was worked out in its
    arbitrary-precision arithmetic: a quarter of the page's time where tens of thousands
    of activities are in reach. SQLite's numbers were floats already; so are the
    engine's (EPSILON covers their rounding)."""
    terms = [W % (WEIGHTS["soon"] + EPSILON)]
    params: list[Any] = []
    interest_ids = [category_ids[slug] for slug in profile.interests if slug in category_ids]
    interests = bits(interest_ids)
    if interests:
        # One interest matched, then a second: two bits set (x & (x - 1) clears the
        # lowest), or a bit two of their interests share (one bit could be both).
        shared = bits(pk for pk in interest_ids if sum(bit(o) == bit(pk) for o in interest_ids) > 1)
        terms.append(
            f"CASE WHEN (category_bits & %s) <> 0 THEN {W} ELSE 0 END"
            " + CASE WHEN ((category_bits & %s) & ((category_bits & %s) - 1)) <> 0"
            f" OR (category_bits & %s) <> 0 THEN {W} ELSE 0 END"
        )
        params += [
            interests,
            WEIGHTS["interest"],
            interests,
            interests,
            shared,
            WEIGHTS["interest"],
        ]
    for barrier in sorted(profile.barriers):
        answering = profile.barrier_features.get(barrier, frozenset())
        mask = bits(feature_ids[code] for code in answering if code in feature_ids)
        free = FREE in answering
        if not mask and not free:
            continue
        test = "(feature_bits & %s) <> 0"
        if free:
            test = f"({test} OR cost = 'free')"
        terms.append(f"CASE WHEN {test} THEN {W} ELSE 0 END")
        params += [mask, WEIGHTS["barrier"]]
    if profile.group_kinds:
        kinds = sorted(profile.group_kinds)
        terms.append(f"CASE WHEN kind IN ({', '.join(['%s'] * len(kinds))}) THEN 0 ELSE {W} END")
        params += [*kinds, WEIGHTS["widening"]]
    else:
        terms.append(W % WEIGHTS["widening"])
    # Confirmed within 90 days (the engine counts whole days: a day's margin).
    terms.append(f"CASE WHEN last_confirmed_at >= %s THEN {W} ELSE 0 END")
    params += [moment(now - timedelta(days=91)), WEIGHTS["confirmed"]]
    terms.append(f"CASE WHEN capacity_status = 'welcoming' THEN {W} ELSE 0 END")
    params.append(WEIGHTS["spaces"])
    near, near_params = _near(profile, home)
    terms.append(near)
    params += near_params
    return " + ".join(terms), params


@lru_cache(maxsize=2)
def _has_sqrt(vendor: str) -> bool:
    """Whether the database has sqrt() (PostgreSQL does; SQLite when built with its
    math functions, as Debian's is)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqrt(4.0)")
            return bool(cursor.fetchone())
    except DatabaseError:
        return False


def _near(profile: Profile, home: tuple[float, float] | None) -> tuple[str, list[Any]]:
    """engine._near from above: the distance by the flat metric (lib.geo.flat_reach,
    with the scale of the whole reach), which is never longer than the great-circle
    one. Without sqrt() in the database, 1 - t for the share t of the reach squared,
    which is no more than 1 - sqrt(t) for t up to 1."""
    if home is None:
        return "0", []
    limit = max(profile.max_miles if profile.max_miles else 5.0, 0.1)  # as engine._near
    lat, lng = home
    flat = flat_reach(lat, limit)
    if flat is None:
        return f"CASE WHEN online THEN 0 ELSE {WEIGHTS['near']} END", []
    scale, reach = flat
    spread = "((latitude - %s) * (latitude - %s) + (longitude - %s) * %s * (longitude - %s) * %s)"
    spread_params = [lat, lat, lng, scale, lng, scale]
    cases = "CASE WHEN online OR latitude IS NULL OR longitude IS NULL THEN 0"
    params: list[Any] = []
    if profile.max_miles is None:  # not cut to the reach in SQL: nothing beyond it
        cases += f" WHEN {spread} >= %s THEN 0"
        params += [*spread_params, reach]
    if _has_sqrt(connection.vendor):
        # Miles per degree of the flat metric: a hair less, for rounding.
        per_degree = EARTH_RADIUS_MILES * math.pi / 180 * (1 - 1e-9)
        cases += f" ELSE %s - %s * sqrt({spread}) END"
        params += [WEIGHTS["near"], WEIGHTS["near"] * per_degree / limit, *spread_params]
    else:
        cases += f" ELSE %s - %s * {spread} END"
        params += [WEIGHTS["near"], WEIGHTS["near"] / reach, *spread_params]
    return cases, params


# ---------------------------------------------------------------------------
# Keeping it exact


# What a row holds of an activity: a save that names none of them changes nothing here.
ACTIVITY_FIELDS = frozenset(
    {
        "status",
        "revision_of",
        "home_area",
        "title",
        "venue",
        "online",
        "cost",
        "min_age",
        "max_age",
        "capacity_status",
        "last_confirmed_at",
    }
)


def _activity_saved(sender: Any, instance: Activity, raw: bool = False, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if not raw and (fields is None or ACTIVITY_FIELDS & set(fields)):
        refresh([instance.pk])


def _venue_saved(sender: Any, instance: Venue, raw: bool = False, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if raw or kwargs.get("created"):
        return
    if fields is None or {"latitude", "longitude"} & set(fields):
        refresh(Activity.objects.filter(venue=instance).values_list("pk", flat=True))


def _session_changed(sender: Any, instance: Session, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh([instance.activity_id])


def _links_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """An activity's categories or features changed (or, from the other side, a
    category's or feature's activities)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            refresh([instance.pk])
    elif action in ("post_add", "post_remove") and pk_set:
        refresh(pk_set)
    elif action == "pre_clear":  # afterwards the links are gone: noted for post_clear
        field = sender._meta.get_field(type(instance)._meta.model_name)
        instance._match_index_cleared = list(
            sender.objects.filter(**{field.name: instance}).values_list("activity_id", flat=True)
        )
    elif action == "post_clear":
        refresh(getattr(instance, "_match_index_cleared", []))


def _taxonomy_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A category or feature about to go: its links go by a cascade (no m2m_changed),
    so its activities are noted here and worked out again once it has gone."""
    instance._match_index_activities = list(instance.activities.values_list("pk", flat=True))


def _taxonomy_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    refresh(getattr(instance, "_match_index_activities", []))


def _category_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A category's slug gives its activities' kind of group."""
    if not raw and not kwargs.get("created"):
        refresh(instance.activities.values_list("pk", flat=True))


def _schedules_synced(sender: Any, schedule_ids: Sequence[int], **kwargs: Any) -> None:
    refresh(Schedule.objects.filter(pk__in=schedule_ids).values_list("activity_id", flat=True))


def _sessions_moved(sender: Any, session_ids: Sequence[int], **kwargs: Any) -> None:
    refresh(Session.objects.filter(pk__in=session_ids).values_list("activity_id", flat=True))


def _sessions_removed(sender: Any, activity_ids: Sequence[int] = (), **kwargs: Any) -> None:
    refresh(activity_ids)


def _activities_changed(sender: Any, activity_ids: Sequence[int], **kwargs: Any) -> None:
    refresh(activity_ids)


def _after_migrate(sender: Any, verbosity: int = 1, using: str = "default", **kwargs: Any) -> None:
    """Write the rows again where there are published activities but not as many rows
    (the first migrate after the index came, or a database restored without it), where
    a kind of group stored is not what the rules now say (rules.CATEGORY_KIND changed in
    a release), or where a row with a position has no strip (the column came in
    migration 0004): all cheap to ask; the check command proves more."""
    if using != "default":
        return
    published = Activity.objects.published().count()
    kinds = _names()
    stale = (
        any(
            kind != _kind_of(frozenset(kinds.get(int(pk), "") for pk in ids.split(",") if pk))
            for ids, kind in MatchEntry.objects.values_list("category_ids", "kind").distinct()
        )
        or MatchEntry.objects.filter(strip__isnull=True, longitude__isnull=False).exists()
    )
    if published and (MatchEntry.objects.count() != published or stale):
        written = rebuild()
        if verbosity:
            print(f"  Matching's index written again: {written:,} activities")


def connect(app: Any) -> None:
    """Called once from MatchingConfig.ready."""
    from inspiring.directory.models.schedules import (
        activities_changed,
        sessions_moved,
        sessions_removed,
        sessions_synced,
    )

    post_migrate.connect(_after_migrate, sender=app, dispatch_uid="match-index-after-migrate")
    post_save.connect(_activity_saved, sender=Activity, dispatch_uid="match-index-activity")
    post_save.connect(_category_saved, sender=Category, dispatch_uid="match-index-category")
    for model in (Category, SupportFeature):
        pre_delete.connect(
            _taxonomy_deleting, sender=model, dispatch_uid=f"match-index-deleting-{model.__name__}"
        )
        post_delete.connect(
            _taxonomy_deleted, sender=model, dispatch_uid=f"match-index-deleted-{model.__name__}"
        )
    post_save.connect(_venue_saved, sender=Venue, dispatch_uid="match-index-venue")
    post_save.connect(_session_changed, sender=Session, dispatch_uid="match-index-session")
    for through in (Activity.categories.through, Activity.support_features.through):
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"match-index-{through.__name__}"
        )
    sessions_synced.connect(_schedules_synced, sender=Session, dispatch_uid="match-index-synced")
    sessions_moved.connect(_sessions_moved, sender=Session, dispatch_uid="match-index-moved")
    sessions_removed.connect(_sessions_removed, sender=Session, dispatch_uid="match-index-removed")
    activities_changed.connect(
        _activities_changed, sender=Activity, dispatch_uid="match-index-activities"
    )
