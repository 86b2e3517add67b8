"""The activities sheet: one row per activity, with at most one simple schedule.

A row is checked by ActivityForm, and its date columns by ScheduleForm, and
saved through the same actions as the staff pages (approval rules, audit,
sessions materialised once the import commits). An activity with several
schedules, or one from a calendar feed (all day, another time zone), keeps
its dates: the export leaves its date columns empty and the import refuses to
change them, so the activity's page stays the place for that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django import forms

from lib.csvfiles import Row, Table

from ..access import editable_activities, editable_venues, usable_venues
from ..actions import SCHEDULE_FIELDS, do_save_activity, do_save_schedule
from ..forms import ActivityForm, ScheduleForm, places_field
from ..models import Activity, Category, Organisation, Schedule, SupportFeature, Venue
from ..models.schedules import MAX_PLACES
from ..recurrence import DAY_CODES, DAY_NAMES, LONDON
from .base import UNREADABLE, Column, Names, RowResult, Sheet, Vocabulary, cell, key, split_list

SCHEDULE_COLUMNS = (
    "start_date",
    "start_time",
    "end_time",
    "repeats",
    "days",
    "until",
    "not_on",
    "extra_dates",
    "rrule",
)
# ScheduleForm's fields, and the column each one's messages belong to.
SCHEDULE_FIELD_COLUMNS = {
    "frequency": "repeats",
    "days": "days",
    "month_week": "days",
    "month_day": "days",
    "start_date": "start_date",
    "start_time": "start_time",
    "end_time": "end_time",
    "lasts_days": "end_time",
    "until": "until",
    "excluded": "not_on",
    "extra": "extra_dates",
    "rrule": "rrule",
}
# What `ActivitySheet.places` returns when the file has no places column: keep them.
KEEP = object()
REPEATS = ("once", "weekly", "fortnightly", "monthly", "custom")
WEEK_WORDS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
WEEK_NUMBERS = {
    **{word: number for number, word in WEEK_WORDS.items()},
    **{number: number for number in WEEK_WORDS},
    **{"1st": "1", "2nd": "2", "3rd": "3", "4th": "4"},
}

COLUMNS = (
    Column(
        "public_id",
        "Empty for a new activity. To change one, keep the public_id from an export.",
        needs="heading",
    ),
    Column(
        "organisation",
        "The name of the organisation that runs it, exactly as in the directory (or its "
        "public_id). An activity cannot move to another organisation.",
        needs="value",
        example="Kirkby Knit and Natter",
    ),
    Column("title", "The activity's name.", needs="value", example="Knit and Natter"),
    Column(
        "summary",
        "One or two sentences.",
        needs="value",
        example="Bring your knitting and have a chat over a cuppa.",
    ),
    Column("description", "More about it, in Markdown (**bold**, *italic*, lists and links)."),
    Column(
        "categories",
        "Its types of activity, by name, separated by semicolons (;). At least one.",
        needs="value",
        example="Arts and crafts; Social and friendship",
    ),
    Column(
        "venue",
        "The venue's name: one of the organisation's own venues, or one another organisation "
        "has opened to others (or the venue's public_id). Empty for an online activity.",
        example="Kirkby Community Hall",
    ),
    Column("online", "yes if it takes place online; empty means no.", example="no"),
    Column("hide_address", "yes to show only the locality, not the address.", example="no"),
    Column("locality", "Shown instead of the address when it is hidden.", example="Kirkby"),
    Column("audience", "Who it is for.", example="Adults of all ages"),
    Column("min_age", "The youngest age, a whole number.", example="18"),
    Column("max_age", "The oldest age, a whole number.", example=""),
    Column("cost", "What it costs. Empty means free.", example="free"),
    Column("price", "The price in pounds, if it is priced.", example=""),
    Column("concession_price", "The concession price in pounds.", example=""),
    Column("cost_notes", "Anything more about the cost."),
    Column("booking", "How to come. Empty means drop in.", example="drop_in"),
    Column("booking_url", "Where to book, starting https://."),
    Column("capacity", "How many people it can take, a whole number."),
    Column("capacity_status", "Whether it is taking new people. Empty means welcoming."),
    Column(
        "public_booking",
        "yes if anyone can book a place online, where its dates have places; empty means no "
        "(only link workers book places, for the people they support).",
        example="no",
    ),
    Column(
        "waiting_list",
        "yes to keep a waiting list when a session is full: a place given up goes to the first "
        "person waiting. Empty means no.",
        example="yes",
    ),
    Column(
        "support_features",
        "What makes it easier to come, by name, separated by semicolons (;).",
        example="Come alone welcome; Beginners welcome",
    ),
    Column("greeter", "Who will greet someone on their first visit."),
    Column("bring_someone", "Whether someone can bring a friend. Empty means yes."),
    Column("what_to_expect", "What to expect on the first visit."),
    Column("contact_name", "Who to contact."),
    Column("contact_email", "Their email address."),
    Column("contact_phone", "Their phone number."),
    Column(
        "start_date",
        "The first date, like 2026-03-03 or 03/03/2026. Leave all the date columns empty to "
        "keep the activity's dates as they are.",
        example="2026-03-03",
    ),
    Column("start_time", "The start time, 24-hour, like 10:00.", example="10:00"),
    Column("end_time", "The end time, like 12:00.", example="12:00"),
    Column(
        "repeats",
        "How often: once, weekly, fortnightly, monthly (on a weekday, like the first Monday) "
        "or custom (an RRULE).",
        example="weekly",
    ),
    Column(
        "days",
        "For weekly or fortnightly: the days, like Tuesday; Thursday. For monthly: the week "
        "and day, like first Monday or last Friday.",
        example="Tuesday",
    ),
    Column("until", "The last date, if it stops (not for once or custom).", example=""),
    Column(
        "not_on",
        "Dates it does not run, separated by semicolons; a range like 2026-12-21 to "
        "2027-01-03 for a holiday.",
        example="2026-12-22 to 2027-01-02",
    ),
    Column("extra_dates", "Extra dates, separated by semicolons.", example=""),
    Column("rrule", "For custom: an RFC 5545 rule, like FREQ=MONTHLY;BYDAY=2WE.", example=""),
    Column(
        "places",
        f"Places to book at each session, a whole number from 1 to {MAX_PLACES:,}. Empty means "
        "places are not booked here (people just come, or book as the booking column says). "
        "Leave the column out to keep the places as they are.",
        example="12",
    ),
    Column(
        "status",
        "Exported for information and not imported: approve or withdraw activities on their "
        "pages. New activities you import are published.",
        export_only=True,
    ),
)


def _date_ranges(days: list[str]) -> str:
    """Excluded dates as people write them: runs of days as ranges."""
    ordered = sorted(date.fromisoformat(d) for d in days)
    runs: list[list[date]] = []
    for day in ordered:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return "; ".join(
        run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()} to {run[-1].isoformat()}"
        for run in runs
    )


def _in_the_list(message: str) -> str:
    return re.sub(r"^Line (\d+):", r"Date \1 in the list:", message)


def _day_code(text: str) -> str | None:
    word = key(text)
    for code, name in zip(DAY_CODES, DAY_NAMES, strict=True):
        if word in (code.casefold(), name.casefold(), name[:3].casefold()):
            return code
    return None


def editable_schedule(schedules: list[Schedule]) -> Schedule | bool | None:
    """The schedule a row may set: None (there is none yet), the one schedule, or False."""
    if not schedules:
        return None
    if len(schedules) > 1:
        return False
    only = schedules[0]
    if only.all_day or only.timezone != str(LONDON):
        return False
    return only


class ActivitySheet(Sheet):
    kind = "activities"
    noun = "activity"
    columns = COLUMNS
    model = Activity

    def load_vocabularies(self) -> None:
        self.vocabularies = {
            "categories": Vocabulary.of(
                "category called",
                "use the names listed on the upload page",
                [(c.pk, [c.name, c.slug]) for c in Category.objects.all()],
            ),
            "support_features": Vocabulary.of(
                "support feature called",
                "use the names listed on the upload page",
                [(f.pk, [f.name, f.code]) for f in SupportFeature.objects.all()],
            ),
        }

    def venue_names(self, owner: Organisation) -> Names[Venue]:
        """Venues an activity of `owner` may be at (as access.usable_venues), by name."""
        if owner.pk not in self._venue_names:
            usable = [
                v
                for v in self.area_venues
                if v.organisation_id == owner.pk or v.open_to_other_organisations
            ]
            self._venue_names[owner.pk] = Names(
                "venue",
                usable,
                lambda venue: venue.name,
                missing=(
                    f" that {owner.name} may use: add it with the venues file first, or ask "
                    "its owner to open it to other organisations"
                ),
            )
        return self._venue_names[owner.pk]

    def _load_venues(self) -> None:
        self.area_venues = list(editable_venues(self.request).select_related("organisation"))
        self._venue_names: dict[int, Names[Venue]] = {}

    # --- Export ------------------------------------------------------------------

    def export_rows(self) -> Iterator[list[str]]:
        names = self.organisation_names()
        self._load_venues()
        activities = (
            editable_activities(self.request)
            .live()
            .select_related("organisation", "venue")
            .prefetch_related("categories", "support_features", "schedules")
            .order_by("organisation__name", "title", "pk")
        )
        for item in activities:
            venue = ""
            if item.venue is not None:
                venue = self.venue_names(item.organisation).reference(item.venue)
            yield [
                str(item.public_id),
                names.reference(item.organisation),
                item.title,
                item.summary,
                item.description,
                "; ".join(c.name for c in item.categories.all()),
                venue,
                cell(item.online),
                cell(item.hide_address),
                item.locality,
                item.audience,
                cell(item.min_age),
                cell(item.max_age),
                item.cost,
                cell(item.price),
                cell(item.concession_price),
                item.cost_notes,
                item.booking,
                item.booking_url,
                cell(item.capacity),
                item.capacity_status,
                cell(item.public_booking),
                cell(item.waiting_list),
                "; ".join(f.name for f in item.support_features.all()),
                item.greeter,
                item.bring_someone,
                item.what_to_expect,
                item.contact_name,
                item.contact_email,
                item.contact_phone,
                *self.schedule_cells(list(item.schedules.all())),
                item.status,
            ]

    @staticmethod
    def schedule_cells(schedules: list[Schedule]) -> list[str]:
        schedule = editable_schedule(schedules)
        if not isinstance(schedule, Schedule):
            return [""] * (len(SCHEDULE_COLUMNS) + 1)  # the dates, and places
        initial = ScheduleForm.initial_for(schedule)
        frequency = initial["frequency"]
        days = ""
        if frequency in ("weekly", "fortnightly"):
            days = "; ".join(DAY_NAMES[DAY_CODES.index(code)] for code in initial["days"])
        elif frequency == "monthly":
            day = DAY_NAMES[DAY_CODES.index(initial["month_day"])]
            days = f"{WEEK_WORDS[initial['month_week']]} {day}"
        return [
            cell(schedule.start_date),
            cell(schedule.start_time),
            cell(schedule.end_time),
            frequency,
            days,
            cell(initial.get("until")),
            _date_ranges(schedule.exdates),
            "; ".join(schedule.rdates),
            schedule.rrule if frequency == "custom" else "",
            cell(schedule.places),
        ]

    # --- Checking ----------------------------------------------------------------

    def prepare(self, table: Table) -> None:
        self.load_vocabularies()
        self.names = self.organisation_names()
        self._load_venues()
        self.existing = (
            editable_activities(self.request)
            .live()
            .select_related("organisation", "venue")
            .prefetch_related("categories", "support_features", "schedules")
            .in_bulk(self.public_ids(table), field_name="public_id")
        )
        self._owner: Organisation | None = None

    def convert(self, column: str, form_field: forms.Field, raw: str, result: RowResult) -> Any:
        if column != "venue":
            return super().convert(column, form_field, raw, result)
        text = raw.strip()
        if not text:
            return ""
        if self._owner is None:
            return UNREADABLE  # the organisation column says what is wrong
        found, why = self.venue_names(self._owner).find(text)
        if found is None:
            result.add("venue", why)
            return UNREADABLE
        return str(found.pk)

    def check_row(self, row: Row, result: RowResult) -> None:
        record = self.identify(row, result, self.existing)
        owner = self.organisation(row, result, self.names)
        result.label = row.get("title") or (record.title if record else "")
        if record is not None and owner is not None and record.organisation_id != owner.pk:
            result.add(
                "organisation",
                f"This activity belongs to {record.organisation.name} and cannot move to "
                "another organisation: enter that organisation, or add the activity as a new one",
            )
        self._owner = owner
        venues = usable_venues(self.request, owner) if owner else Venue.objects.none()
        form = self.bind(ActivityForm, row, result, instance=record, venues=venues)
        activity_valid = form.is_valid()
        if not activity_valid:
            self.form_problems(form, result, row=row)
        schedule, schedule_changes = self.check_schedule(row, result, record)
        if not result.valid or owner is None:
            return
        result.changes = self.changed_columns(form) + schedule_changes

        def save() -> None:
            item = record
            if record is None or form.changed_data:
                item = form.save(commit=False)
                item.organisation = owner
                if record is None:
                    item.source = Activity.Source.CSV
                item = do_save_activity(
                    self.request,
                    item,
                    categories=list(form.cleaned_data["categories"]),
                    support_features=list(form.cleaned_data["support_features"]),
                    created=record is None,
                )
            if schedule is not None:
                assert item is not None
                schedule.activity = item
                do_save_schedule(self.request, schedule, created=schedule.pk is None)

        result.save = save

    def check_schedule(
        self, row: Row, result: RowResult, record: Activity | None
    ) -> tuple[Schedule | None, list[str]]:
        """The row's schedule, ready to save, if it adds or changes one (else None), and
        what changes: "dates", "places"."""
        present = [name for name in SCHEDULE_COLUMNS if row.has(name)]
        dated = any(row.get(name) for name in present)
        places = self.places(row, result)
        if not dated and places is KEEP:
            return None, []  # no dates in the row: the activity keeps the ones it has
        current = editable_schedule(list(record.schedules.all()) if record else [])
        if current is False:
            if dated:
                result.add(
                    "start_date",
                    "This activity's dates can only be changed on its page (it has several "
                    "schedules, or comes from a calendar feed): leave the date columns empty",
                )
            elif places not in (None, UNREADABLE):
                result.add(
                    "places",
                    "This activity's places can only be changed on its page (it has several "
                    "schedules, or comes from a calendar feed): leave places empty",
                )
            return None, []
        assert current is None or isinstance(current, Schedule)
        if not dated:
            if places is UNREADABLE:
                return None, []
            if current is None:
                if places is not None:
                    result.add(
                        "places",
                        "Places are booked at each session: enter the activity's dates too "
                        "(start_date and the columns after it), or leave places empty",
                    )
                return None, []
            if places == current.places:
                return None, []
            current.places = places
            return current, ["places"]
        data: dict[str, Any] = ScheduleForm.initial_for(current) if current else {}
        for name in ("start_date", "start_time", "end_time", "until", "rrule"):
            if row.has(name):
                data[name] = row.get(name)
        for name, field_name in (("not_on", "excluded"), ("extra_dates", "extra")):
            if row.has(name):
                data[field_name] = "\n".join(split_list(row.get(name)))
        if row.has("repeats"):
            data["frequency"] = self.repeats(row.get("repeats"), result)
        elif not data.get("frequency"):
            result.add("repeats", "Enter how often it happens: " + ", ".join(REPEATS))
        if row.has("days"):
            self.days(row.get("days"), data, result)
        form = ScheduleForm(data)
        if not form.is_valid():
            for name in ("excluded", "extra"):
                # ScheduleForm counts lines; in a cell they are entries separated by semicolons.
                if name in form.errors:
                    form.errors[name] = form.error_class(
                        [_in_the_list(str(message)) for message in form.errors[name]]
                    )
            self.form_problems(form, result, SCHEDULE_FIELD_COLUMNS, row=row)
            return None, []
        if places is UNREADABLE:
            return None, []
        schedule = current or Schedule()
        before = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
        form.apply(schedule)
        if places is not KEEP:
            schedule.places = places
        after = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
        changes = [
            word
            for word, fields in (
                ("dates", [n for n in SCHEDULE_FIELDS if n != "places"]),
                ("places", ["places"]),
            )
            if any(before[n] != after[n] for n in fields)
        ]
        if current is None:
            changes = ["dates", *(["places"] if schedule.places is not None else [])]
        if not changes:
            return None, []
        return schedule, changes

    def places(self, row: Row, result: RowResult) -> Any:
        """The places cell: a number, None (empty: not booked here), KEEP (no places
        column), or UNREADABLE (its problem recorded). The page's rules and words."""
        if not row.has("places"):
            return KEEP
        try:
            return places_field("places", "").clean(row.get("places").strip())
        except forms.ValidationError as problem:
            result.add("places", problem.messages[0].rstrip("."))
            return UNREADABLE

    def repeats(self, text: str, result: RowResult) -> str:
        if not text:
            result.add("repeats", "Enter how often it happens: " + ", ".join(REPEATS))
            return ""
        words = {key(code): code for code in REPEATS}
        words.update({key(label): code for code, label in ScheduleForm.FREQUENCIES})
        words.update({"every two weeks": "fortnightly", "one-off": "once", "one off": "once"})
        code = words.get(key(text))
        if code is None:
            result.add("repeats", "Enter how often it happens: " + ", ".join(REPEATS))
            return ""
        return code

    def days(self, text: str, data: dict[str, Any], result: RowResult) -> None:
        frequency = data.get("frequency")
        data["days"], data["month_week"], data["month_day"] = [], "", ""
        if not text:
            return
        if frequency == "monthly":
            match = re.fullmatch(r"(\S+?)\s*([a-z]+)", key(text))
            week = WEEK_NUMBERS.get(match[1]) if match else None
            day = _day_code(match[2]) if match else None
            if week is None or day is None:
                result.add("days", "For monthly, enter the week and the day, like first Monday")
                return
            data["month_week"], data["month_day"] = week, day
        elif frequency in ("weekly", "fortnightly"):
            codes = [_day_code(part) for part in re.split(r"[;,]", text) if part.strip()]
            if None in codes:
                result.add("days", "Enter days of the week, like Tuesday; Thursday")
                return
            data["days"] = codes
        elif frequency == "once":
            result.add("days", "Leave days empty for a one-off: the start date is its day")
        elif frequency == "custom":
            result.add("days", "Leave days empty for a custom rule: put the days in the rrule")
