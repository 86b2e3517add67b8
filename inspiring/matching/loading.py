"""From the database to the engine: a client's Profile and the area's Candidates.

A fixed number of queries whatever the size of the directory: the profile (a few: the
categories and support features once, with their names and ids; the assessment with
its interests' ids), the candidate activities with their category and feature ids
(one, or two with a travel limit: the limits of the activity itself in SQL, cut by a
bounding box on the venue's indexed position, then the online ones), then the first
session each can be gone to, read by engine.select for the most promising activities
only (one query a batch, at most three), and what the cards show of the few chosen
(one). Distances are worked out here, exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.casework import choices
from inspiring.casework.models import Assessment, Client
from inspiring.directory.models import (
    Activity,
    Category,
    Schedule,
    Session,
    SupportFeature,
    Venue,
)
from inspiring.directory.search import current_schedules, when_label
from lib.geo import box_around, flat_reach, miles_from

from . import index
from .engine import (
    AFFORDABLE,
    Bound,
    Candidate,
    Ceiling,
    Listing,
    Page,
    Profile,
    Prospect,
    Slot,
    SlotLoader,
    Suggestion,
    miles_label,
)
from .models import BarrierRule

# How far ahead sessions are looked at: far enough for a fortnightly or monthly group.
WINDOW = index.WINDOW
# Local minutes of the day each part of the day covers (engine.day_part).
PARTS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 24 * 60)}
# Most ids put in one IN (...) list; a longer list is read by the query that chose them.
IN_LIMIT = 2000
# What activities() reads of each activity, in this order.
COLUMNS = (
    "pk",
    "title",
    "cost",
    "min_age",
    "max_age",
    "capacity_status",
    "online",
    "confirmed_at",
    "venue__latitude",
    "venue__longitude",
    "category_ids",
    "feature_ids",
)


@dataclass
class Refine:
    """What the link worker chooses for this search: days, free only and a type narrow
    it; a distance replaces the assessment's for this search only (shorter, or longer
    when the person agrees on the call to travel further). The assessment is not
    changed."""

    max_miles: float | None = None
    days: frozenset[str] = frozenset()
    only_free: bool = False
    category: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """The ids of the categories and support features, to their slugs and codes: read
    with their names for the profile, used again for the activities."""

    categories: dict[int, str]
    features: dict[int, str]

    @classmethod
    def read(cls) -> Taxonomy:
        return cls(
            dict(Category.objects.values_list("pk", "slug")),
            dict(SupportFeature.objects.values_list("pk", "code")),
        )


@dataclass
class ClientProfile:
    profile: Profile
    home: tuple[float, float] | None
    notes: list[str] = field(default_factory=list)
    assessed_miles: float | None = None  # how far the assessment says they will travel
    widened: bool = False  # this search goes further than the assessment says
    taxonomy: Taxonomy | None = None


def client_profile(client: Client, refine: Refine | None = None) -> ClientProfile:
    refine = refine or Refine()
    # One query each for the categories and the support features: their names for the
    # reasons, their ids for the assessment's interests and for reading the activities
    # (activities(taxonomy=...)).
    category_rows = list(Category.objects.values_list("pk", "slug", "name"))
    feature_rows = list(SupportFeature.objects.values_list("pk", "code", "name"))
    taxonomy = Taxonomy(
        {pk: slug for pk, slug, _ in category_rows}, {pk: code for pk, code, _ in feature_rows}
    )
    # The current assessment with its interests' ids in a column (one query, not two).
    assessment = client.assessments.annotate(
        interest_ids=_joined(Assessment.interests.through, "category_id", of="assessment_id")
    ).first()
    notes: list[str] = []
    availability: dict[str, frozenset[str]] = {}
    barriers: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    assessed: float | None = None
    if assessment is None:
        notes.append("Not assessed yet: suggestions use no barriers, interests or times.")
    else:
        availability = {
            day: frozenset(parts) for day, parts in assessment.availability.items() if parts
        }
        barriers = frozenset(assessment.barriers)
        interests = _Sets(taxonomy.categories)[assessment.interest_ids]
        if assessment.max_travel_miles is not None:
            assessed = float(assessment.max_travel_miles)
    max_miles = assessed if refine.max_miles is None else refine.max_miles
    home = (
        (client.latitude, client.longitude)
        if client.latitude is not None and client.longitude is not None
        else None
    )
    widened = False
    if home is None and max_miles is not None:
        notes.append("Their postcode is not known here, so distance cannot be used.")
        max_miles = None
    elif max_miles is not None and assessed is not None and max_miles > assessed:
        widened = True
        notes.append(
            f"Widened to {miles_label(max_miles)} for this search; their assessment says "
            f"{miles_label(assessed)}."
        )
    today = timezone.localdate()
    profile = Profile(
        age=client.age_on(today),
        sex=client.sex,
        availability=availability,
        max_miles=max_miles,
        cost_barrier="cost" in barriers,
        barriers=barriers,
        interests=interests,
        group_kinds=frozenset(client.groups.values_list("kind", flat=True)),
        barrier_features=BarrierRule.objects.table_for(client.area_id),
        barrier_labels=dict(choices.Barrier.choices),
        feature_labels={code: name for _, code, name in feature_rows},
        category_labels={slug: name for _, slug, name in category_rows},
        only_free=refine.only_free,
        days=refine.days,
        category=refine.category,
    )
    return ClientProfile(profile, home, notes, assessed, widened, taxonomy)


class Joined(Aggregate):
    """The values of a group joined by commas, in one column (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
        )


class AsRead(Func):
    """A datetime column read as text on SQLite, where the driver would otherwise parse
    each one through Django's converter (about 2 µs a row); as it is elsewhere."""

    template = "%(expressions)s"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)")


def _joined(through: Any, column: str, *, of: str = "activity_id") -> Subquery:
    """An activity's category or support feature ids (an assessment's interests: `of`
    "assessment_id"), joined, as a subquery (the through table's index alone answers
    it)."""
    return Subquery(
        through.objects.filter(**{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(joined=Joined(column))
        .values("joined")
    )


class _Sets(dict[str | None, frozenset[str]]):
    """Joined ids ("3,7") to the set of their slugs, each combination made once."""

    def __init__(self, names: dict[int, str]) -> None:
        super().__init__()
        self.names = names

    def __missing__(self, joined: str | None) -> frozenset[str]:
        # An id not known (deleted since the row was read) is left out, as its link is.
        names = self.names
        found = frozenset(
            names[int(pk)] for pk in str(joined).split(",") if joined and int(pk) in names
        )
        self[joined] = found
        return found


def _venues_in_reach(home: tuple[float, float], miles: float) -> QuerySet[Venue]:
    """The venues that may be within `miles`: a box on their indexed position, then a
    flat-earth ellipse that holds the whole circle (lib.geo.flat_reach), in SQL. The
    exact distance is worked out for the few left."""
    lat, lng = home
    south, north, west, east = box_around(lat, lng, miles)
    venues = Venue.objects.filter(latitude__range=(south, north), longitude__range=(west, east))
    flat = flat_reach(lat, miles)
    if flat is None or (west, east) == (-180.0, 180.0):
        return venues
    scale, limit = flat
    north_south = F("latitude") - lat
    east_west = (F("longitude") - lng) * scale
    return venues.alias(
        spread=ExpressionWrapper(
            north_south * north_south + east_west * east_west, output_field=FloatField()
        )
    ).filter(spread__lte=limit)


def _moment(value: Any) -> datetime:
    """A datetime column as the driver gives it: naive on SQLite (UTC, as Django stores
    it there), aware on PostgreSQL."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ActivityRow(NamedTuple):
    """What activities() keeps of an activity until the engine looks at it (and builds
    its Candidate: `candidate`): the Candidate's fields, worked out from the row."""

    activity_id: int
    title: str
    categories: frozenset[str]  # category slugs
    features: frozenset[str]  # support feature codes
    cost: str
    min_age: int | None
    max_age: int | None
    capacity_status: str
    miles: float | None
    confirmed_days: int
    online: bool


@dataclass
class Pool:
    prospects: list[Prospect[ActivityRow]]
    # Makes the query that chose them, by which the sessions of a long list (past
    # IN_LIMIT) are read: built only then (`chosen`), as most pages never need it and
    # building it (a travel limit's two parts joined) takes about half a millisecond.
    choose: Callable[[], QuerySet[Activity]]

    @cached_property
    def chosen(self) -> QuerySet[Activity]:
        return self.choose()


def activities(
    area: Area,
    profile: Profile,
    *,
    home: tuple[float, float] | None,
    now: datetime,
    taxonomy: Taxonomy | None = None,
) -> Pool:
    """The published activities people in `area` see that no limit of the activity itself
    rules out, as prospects for engine.select: each with the most it could score (the
    engine's Bound), built into a Candidate (`candidate`) only when looked at; and the
    query that chose them (for reading their sessions when there are many). The engine
    checks every limit again, exactly, on the candidates it builds.

    One query (two with a travel limit: the activities at venues in a bounding box on
    the venues' indexed position, then the online ones), with each activity's category
    and support feature ids joined into a column; and two more for the ids' slugs and
    codes unless `taxonomy` (client_profile's) gives them. Read as the driver gives the rows:
    at thousands of rows, Django's per-value converters would cost more than the
    query."""
    chosen = (
        Activity.objects.visible_in(area)
        .running()
        .filter(last_confirmed_at__gte=now - timedelta(days=settings.LISTING_STALE_DAYS + 1))
    )
    if profile.age is not None:
        chosen = chosen.filter(
            Q(min_age__isnull=True) | Q(min_age__lte=profile.age),
            Q(max_age__isnull=True) | Q(max_age__gte=profile.age),
        )
    if profile.only_free:
        chosen = chosen.filter(cost=Activity.Cost.FREE)
    elif profile.cost_barrier:
        chosen = chosen.filter(cost__in=AFFORDABLE)
    if profile.category:
        chosen = chosen.filter(categories__slug=profile.category)
    if home is not None and profile.max_miles is not None:
        near = _venues_in_reach(home, profile.max_miles)
        # Two indexed lists, read one after the other: activities at the venues in the
        # box (on their indexed position), then online ones (a partial index).
        online_ones = Activity.objects.filter(online=True).values("pk")
        parts = [
            chosen.filter(venue__in=near.values("pk")),
            chosen.filter(pk__in=online_ones),
        ]

        def choose() -> QuerySet[Activity]:
            return chosen.filter(Q(venue__in=near.values("pk")) | Q(pk__in=online_ones))

    else:
        parts = [chosen]
        choose = parts[0].all
    rows: dict[int, tuple[Any, ...]] = {}  # as the driver gives them
    with connection.cursor() as cursor:
        for part in parts:
            query = (
                part.order_by()
                .annotate(
                    confirmed_at=AsRead("last_confirmed_at"),
                    category_ids=_joined(Activity.categories.through, "category_id"),
                    feature_ids=_joined(Activity.support_features.through, "supportfeature_id"),
                )
                .values_list(*COLUMNS)
            )
            cursor.execute(*query.query.sql_with_params())
            rows.update((row[0], row) for row in cursor.fetchall())
    return Pool(Prospects(profile, home, now, taxonomy or Taxonomy.read())(rows.values()), choose)


class Prospects:
    """Activity rows (COLUMNS, as the driver gives them) to prospects for engine.select:
    each with the most it could score (the engine's Bound), its exact distance worked
    out (a row in the box but outside the circle is left out: the engine's limit,
    early). The sets of category slugs and feature codes are made once per combination."""

    def __init__(
        self, profile: Profile, home: tuple[float, float] | None, now: datetime, taxonomy: Taxonomy
    ) -> None:
        self.categories = _Sets(taxonomy.categories)
        self.features = _Sets(taxonomy.features)
        self.miles_to = miles_from(*home) if home is not None else None
        self.max_miles = profile.max_miles
        self.bound = Bound(profile)
        self.now = now
        self.naive_now = now.astimezone(UTC).replace(tzinfo=None)

    def __call__(self, rows: Iterable[tuple[Any, ...]]) -> list[Prospect[ActivityRow]]:
        categories, features, miles_to = self.categories, self.features, self.miles_to
        max_miles, bound, now, naive_now = self.max_miles, self.bound, self.now, self.naive_now
        prospects: list[Prospect[ActivityRow]] = []
        for row in rows:
            pk, title, cost, min_age, max_age, capacity, online, confirmed = row[:8]
            lat, lng, cats, feats = row[8:12]
            miles = None
            if not online and miles_to is not None and lat is not None and lng is not None:
                miles = miles_to(lat, lng)
                if max_miles is not None and miles > max_miles:
                    continue  # in the box, outside the circle: the engine's limit, early
            online = bool(online)
            # SQLite's text against a naive `now` (both UTC): no time zone to attach per row.
            age_days = (
                (naive_now - datetime.fromisoformat(confirmed)).days
                if isinstance(confirmed, str)
                else (now - confirmed).days
            )
            cats, feats = categories[cats], features[feats]
            prospects.append(
                Prospect(
                    capacity == "full",
                    -bound(cats, feats, cost, age_days, capacity, miles, online),
                    pk,
                    ActivityRow(
                        pk,
                        title,
                        cats,
                        feats,
                        cost,
                        min_age,
                        max_age,
                        capacity,
                        miles,
                        age_days,
                        online,
                    ),
                )
            )
        return prospects


# How many rows of the index each page of a walk reads: the first settles the top 20
# for almost everyone; the last takes all the rest.
PAGES = (200, 2000)


@dataclass
class IndexedPool:
    """The activities in reach read from the match index (index.walk), best bound first,
    a page at a time (`pages`, for engine.select_paged)."""

    walk: index.Walk
    prospects_of: Prospects
    read: int = 0  # rows read so far

    def pages(self) -> Iterator[Page[ActivityRow]]:
        offset = 0
        seen: set[int] = set()
        for size in (*PAGES, None):
            rows = self.walk.page(size, offset)
            offset += len(rows)
            # Each page is its own query: a row written between two (moved down across
            # the cut) is given once only.
            fresh = [row for row in rows if row[0] not in seen]
            seen.update(row[0] for row in fresh)
            self.read = offset
            last = rows[-1] if rows else None
            more = size is not None and len(rows) == size
            ceiling: Ceiling = (bool(last[12]), -float(last[13])) if more and last else None
            yield self.prospects_of(fresh), ceiling
            if ceiling is None:
                return

    @cached_property
    def chosen(self) -> QuerySet[Activity]:
        sql, params = self.walk.ids_sql()
        return Activity.objects.filter(pk__in=RawSQL(sql, params))  # noqa: S611 (index.walk's)


def indexed(
    area: Area,
    profile: Profile,
    *,
    home: tuple[float, float] | None,
    now: datetime,
    taxonomy: Taxonomy | None = None,
) -> IndexedPool:
    """The activities people in `area` see that no limit of the activity itself rules
    out, from the match index, as pages of prospects best bound first (see index.py).
    The same prospects as activities() gives, in the order select() takes them."""
    taxonomy = taxonomy or Taxonomy.read()
    walk = index.walk(
        Area.objects.sharing_with(area).order_by().values("pk").query.sql_with_params(),
        profile,
        home=home,
        now=now,
        category_ids={slug: pk for pk, slug in taxonomy.categories.items()},
        feature_ids={code: pk for pk, code in taxonomy.features.items()},
    )
    return IndexedPool(walk, Prospects(profile, home, now, taxonomy))


def candidate(row: ActivityRow) -> Candidate:
    """A prospect's Candidate (without its sessions), built when it is looked at."""
    return Candidate(
        activity_id=row.activity_id,
        public_id="",  # read for the chosen few: identify()
        title=row.title,
        categories=row.categories,
        features=row.features,
        cost=row.cost,
        min_age=row.min_age,
        max_age=row.max_age,
        capacity_status=row.capacity_status,
        miles=row.miles,
        confirmed_days=row.confirmed_days,
        stale=row.confirmed_days > settings.LISTING_STALE_DAYS,
        online=row.online,
        slots=(),
    )


# What identify() reads: of each chosen activity (in the order of its model's fields, as
# Model.from_db takes them), of its venue, its organiser's name, and of each schedule.
ACTIVITY_FIELDS = ("id", "public_id", "venue_id", "online", "hide_address", "locality")
VENUE_FIELDS = ("id", "name", "town")
SCHEDULE_FIELDS = (
    "id",
    "activity_id",
    "start_date",
    "start_time",
    "end_time",
    "rrule",
    "rdates",
    "all_day",
    "duration_days",
)
LISTED = (
    *ACTIVITY_FIELDS,
    "venue__name",
    "venue__town",
    "organisation__name",
    *(f"schedules__{name}" for name in SCHEDULE_FIELDS if name != "activity_id"),
)


class _Read:
    """An activity's schedules, read already, as directory.search.current_schedules asks
    for them (`activity.schedules.all()`): the directory's rule for which are still to
    come is applied, not copied."""

    def __init__(self, schedules: list[Schedule]) -> None:
        self.schedules = self
        self._schedules = schedules

    def all(self) -> list[Schedule]:
        return self._schedules


def identify(suggestions: list[Suggestion], today: date) -> None:
    """Give the suggested activities their public ids (the Open Referral API's) and
    what their cards show: organiser, place (Activity.place_label) and when they meet
    (search.current_schedules and when_label: the directory's words, as on What's on).

    One query for these few, however many: each activity with its venue and organiser,
    a row for each of its schedules (a LEFT JOIN: one without any comes back too). The
    rows become instances of the fields read only (Model.from_db, as .only() makes
    them), so that the directory's own code says them; a prefetch of the schedules
    would cost a second query and a queryset for each activity, several times this."""
    if not suggestions:
        return
    wanted = {s.candidate.activity_id for s in suggestions}
    rows = (
        Activity.objects.filter(pk__in=wanted)
        .order_by("pk", "schedules__start_date", "schedules__start_time", "schedules__pk")
        .values_list(*LISTED)
    )
    db = rows.db
    found: dict[int, tuple[Activity, str]] = {}
    schedules: dict[int, list[Schedule]] = defaultdict(list)
    for row in rows:
        of_activity, (venue_name, town, organiser, schedule_id, *of_schedule) = (
            row[: len(ACTIVITY_FIELDS)],
            row[len(ACTIVITY_FIELDS) :],
        )
        pk, venue_id = of_activity[0], of_activity[2]
        if pk not in found:
            activity = Activity.from_db(db, ACTIVITY_FIELDS, of_activity)
            if venue_id is not None:
                activity.venue = Venue.from_db(db, VENUE_FIELDS, (venue_id, venue_name, town))
            found[pk] = (activity, organiser)
        if schedule_id is not None:  # None: the activity has no schedule
            schedules[pk].append(
                Schedule.from_db(db, SCHEDULE_FIELDS, (schedule_id, pk, *of_schedule))
            )
    for suggestion in suggestions:
        pk = suggestion.candidate.activity_id
        activity, organiser = found[pk]
        current = current_schedules(cast(Activity, _Read(schedules[pk])), today)
        words = {schedule.pk: when_label(schedule) for schedule in current}
        suggestion.candidate = replace(suggestion.candidate, public_id=str(activity.public_id))
        suggestion.listing = Listing(
            organiser=organiser,
            place="Online" if activity.online else activity.place_label,
            address_private=activity.hide_address and not activity.online,
            when=tuple(words.values()),
            schedules=words,
        )


def upcoming(now: datetime) -> QuerySet[Session]:
    """The sessions matching looks at: going ahead, from now to the end of the window."""
    return Session.objects.filter(
        status=Session.Status.SCHEDULED, start__gte=now, start__lt=now + WINDOW
    )


def slot_loader(profile: Profile, now: datetime, pool: Pool | IndexedPool) -> SlotLoader:
    """Reads, for a batch of candidates at a time (one query a batch), the first upcoming
    session each has that the person can go to: in the window, going ahead, at a time
    that suits them (the first by start, end and id, as `candidates` orders them). The
    engine needs no more (the first such session is the one it scores and shows).

    Written as SQL, not built by the ORM: the time of week was a tree of ORs on the
    weekday and start minute, and compiling it (twice a batch, with its subquery) was a
    fifth of a request's time. Here it is one test of the session's bit in the index's
    mask of the person's times (index.time_mask: weekday * 3 + part of the day)."""
    mask = index.time_mask(profile)
    if mask == 0:  # no day they can go is allowed by the refinement
        return lambda batch: {}
    quote = connection.ops.quote_name
    sessions, activities = Session._meta.db_table, Activity._meta.db_table
    columns = ["activity_id", "start", "end", "weekday", "start_minute", "schedule_id"]

    def where(alias: str) -> tuple[str, list[Any]]:
        start = f"{alias}.{quote('start')}"
        terms = [f"{alias}.{quote('status')} = %s", f"{start} >= %s", f"{start} < %s"]
        params: list[Any] = [
            Session.Status.SCHEDULED,
            index.moment(now),
            index.moment(now + WINDOW),
        ]
        if mask is not None and mask != index.ALL_TIMES:
            terms.append(
                f"((%s >> ({alias}.weekday * 3 + CASE WHEN {alias}.start_minute < %s THEN 0 "
                f"WHEN {alias}.start_minute < %s THEN 1 ELSE 2 END)) & 1) = 1"
            )
            params += [mask, PARTS["afternoon"][0], PARTS["evening"][0]]
        return " AND ".join(terms), params

    wanted, wanted_params = where("s")
    first_wanted, first_params = where("f")
    read = ", ".join(f"s.{quote(name)}" for name in columns)
    order = ", ".join(f"{{0}}.{quote(name)}" for name in ("start", "end", "id"))

    def load(batch: list[Candidate]) -> dict[int, tuple[Slot, ...]]:
        ids = [c.activity_id for c in batch]
        # Only table and column names and placeholders are put in the text.
        if len(ids) > IN_LIMIT:  # the rest of a long list: by the query that chose them
            chosen, chosen_params = pool.chosen.values("pk").query.sql_with_params()
            sql = (
                f"SELECT {read} FROM {sessions} s WHERE s.activity_id IN ({chosen}) "  # noqa: S608
                f"AND {wanted} ORDER BY s.activity_id, {order.format('s')}"
            )
            params = [*chosen_params, *wanted_params]
        else:
            # Each activity's first such session, found on the (activity, start) index
            # by a subquery that stops at it: not every session of the batch's
            # activities in six weeks, read to keep the first.
            sql = (
                f"SELECT {read} FROM {sessions} s WHERE s.id IN (SELECT (SELECT f.id "  # noqa: S608
                f"FROM {sessions} f WHERE f.activity_id = a.id AND {first_wanted} "
                f"ORDER BY {order.format('f')} LIMIT 1) FROM {activities} a "
                f"WHERE a.id IN ({', '.join(['%s'] * len(ids))}))"
            )
            params = [*first_params, *ids]
        first: dict[int, tuple[Slot, ...]] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for activity_id, start, end, weekday, minute, schedule_id in cursor.fetchall():
                if activity_id not in first:
                    first[activity_id] = (
                        Slot(_moment(start), _moment(end), weekday, minute, schedule_id),
                    )
        return first

    return load


def candidates(
    area: Area, profile: Profile, *, home: tuple[float, float] | None, now: datetime
) -> list[Candidate]:
    """Every candidate with every upcoming session in the window: what the engine's
    reference `suggest` ranks (tests and the benchmark check the lazy path against it)."""
    found = [
        candidate(entry.source) for entry in activities(area, profile, home=home, now=now).prospects
    ]
    slots: dict[int, list[Slot]] = defaultdict(list)
    for activity_id, start, end, weekday, minute, schedule_id in (
        upcoming(now)
        .filter(activity_id__in=[c.activity_id for c in found])
        .order_by("activity_id", "start", "end", "pk")
        .values_list("activity_id", "start", "end", "weekday", "start_minute", "schedule_id")
    ):
        slots[activity_id].append(Slot(start, end, weekday, minute, schedule_id))
    return [
        replace(candidate, slots=tuple(slots[candidate.activity_id]))
        for candidate in found
        if candidate.activity_id in slots
    ]
