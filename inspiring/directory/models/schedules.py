"""Schedules (RFC 5545 parts, Europe/London) and the sessions materialised from them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from lib.dates import day_span, outside_window

from ..recurrence import (
    MAX_DURATION_DAYS,
    bank_holidays,
    describe,
    occurrences,
    rfc_date,
    session_times,
)

if TYPE_CHECKING:
    from inspiring.areas.models import Area

# Sent after sessions are removed (a schedule changed, an activity withdrawn),
# with `public_ids` (the open-data feeds keep a tombstone for each) and the
# `activity_ids` they were of.
sessions_removed = Signal()
# Sent after the sessions of some schedules are synced with them (materialise),
# with `schedule_ids`: whatever changes single dates (a calendar feed) re-applies
# its changes to sessions that were just made.
sessions_synced = Signal()
# Sent after sessions are moved in bulk (bulk_update, which sends no post_save), with
# `session_ids`: whatever keeps something by a session's day (monitoring's summary
# rows, by the day of an attendance) works it out again.
sessions_moved = Signal()
# Sent after activities are written in bulk (bulk_create, bulk_update, update: no
# post_save), with `activity_ids`: whatever keeps something per activity (matching's
# index) works it out again. Paths that save one at a time need not send it.
activities_changed = Signal()
# Sent after sessions' places may have gone up (their schedule's places changed, or a
# session's by hand), with `schedule_ids` or `session_ids`: bookings offers the new
# places to those waiting.
places_changed = Signal()

# The most places a session can have to book (a large hall's event).
MAX_PLACES = 5000
# Excluded and extra dates a schedule can list: years of school holidays, a
# day at a time, with room to spare.
MAX_LISTED_DATES = 1000
# How far ahead a rule without an end has its bank holidays written out as
# excluded dates (in .ics files): calendar apps repeat the rule for ever.
BANK_HOLIDAYS_AHEAD_YEARS = 3


class Schedule(models.Model):
    """When an activity happens: a start date and local times, and optionally a rule.

    Stored as RFC 5545 parts in London wall-clock time: `rrule` is empty for a
    one-off, EXDATE and RDATE are lists of ISO dates ("not in school holidays"
    is a list of excluded dates).
    """

    activity = models.ForeignKey(
        "directory.Activity", on_delete=models.CASCADE, related_name="schedules"
    )
    start_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    rrule = models.CharField("RRULE", max_length=300, blank=True)
    exdates = models.JSONField("dates it does not run", default=list, blank=True)
    rdates = models.JSONField("extra dates", default=list, blank=True)
    # The zone the times are wall-clock times in. Europe/London for everything
    # entered here; a calendar feed's events keep their own (a UTC series stays UTC).
    timezone = models.CharField(max_length=64, default="Europe/London")
    # An all-day event (from a calendar feed): times 00:00 to 23:59, shown as "all day".
    all_day = models.BooleanField(default=False)
    # How many days after the day it starts each session ends (a festival weekend from
    # Friday evening to Sunday: 2); 0 for a session within a day.
    duration_days = models.PositiveSmallIntegerField(
        "days it lasts after its first",
        default=0,
        validators=[MaxValueValidator(MAX_DURATION_DAYS)],
    )
    # "Not on bank holidays": England and Wales bank holidays are skipped, worked out
    # from the holidays library each time (never a stored list to keep up to date).
    skip_bank_holidays = models.BooleanField("not on bank holidays", default=False)
    # Places to book at each of its sessions (the sessions' own number, unless one is
    # changed by hand); none: its sessions are not booked on this site.
    places = models.PositiveSmallIntegerField(
        "places at each session",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES)],
        help_text="Leave empty if people do not book a place here",
    )
    # In a partner's proposed revision: the live schedule this one replaces.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time"))
                | models.Q(duration_days__gt=0),
                name="schedule_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_days__lte=MAX_DURATION_DAYS),
                name="schedule_lasts_at_most_two_weeks",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_date is not None:
            problem = outside_window(self.start_date, "a first date")
            if problem:
                errors["start_date"] = problem
        until = next(
            (part[len("UNTIL=") :] for part in self.rrule.split(";") if part.startswith("UNTIL=")),
            "",
        )
        if until:
            try:
                problem = outside_window(rfc_date(until), "a last date")
            except ValueError:
                problem = "Enter the last date (UNTIL) as a date, like 20270731"
            if problem:
                errors["rrule"] = problem
        for name, what in (("exdates", "dates it does not run"), ("rdates", "extra dates")):
            values = getattr(self, name)
            if not isinstance(values, list):
                errors[name] = f"Enter the {what} as a list"
                continue
            if len(values) > MAX_LISTED_DATES:
                errors[name] = f"Enter at most {MAX_LISTED_DATES:,} {what}"
                continue
            try:
                days = [date.fromisoformat(value) for value in values]
            except (TypeError, ValueError):
                errors[name] = f"Enter the {what} as dates, like 2026-12-24"
                continue
            problem = next((p for day in days if (p := outside_window(day, what))), None)
            if problem:
                errors[name] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def listed_exdates(self) -> list[date]:
        """The dates people listed as "does not run" (school holidays, say)."""
        return [date.fromisoformat(d) for d in self.exdates]

    @property
    def excluded_dates(self) -> list[date]:
        """Every date the rule gives that has no session: those listed, and the bank
        holidays it falls on when it skips them (to 3 years ahead for a rule with no end).

        What .ics files export as EXDATE; materialisation asks `recurrence.occurrences`
        to skip bank holidays in its own window instead.
        """
        listed = set(self.listed_exdates)
        if not self.skip_bank_holidays:
            return sorted(listed)
        last = _rule_until(self.rrule) if self.rrule else self.start_date
        if last is None:
            today = timezone.localdate()
            last = today.replace(year=today.year + BANK_HOLIDAYS_AHEAD_YEARS, day=1)
        produced = occurrences(
            start_date=self.start_date,
            start_time=self.start_time,
            end_time=self.end_time,
            rule=self.rrule,
            window_start=self.start_date,
            window_end=last,
            zone=self.zone,
            duration_days=self.duration_days,
        )
        holidays = bank_holidays(self.start_date, last) - set(self.extra_dates)
        return sorted(listed | {o.date for o in produced if o.date in holidays})

    @property
    def extra_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.rdates]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def times_on(self, day: date) -> tuple[datetime, datetime]:
        """The start and end of its session starting on `day`."""
        return session_times(day, self.start_time, self.end_time, self.zone, self.duration_days)

    @property
    def summary(self) -> str:
        return describe(
            start_date=self.start_date,
            start_time=self.start_time,
            end_time=self.end_time,
            rule=self.rrule,
            exdates=self.listed_exdates,
            rdates=self.extra_dates,
            all_day=self.all_day,
            skip_bank_holidays=self.skip_bank_holidays,
            duration_days=self.duration_days,
        )


def _rule_until(rule: str) -> date | None:
    for part in rule.split(";"):
        if part.startswith("UNTIL="):
            try:
                return rfc_date(part[len("UNTIL=") :])
            except ValueError:
                return None
    return None


class SessionQuerySet(models.QuerySet["Session"]):
    def remove(self) -> int:
        """Delete these sessions, telling whoever publishes them (sessions_removed)."""
        rows = list(self.values_list("public_id", "activity_id"))
        if not rows:
            return 0
        public_ids = [public_id for public_id, _ in rows]
        deleted = (
            Session.objects.filter(public_id__in=public_ids).delete()[1].get(Session._meta.label, 0)
        )
        sessions_removed.send(
            sender=Session,
            public_ids=public_ids,
            activity_ids=sorted({activity_id for _, activity_id in rows}),
        )
        return deleted

    def upcoming(self, now: datetime | None = None) -> SessionQuerySet:
        return self.filter(end__gte=now or timezone.now())

    def going_ahead(self) -> SessionQuerySet:
        return self.filter(status=Session.Status.SCHEDULED)

    def visible_in(self, area: Area) -> SessionQuerySet:
        """Sessions of activities people in `area` see (its own and shared ones), not paused."""
        from .activities import Activity

        activities = Activity.objects.visible_in(area).running()
        return self.filter(activity__in=activities)


class Session(models.Model):
    """One dated occurrence of an activity. Materialised from schedules 13 months ahead."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Going ahead"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(
        "directory.Activity", on_delete=models.CASCADE, related_name="sessions"
    )
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    # The date the schedule gives this session: with the schedule, its key.
    # Sessions are matched by date when a schedule changes, so a cancellation
    # or a note survives a change of time.
    occurrence_date = models.DateField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    # London local date, weekday (0 = Monday) and start minute of the day,
    # kept with the session so the date, day and time-of-day filters use columns.
    local_date = models.DateField()
    # The London date it ends on: local_date but for a session lasting days (a
    # festival weekend), which What's on lists on every day it covers.
    end_local_date = models.DateField()
    weekday = models.PositiveSmallIntegerField()
    start_minute = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Moved by hand from the schedule's time: roll-forward leaves it where it was put.
    moved = models.BooleanField(default=False)
    all_day = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    # Places to book, and how many are booked (kept by the bookings app, in the same
    # statement that books: never more than places). `places` comes from the schedule
    # unless changed for this session (`places_set`); none: not booked on this site.
    places = models.PositiveSmallIntegerField(null=True, blank=True)
    places_set = models.BooleanField(default=False)
    booked = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    # What set_times writes, for bulk_update (which runs no auto_now).
    TIME_FIELDS = (
        "start",
        "end",
        "local_date",
        "end_local_date",
        "weekday",
        "start_minute",
        "updated_at",
    )

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "occurrence_date"], name="one_session_per_schedule_date"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_ends_after_start"
            ),
            # The last line against overbooking: a booking that would pass the places
            # fails in the database, whatever path it came by.
            models.CheckConstraint(
                condition=models.Q(places__isnull=True, booked=0)
                | models.Q(booked__lte=models.F("places")),
                name="session_never_overbooked",
            ),
        ]
        indexes = [
            # What's on: upcoming sessions in date order.
            models.Index(fields=["start"], name="session_start"),
            # An activity's next sessions.
            models.Index(fields=["activity", "start"], name="session_activity_start"),
            # The month view and the planning tables; a day's list, with the
            # sessions still running from the days before read off the index.
            models.Index(fields=["local_date", "end_local_date"], name="session_local_dates"),
            # The OpenActive scheduled-sessions feed's order (RPDE: modified, then id).
            models.Index(fields=["updated_at", "public_id"], name="session_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} on {timezone.localtime(self.start):%a %d %b %Y %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def places_left(self) -> int | None:
        """Places still to book, or None where places are not booked here."""
        if self.places is None:
            return None
        return max(self.places - self.booked, 0)

    @property
    def spans_days(self) -> bool:
        return self.end_local_date != self.local_date

    @property
    def date_label(self) -> str:
        """ "Tuesday 8 December", or the days it covers: "Friday 24 to Monday 27 August"."""
        return day_span(self.local_date, self.end_local_date)

    @property
    def time_label(self) -> str:
        """ "10:00 to 12:00" in London time, "All day", or "18:00 Friday to 02:00 Saturday"."""
        if self.all_day:
            return "All day"
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        if self.spans_days:
            return f"{start:%H:%M %A} to {end:%H:%M %A}"
        return f"{start:%H:%M} to {end:%H:%M}"

    @property
    def when_label(self) -> str:
        """Its day or days and its times: "Tuesday 8 December, 10:00 to 12:00",
        "Friday 24 to Monday 27 August, all day", "Friday 24 August 18:00 to Saturday
        25 August 02:00"."""
        if self.spans_days and not self.all_day:
            start, end = timezone.localtime(self.start), timezone.localtime(self.end)
            return (
                f"{day_span(start.date(), start.date())} {start:%H:%M} "
                f"to {day_span(end.date(), end.date())} {end:%H:%M}"
            )
        time_label = self.time_label
        return f"{self.date_label}, {time_label[0].lower()}{time_label[1:]}"

    def set_times(self, start: datetime, end: datetime) -> None:
        """Set start and end, and the local columns derived from them.

        Also marks the session changed now: bulk updates do not run auto_now,
        and the open-data feeds order changes by it.
        """
        local = timezone.localtime(start)
        self.updated_at = timezone.now()
        self.start, self.end = start, end
        self.local_date = local.date()
        self.end_local_date = timezone.localtime(end).date()
        self.weekday = local.weekday()
        self.start_minute = local.hour * 60 + local.minute
