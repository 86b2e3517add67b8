"""Finding sessions: the filters of What's on, the feeds, the widget and the printed sheet.

One form reads the filters from the query string (so a search can be shared
or bookmarked) and one function turns them into a queryset, so the page, the
iCalendar feed and the widget always agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

from django import forms
from django.db import connection, connections
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.http import QueryDict
from django.utils import timezone

from inspiring.areas.forms import PostcodeField
from inspiring.areas.geography import Place
from inspiring.areas.models import Area
from lib.dates import outside_window
from lib.geo import miles_between
from lib.sql import fenced, prepared

from .models import Activity, Category, Schedule, Session, SupportFeature
from .recurrence import LONDON, MAX_DURATION_DAYS, describe

MILES_PER_DEGREE = 69.09  # of latitude; longitude is scaled by cos(latitude)

DAY_CHOICES = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
# Start minute ranges: morning before 12:00, afternoon before 17:00, evening after.
TIME_RANGES = {"morning": (0, 720), "afternoon": (720, 1020), "evening": (1020, 1440)}
TIME_CHOICES = [
    ("morning", "Morning (before 12pm)"),
    ("afternoon", "Afternoon (12pm to 5pm)"),
    ("evening", "Evening (after 5pm)"),
]
DISTANCE_CHOICES = [
    ("", "Any distance"),
    ("0.5", "Half a mile (a short walk)"),
    ("1", "1 mile"),
    ("2", "2 miles"),
    ("5", "5 miles"),
    ("10", "10 miles"),
]
SORT_CHOICES = [("date", "Soonest first"), ("distance", "Nearest first")]
# What's on lists each activity once (with its next dates), or a day-by-day list of sessions.
VIEW_CHOICES = [("activities", "Activities"), ("dates", "By date, day by day")]
# The next dates shown with each activity in the activities view.
NEXT_DATES = 3


class WhatsOnForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="For example, choir or walk"
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}),
        error_messages={"invalid": "Enter the start date as a real date, like 2026-12-01"},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}),
        error_messages={"invalid": "Enter the end date as a real date, like 2026-12-31"},
    )
    day = forms.MultipleChoiceField(
        label="Day", required=False, choices=DAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time = forms.MultipleChoiceField(
        label="Time of day",
        required=False,
        choices=TIME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.MultipleChoiceField(
        label="Type of activity", required=False, widget=forms.CheckboxSelectMultiple
    )
    feature = forms.MultipleChoiceField(
        label="What helps", required=False, widget=forms.CheckboxSelectMultiple
    )
    free = forms.BooleanField(label="Free only", required=False)
    postcode = PostcodeField(label="Near postcode", required=False)
    within = forms.ChoiceField(label="Distance", required=False, choices=DISTANCE_CHOICES)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)
    view = forms.ChoiceField(
        label="Show",
        required=False,
        choices=VIEW_CHOICES,
        widget=forms.RadioSelect,
        help_text="By date lists each session under its day, in time order",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The list of activities unless asked otherwise: its radio is shown chosen, on a
        # first visit and after filters applied without choosing (a radio group with
        # none chosen reads as a question still to answer).
        self.fields["view"].initial = VIEW_CHOICES[0][0]
        if isinstance(self.data, QueryDict) and self.is_bound and not self.data.get("view"):
            data = self.data.copy()
            data["view"] = VIEW_CHOICES[0][0]
            self.data = data
        category = self.fields["category"]
        feature = self.fields["feature"]
        assert isinstance(category, forms.MultipleChoiceField)
        assert isinstance(feature, forms.MultipleChoiceField)
        category.choices = list(Category.objects.values_list("slug", "name"))
        feature.choices = list(SupportFeature.objects.values_list("code", "name"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Dates far off (year 1, 9999) would run date arithmetic off the calendar.
        for name, what in (("date_from", "a start date"), ("date_to", "an end date")):
            day = cleaned.get(name)
            problem = outside_window(day, what) if day else None
            if problem:
                self.add_error(name, problem)
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        if cleaned.get("within") and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to search by distance")
        wants_distance = cleaned.get("sort") == "distance"
        if wants_distance and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to sort by distance")
        return cleaned

    def filters(self) -> Filters:
        """The filters; call after is_valid(). An invalid form gives the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return Filters(
            q=data.get("q", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            days=[int(d) for d in data.get("day", [])],
            times=list(data.get("time", [])),
            categories=list(data.get("category", [])),
            features=list(data.get("feature", [])),
            free=bool(data.get("free")),
            place=data.get("postcode"),
            within_miles=float(data["within"]) if data.get("within") else None,
            sort=data.get("sort") or "date",
            view=data.get("view") or "activities",
        )


@dataclass(frozen=True)
class Filters:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    days: list[int] | None = None
    times: list[str] | None = None
    categories: list[str] | None = None
    features: list[str] | None = None
    free: bool = False
    place: Place | None = None
    within_miles: float | None = None
    sort: str = "date"
    view: str = "activities"


def _activities(area: Area, filters: Filters) -> QuerySet[Activity, Activity]:
    """Activities people in `area` see that match the activity filters, each once.

    Categories and features are tested with EXISTS, not joins, so no activity
    comes twice and no DISTINCT is needed.
    """
    activities = Activity.objects.visible_in(area).running()
    if filters.categories:
        activities = activities.filter(
            Exists(
                Activity.categories.through.objects.filter(
                    activity_id=OuterRef("pk"), category__slug__in=filters.categories
                )
            )
        )
    for code in filters.features or []:
        # Every feature asked for, not any of them.
        activities = activities.filter(
            Exists(
                Activity.support_features.through.objects.filter(
                    activity_id=OuterRef("pk"), supportfeature__code=code
                )
            )
        )
    if filters.free:
        activities = activities.filter(cost=Activity.Cost.FREE)
    if filters.q:
        activities = activities.filter(
            Q(title__icontains=filters.q)
            | Q(summary__icontains=filters.q)
            | Q(description__icontains=filters.q)
            | Q(organisation__name__icontains=filters.q)
        )
    if filters.place is not None and filters.within_miles is not None:
        # A bounding box the venue indexes can use; the exact radius below.
        lat, lng = filters.place.latitude, filters.place.longitude
        dlat = filters.within_miles / MILES_PER_DEGREE
        dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
        activities = activities.filter(
            venue__latitude__range=(lat - dlat, lat + dlat),
            venue__longitude__range=(lng - dlng, lng + dlng),
            # A group that keeps its address private must not be findable by
            # narrowing the distance around it.
            hide_address=False,
        )
    return activities


def matching_activities(area: Area, filters: Filters) -> QuerySet[Activity, Any]:
    return _activities(area, filters).values("pk")


def _distance_squared(place: Place, prefix: str = "activity__") -> Case:
    """Squared distance in degrees of latitude (equirectangular: exact enough within a county).

    None for activities without a venue or with a private address: they sort last.
    """
    scale = math.cos(math.radians(place.latitude))
    dlat = F(f"{prefix}venue__latitude") - place.latitude
    dlng = (F(f"{prefix}venue__longitude") - place.longitude) * scale
    distance = ExpressionWrapper(dlat * dlat + dlng * dlng, output_field=FloatField())
    return Case(
        When(**{f"{prefix}hide_address": True}, then=Value(None)),
        default=distance,
        output_field=FloatField(),
    )


def search_sessions(
    area: Area, filters: Filters, *, now: datetime | None = None
) -> QuerySet[Session]:
    """Upcoming sessions people in `area` can go to, matching the filters, in order."""
    now = now or timezone.now()
    start = first_day(filters, now)
    # A session lasting days is listed from the first day it covers: the ones begun
    # in the days before `start` are read off the (local_date, end_local_date) index.
    sessions = Session.objects.filter(
        activity__in=matching_activities(area, filters),
        local_date__gte=start - timedelta(days=MAX_DURATION_DAYS),
        end_local_date__gte=start,
    ).filter(end__gte=now)
    if filters.date_to:
        sessions = sessions.filter(local_date__lte=filters.date_to)
    if filters.days:
        sessions = sessions.filter(_on_days(filters.days))
    if filters.times:
        by_time = Q()
        for name in filters.times:
            low, high = TIME_RANGES[name]
            by_time |= Q(start_minute__gte=low, start_minute__lt=high)
        sessions = sessions.filter(by_time)
    if filters.place is not None:
        sessions = sessions.annotate(distance_squared=_distance_squared(filters.place))
        if filters.within_miles is not None:
            limit = (filters.within_miles / MILES_PER_DEGREE) ** 2
            sessions = sessions.filter(distance_squared__lte=limit)  # type: ignore[misc]
        if filters.sort == "distance":
            return sessions.order_by(F("distance_squared").asc(nulls_last=True), "start", "pk")
    return sessions.order_by("start", "pk")


def first_day(filters: Filters, now: datetime | None = None) -> date:
    """The first day a search lists: its "from" date, never before today."""
    today = timezone.localdate(now or timezone.now())
    return max(filters.date_from or today, today)


def listed_on(session: Session, first: date) -> date:
    """The day a list starting on `first` shows a session under: its own, or for
    one lasting days that began before, `first` (a festival's Saturday)."""
    return max(session.local_date, first)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _on_days(days: list[int]) -> Q:
    """Sessions on any of these weekdays: starting on one, or lasting days and
    covering one (a Friday-to-Sunday festival is on a Saturday)."""
    condition = Q(weekday__in=days)
    for weekday in set(range(7)) - set(days):
        # Days from this weekday to the nearest chosen one after it.
        ahead = min((day - weekday) % 7 for day in days)
        reaches = Cast(F("local_date") + timedelta(days=ahead), DateField())
        condition |= Q(weekday=weekday, end_local_date__gte=reaches)
    return condition


def _session_conditions(filters: Filters, now: datetime) -> Q:
    """The session filters, on `start` rather than `local_date` (the same days:
    local_date is start's London date), so each activity's next sessions are an
    index range on (activity, start) that stops at the first match. A session
    lasting days counts from its first day to its last: the range starts as far
    back as one can last."""
    first = first_day(filters, now)
    conditions = Q(
        start__gte=_day_start(first - timedelta(days=MAX_DURATION_DAYS)),
        end__gte=max(now, _day_start(first)),
    )
    if filters.date_to:
        conditions &= Q(start__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.days:
        conditions &= _on_days(filters.days)
    if filters.times:
        by_time = Q()
        for name in filters.times:
            low, high = TIME_RANGES[name]
            by_time |= Q(start_minute__gte=low, start_minute__lt=high)
        conditions &= by_time
    return conditions


def search_activities(
    area: Area, filters: Filters, *, now: datetime | None = None
) -> RankedActivities:
    """Activities people in `area` can go to with a session matching the filters, each
    once, soonest first (their first matching session), or from a postcode nearest
    first (then soonest), as a paginator reads them."""
    now = now or timezone.now()
    first = (
        Session.objects.filter(_session_conditions(filters, now), activity=OuterRef("pk"))
        .order_by("start", "pk")
        .values("start")[:1]
    )
    activities = _activities(area, filters).annotate(next_start=Subquery(first))
    by_distance = False
    if filters.place is not None:
        activities = activities.annotate(
            distance_squared=_distance_squared(filters.place, prefix="")
        )
        if filters.within_miles is not None:
            limit = (filters.within_miles / MILES_PER_DEGREE) ** 2
            activities = activities.filter(distance_squared__lte=limit)
        by_distance = filters.sort == "distance"
    return RankedActivities(activities, by_distance=by_distance)


def activity_details(activities: QuerySet[Activity, Activity]) -> QuerySet[Activity, Activity]:
    """What a list of activities shows, in a fixed number of queries."""
    return activities.select_related("organisation", "venue", "home_area").prefetch_related(
        "categories", "support_features", "schedules"
    )


class RelatedRows(Subquery):
    """The rows of `queryset` (correlated with the outer query by OuterRef) as one column
    of the outer query's row: a JSON list holding each row's place in `order` and its
    model's columns (jsonb_agg on PostgreSQL, json_group_array on SQLite). `instances`
    turns that list back into model instances, in `order`, as if read on their own.

    An item's lists (an activity's categories, schedules, next sessions) come with the
    item in one statement this way, rather than a round trip a list as prefetching
    takes. `order` should end with a unique column; slice `queryset` (ordered by
    `order`) to read only the first rows. The subquery reads the model's columns as
    Django reads a row; the JSON is made around it, from their names (building it from
    an expression a column took Django longer than the round trips it saves).
    """

    output_field = JSONField()

    def __init__(self, queryset: QuerySet[Any, Any], order: Sequence[str]) -> None:
        self.model: type[Model] = queryset.model
        self.fields: list[Field[Any, Any]] = list(self.model._meta.concrete_fields)
        place = Window(RowNumber(), order_by=[F(name) for name in order])
        if not queryset.query.is_sliced:
            queryset = queryset.order_by()  # the place says the order: no sort for nothing
        super().__init__(queryset.annotate(related_place=place))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        postgresql = connection.vendor == "postgresql"
        columns = ["related.related_place"]
        for field in self.fields:
            column = f"related.{connection.ops.quote_name(field.column)}"
            # SQLite keeps JSON as text: json() embeds it rather than quoting it.
            json_text = isinstance(field, JSONField) and not postgresql
            columns.append(f"json({column})" if json_text else column)
        if postgresql:
            row = f"JSONB_BUILD_ARRAY({', '.join(columns)})"
            rows = f"COALESCE(JSONB_AGG({row}), '[]')"
        else:
            rows = f"json_group_array(json_array({', '.join(columns)}))"
        subquery, params = self.query.as_sql(compiler, connection)  # in brackets
        # Only the model's column names are added to Django's statement.
        return f"(SELECT {rows} FROM {subquery} related)", params  # noqa: S608

    def instances(self, rows: list[list[Any]] | None, using: str) -> list[Any]:
        """The models of `rows` (this column's value, read from database `using`)."""
        names = [field.attname for field in self.fields]
        zone = connections[using].timezone
        return [
            self.model.from_db(
                using,
                names,
                [
                    _decoded(field, value, zone)
                    for field, value in zip(self.fields, values, strict=True)
                ],
            )
            for _place, *values in sorted(rows or [], key=lambda row: row[0])
        ]


def _decoded(field: Field[Any, Any], value: Any, zone: tzinfo | None) -> Any:
    """A column's value as JSON gives it (a date or UUID as text, a boolean 0 or 1 on
    SQLite) as the field's Python value."""
    if value is None or isinstance(field, JSONField):
        return value
    if isinstance(field, DateTimeField):
        # SQLite keeps datetimes without an offset, in the connection's zone (UTC).
        moment = datetime.fromisoformat(value)
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, zone)
    if isinstance(field, DecimalField):
        return field.to_python(value).quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
    return field.to_python(value)


class ActivityItem(NamedTuple):
    activity: Activity
    # Its next sessions, when asked for.
    sessions: list[Session]


def activity_item(
    activities: QuerySet[Activity, Activity], *, sessions: int = 0
) -> ActivityItem | None:
    """The activity of `activities` (one at most: filtered by its id) with what its page
    and its open-data service show, in one statement: its organisation, venue and area,
    its categories, support features and schedules (from activity.categories.all() and
    the others, in their usual order, as a prefetch leaves them), and its next `sessions`
    upcoming sessions. None if there is none.

    Six statements a page at national scale cost twice their time in round trips.
    """
    lists = {
        "categories": RelatedRows(
            Category.objects.filter(activities=OuterRef("pk")), ["order", "name", "pk"]
        ),
        "support_features": RelatedRows(
            SupportFeature.objects.filter(activities=OuterRef("pk")), ["order", "name", "pk"]
        ),
        "schedules": RelatedRows(
            Schedule.objects.filter(activity=OuterRef("pk")), ["start_date", "start_time", "pk"]
        ),
    }
    if sessions:
        lists["sessions"] = RelatedRows(
            Session.objects.filter(activity=OuterRef("pk"))
            .upcoming()
            .order_by("start", "pk")[:sessions],
            ["start", "pk"],
        )
    annotated = activities.select_related("organisation", "venue", "home_area").annotate(
        **{f"{name}_rows": rows for name, rows in lists.items()}
    )
    with prepared(annotated.db):  # planned once a connection: see lib.sql.prepared
        activity = next(iter(annotated.order_by()[:1]), None)
    if activity is None:
        return None
    found = {
        name: rows.instances(getattr(activity, f"{name}_rows"), annotated.db)
        for name, rows in lists.items()
    }
    for name in ("categories", "support_features", "schedules"):
        _prefetched(activity, name, found[name])
    for related in (*found["schedules"], *found.get("sessions", [])):
        related.activity = activity  # the one read: none to read again
    return ActivityItem(activity, found.get("sessions", []))


def _prefetched(instance: Model, name: str, items: list[Any]) -> None:
    """Leave `items` as instance.<name>.all(), as prefetch_related does."""
    manager = getattr(instance, name)
    queryset = manager.all()  # not read: its results are set here
    queryset._result_cache = items
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


class RankedActivities:
    """Search results for a paginator: every match's id in order from one query
    (which gives the count too), then a page's activities with their details.

    Counting and paging separately would work out each activity's first
    matching session twice; this works it out once. The activities (annotated with
    `next_start`, and `distance_squared` from a postcode) are read inside a derived
    table that the database may not merge into the outer query (OFFSET 0): merged,
    PostgreSQL tests `next_start IS NOT NULL` before the cheaper filters (category,
    features) and looks up the first session of every activity in the box, not only
    of those that pass them, then looks it up again to sort (bench/national.py: What's
    on at national scale took 100-200 ms, about three times its floor; lib.sql.fenced).
    """

    def __init__(
        self, activities: QuerySet[Activity, Activity], *, by_distance: bool = False
    ) -> None:
        self._activities = activities
        self._by_distance = by_distance
        self._ids: list[int] | None = None

    @property
    def ids(self) -> list[int]:
        if self._ids is None:
            self._ids = self._ranked_ids()
        return self._ids

    def _ranked_ids(self) -> list[int]:
        if self._activities.query.is_empty():  # .none(): no statement to run
            return []
        columns = ["ranked_id", "next_start"]
        order = "next_start, ranked_id"
        if self._by_distance:
            columns.append("distance_squared")
            order = "distance_squared IS NULL, distance_squared, next_start, ranked_id"
        inner, params = fenced(
            self._activities.annotate(ranked_id=F("pk")).order_by().values_list(*columns)
        )
        # Only fixed column names are added to Django's statement (its values are
        # parameters).
        outer = (
            f"SELECT ranked_id FROM {inner} ranked "  # noqa: S608
            f"WHERE next_start IS NOT NULL ORDER BY {order}"
        )
        with connection.cursor() as cursor:
            cursor.execute(outer, params)
            return [row[0] for row in cursor.fetchall()]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, page: slice) -> list[Activity]:
        wanted = self.ids[page]
        found = activity_details(Activity.objects.filter(pk__in=wanted)).in_bulk()
        # One withdrawn between the two reads is left out, not a failure.
        return [found[pk] for pk in wanted if pk in found]


def next_sessions(
    activity_ids: list[int], filters: Filters, *, now: datetime | None = None
) -> dict[int, list[Session]]:
    """Each activity's next NEXT_DATES sessions within the filters, in one query."""
    if not activity_ids:
        return {}
    now = now or timezone.now()
    ranked = (
        Session.objects.filter(_session_conditions(filters, now), activity_id__in=activity_ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("activity_id"), order_by=[F("start"), F("pk")])
        )
        .filter(rank__lte=NEXT_DATES)
        .order_by("activity_id", "start", "pk")
    )
    found: dict[int, list[Session]] = {pk: [] for pk in activity_ids}
    for session in ranked:
        found[session.activity_id].append(session)
    return found


def when_label(schedule: Schedule) -> str:
    """When a schedule happens, short: "Every Tuesday, 10:00 to 11:30" (no dates or exceptions)."""
    text = describe(
        start_date=schedule.start_date,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        rule=schedule.rrule,
        all_day=schedule.all_day,
        duration_days=schedule.duration_days,
    )
    return text.split(", from ")[0] if schedule.rrule else text


def current_schedules(activity: Activity, today: date) -> list[Schedule]:
    """The activity's schedules that still have dates to come or still going on (a past
    one-off is not)."""
    return [
        schedule
        for schedule in activity.schedules.all()
        if schedule.rrule
        or max([schedule.start_date, *schedule.extra_dates])
        + timedelta(days=schedule.duration_days)
        >= today
    ]


def with_details(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """What a list of sessions shows, in a fixed number of queries."""
    return sessions.select_related(
        "activity", "activity__organisation", "activity__venue", "activity__home_area"
    ).prefetch_related("activity__categories", "activity__support_features")


def miles_from(place: Place | None, session: Session) -> float | None:
    return activity_miles_from(place, session.activity)


def activity_miles_from(place: Place | None, activity: Activity) -> float | None:
    venue = activity.venue
    if place is None or venue is None or activity.hide_address:
        return None
    return miles_between(place.latitude, place.longitude, venue.latitude, venue.longitude)


def distance_label(miles: float) -> str:
    """Always miles, as the distance filter gives them: "0.4 miles", "1 mile", "2.3 miles",
    and "under 0.1 miles" rather than "0.0 miles"."""
    rounded = round(miles, 1)
    if rounded < 0.1:
        return "under 0.1 miles"
    if rounded == 1:
        return "1 mile"
    return f"{rounded:.1f} miles"


def feed_window(filters: Filters) -> Filters:
    """Subscription feeds default to the next three months, not the whole horizon."""
    if filters.date_to is not None:
        return filters
    start = filters.date_from or timezone.localdate()
    return Filters(**{**filters.__dict__, "date_to": start + timedelta(days=92)})
