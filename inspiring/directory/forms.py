"""Staff forms for partners, venues, activities, schedules and sessions.

Field messages say what to do ("Enter the price, like 3.50"); every form is
validated in full before anything is saved.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet

from inspiring.accounts.models import User
from inspiring.accounts.roles import Role
from inspiring.areas.forms import PostcodeField
from inspiring.areas.models import Area
from inspiring.ui.forms import DateInputField, https_formfield
from lib.dates import outside_window

from .models import Activity, Category, Organisation, Schedule, SupportFeature, Venue
from .models.schedules import MAX_LISTED_DATES, MAX_PLACES
from .recurrence import (
    DAY_CODES,
    DAY_NAMES,
    MAX_DURATION_DAYS,
    RecurrenceError,
    local_datetime,
    normalise_rrule,
    rfc_date,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"})
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
TIME_WIDGET = forms.TimeInput(
    attrs={"type": "time", "class": "nhsuk-input--width-5"}, format="%H:%M"
)


def places_field(label: str, help_text: str) -> forms.IntegerField:
    """Places to book (a schedule's at each session, or one session's): empty for none."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MAX_PLACES,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        help_text=help_text,
        error_messages={
            "invalid": "Enter the number of places as a whole number, like 12",
            "min_value": "Enter 1 or more places, or leave it empty",
            "max_value": f"Enter at most {MAX_PLACES:,} places",
        },
    )


def say_limits(form: forms.BaseForm) -> None:
    """Say each text box's length limit as people read it: "Description must be 5,000
    characters or fewer" (Django's own message counts characters at them)."""
    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and field.max_length is not None:
            label = str(field.label or name.replace("_", " ").capitalize())
            label = label.removesuffix(" (optional)")
            field.error_messages["max_length"] = (
                f"{label} must be {field.max_length:,} characters or fewer"
            )


class OrganisationForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        formfield_callback = staticmethod(https_formfield)
        fields = [
            "name",
            "kind",
            "charity_number",
            "company_number",
            "description",
            "website",
            "email",
            "phone",
            "areas_served",
            "agreement",
            "trusted",
            "leads",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "agreement": forms.RadioSelect,
            "areas_served": forms.CheckboxSelectMultiple,
            "leads": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"trusted": "Trusted to publish without approval"}
        help_texts = {
            "email": "Where we send the emails asking whether listings are still right",
            "leads": "Partner leads in your area who keep this organisation's listings current",
        }
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "kind": {"required": "Choose what kind of organisation it is"},
            "email": {"invalid": EMAIL_INVALID},
            "website": {"invalid": "Enter a web address starting https://"},
        }

    def __init__(self, *args: Any, area: Area, curator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self)
        self.area = area
        if curator:
            leads = self.fields["leads"]
            assert isinstance(leads, forms.ModelMultipleChoiceField)
            leads.queryset = User.objects.filter(
                memberships__area=area, memberships__role=Role.PARTNER_LEAD
            ).order_by("full_name")
            served = self.fields["areas_served"]
            assert isinstance(served, forms.ModelMultipleChoiceField)
            served.queryset = Area.objects.order_by("name")
        else:
            # A partner lead keeps their details current; the partnership terms are the CVS's.
            for name in ("areas_served", "agreement", "trusted", "leads"):
                del self.fields[name]

    def save(self, commit: bool = True) -> Organisation:
        organisation = super().save(commit=False)
        if organisation.pk is None:
            organisation.home_area = self.area
        if commit:
            organisation.save()
            self.save_m2m()
        return organisation


class VenueForm(forms.ModelForm[Venue]):
    postcode_place = PostcodeField(label="Postcode")

    class Meta:
        model = Venue
        fields = [
            "name",
            "address_line_1",
            "address_line_2",
            "town",
            "step_free",
            "accessible_toilet",
            "hearing_loop",
            "parking",
            "near_bus_stop",
            "bus_routes",
            "access_notes",
            "open_to_other_organisations",
        ]
        labels = {
            "address_line_1": "Address line 1",
            "address_line_2": "Address line 2 (optional)",
            "town": "Town or village",
            "open_to_other_organisations": "Other organisations may list activities here",
        }
        error_messages = {
            "name": {"required": "Enter the venue's name"},
            "address_line_1": {"required": "Enter the first line of the address"},
            "town": {"required": "Enter the town or village"},
        }
        widgets = {"access_notes": forms.Textarea(attrs={"rows": 3})}

    field_order = ["name", "address_line_1", "address_line_2", "town", "postcode_place"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self)
        if self.instance.pk:
            self.initial["postcode_place"] = self.instance.postcode

    def save(self, commit: bool = True) -> Venue:
        venue = super().save(commit=False)
        place = self.cleaned_data["postcode_place"]
        venue.postcode = place.postcode
        venue.latitude, venue.longitude = place.latitude, place.longitude
        venue.district_code = place.district_code
        if commit:
            venue.save()
        return venue


class ActivityForm(forms.ModelForm[Activity]):
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Type of activity",
        error_messages={"required": "Choose at least one type of activity"},
    )
    support_features = forms.ModelMultipleChoiceField(
        queryset=SupportFeature.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="What makes it easier to come (optional)",
        help_text="Choose everything that is true",
    )

    # The form in sections, as a volunteer thinks about their activity: a heading
    # each, on one page (activity_form.html), so 28 questions read as 8 short groups.
    SECTIONS = [
        ("What it is", ["title", "summary", "description", "categories"]),
        ("Where it happens", ["venue", "online", "hide_address", "locality"]),
        ("Who it is for", ["audience", "min_age", "max_age"]),
        ("What it costs", ["cost", "price", "concession_price", "cost_notes"]),
        ("What helps people come", ["support_features"]),
        ("The first visit", ["greeter", "bring_someone", "what_to_expect"]),
        (
            "Booking and places",
            [
                "booking",
                "booking_url",
                "capacity",
                "capacity_status",
                "public_booking",
                "waiting_list",
                "approve_bookings",
            ],
        ),
        ("Who to contact", ["contact_name", "contact_email", "contact_phone"]),
    ]
    # Fields that apply only to one answer of another question (all shown without JavaScript).
    SHOWN_WHEN = {"price": "cost=priced", "concession_price": "cost=priced"}

    class Meta:
        model = Activity
        formfield_callback = staticmethod(https_formfield)
        fields = [
            "title",
            "summary",
            "description",
            "categories",
            "venue",
            "online",
            "hide_address",
            "locality",
            "audience",
            "min_age",
            "max_age",
            "cost",
            "price",
            "concession_price",
            "cost_notes",
            "booking",
            "booking_url",
            "capacity",
            "capacity_status",
            "public_booking",
            "waiting_list",
            "approve_bookings",
            "support_features",
            "greeter",
            "bring_someone",
            "what_to_expect",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        widgets = {
            "cost": forms.RadioSelect,
            "booking": forms.RadioSelect,
            "capacity_status": forms.RadioSelect,
            "bring_someone": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 6}),
            "what_to_expect": forms.Textarea(attrs={"rows": 3}),
            "min_age": forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
            "max_age": forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
            "capacity": forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
            "price": forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "step": "0.01"}),
            "concession_price": forms.NumberInput(
                attrs={"class": "nhsuk-input--width-5", "step": "0.01"}
            ),
        }
        labels = {
            "title": "Title",
            "summary": "Summary",
            "description": "Description (optional)",
            "venue": "Venue",
            "online": "It takes place online",
            "hide_address": "Do not show the address",
            "locality": "Area, town or village (optional)",
            "audience": "Who it is for (optional)",
            "min_age": "Youngest age (optional)",
            "max_age": "Oldest age (optional)",
            "cost": "What does it cost?",
            "price": "Price in pounds",
            "concession_price": "Concession price in pounds (optional)",
            "cost_notes": "Anything else about the cost (optional)",
            "booking": "Do people need to book?",
            "booking_url": "Booking link (optional)",
            "capacity": "How many people it can take (optional)",
            "capacity_status": "Is it taking new people?",
            "public_booking": "Anyone can book a place online",
            "waiting_list": "Keep a waiting list when a session is full",
            "approve_bookings": "Accept each booking made through other sites first",
            "greeter": "Who will greet someone on their first visit (optional)",
            "bring_someone": "Can people bring someone with them?",
            "what_to_expect": "What to expect on the first visit (optional)",
            "contact_name": "Contact name (optional)",
            "contact_email": "Contact email (optional)",
            "contact_phone": "Contact phone number (optional)",
        }
        help_texts = {
            "title": "The name people will know it by, like Friday Film Club",
            "summary": "One or two sentences, shown in lists of activities",
            "description": (
                "What happens and what it is like. Leave a blank line between paragraphs. "
                "To make words stand out, put two stars either side, like **free**; "
                "start a line with a dash (-) for a list"
            ),
            "hide_address": "For a support group, say: people see only the area below",
            "locality": "For example, Kirkby-in-Ashfield",
            "audience": "For example, adults over 50, or babies and their carers",
            "cost_notes": "For example, the first session is free",
            "booking_url": "A web page where people can book, starting https://",
            "capacity": "Leave empty if there is no limit",
            # Places are set with the dates ("Places at each session"); these say who books them.
            "public_booking": (
                "Where its dates have places to book. Otherwise only link workers book "
                "places, for the people they support"
            ),
            "waiting_list": "A place given up goes to the first person waiting, who is told",
            "approve_bookings": (
                "Sites that book through OpenActive ask you before anyone is booked: for "
                "groups that like to meet new people first"
            ),
            "greeter": "For example, Sue at the door, wearing a green lanyard",
            "what_to_expect": "What happens when someone arrives, what to wear or bring",
            "contact_name": "Who people can ask about it",
        }
        error_messages = {
            "title": {"required": "Enter the activity's name"},
            "summary": {"required": "Enter a short summary of the activity"},
            "price": {
                "invalid": "Enter the price as a number, like 3.50",
                "min_value": "Enter a price of at least 1p, or choose free",
            },
            "concession_price": {"invalid": "Enter the concession price as a number, like 2.00"},
            "min_age": {"invalid": "Enter the youngest age as a whole number"},
            "max_age": {"invalid": "Enter the oldest age as a whole number"},
            "capacity": {"invalid": "Enter how many people as a whole number"},
        }

    def __init__(self, *args: Any, venues: QuerySet[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self)
        venue = self.fields["venue"]
        assert isinstance(venue, forms.ModelChoiceField)
        venue.queryset = venues
        venue.required = False
        venue.empty_label = "No venue (online only)"
        self.fields["contact_email"].error_messages["invalid"] = EMAIL_INVALID
        self.fields["booking_url"].error_messages["invalid"] = (
            "Enter the booking link as a web address, like https://example.org/book"
        )

    def sections(self) -> list[tuple[str, list[tuple[forms.BoundField, str]]]]:
        """Each section's heading and its fields, with the answer a field depends on."""
        return [
            (heading, [(self[name], self.SHOWN_WHEN.get(name, "")) for name in names])
            for heading, names in self.SECTIONS
        ]


# --- Schedules ----------------------------------------------------------------------


class ScheduleForm(forms.Form):
    """A schedule in people's words; the RRULE it makes is shown for experts."""

    FREQUENCIES = [
        ("once", "Once"),
        ("weekly", "Every week"),
        ("fortnightly", "Every other week"),
        ("monthly", "Once a month, on a weekday (like the first Monday)"),
        ("custom", "Something else (enter an RRULE)"),
    ]
    WEEKS = [("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")]

    frequency = forms.ChoiceField(
        label="How often", choices=FREQUENCIES, widget=forms.RadioSelect, initial="weekly"
    )
    days = forms.MultipleChoiceField(
        label="On which days",
        required=False,
        choices=list(zip(DAY_CODES, DAY_NAMES, strict=True)),
        widget=forms.CheckboxSelectMultiple,
        help_text="For every week or every other week",
    )
    month_week = forms.ChoiceField(label="Which week of the month", required=False, choices=WEEKS)
    month_day = forms.ChoiceField(
        label="Which day of that week",
        required=False,
        choices=list(zip(DAY_CODES, DAY_NAMES, strict=True)),
    )
    # (forms.Field: SchedulePageForm asks for these two as the NHS.UK date input.)
    start_date: forms.Field = forms.DateField(
        label="First date",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the first date",
            "invalid": "Enter the first date as a real date",
        },
    )
    start_time = forms.TimeField(
        label="Start time",
        widget=TIME_WIDGET,
        error_messages={
            "required": "Enter the start time",
            "invalid": "Enter the start time, like 10:00",
        },
    )
    end_time = forms.TimeField(
        label="End time",
        widget=TIME_WIDGET,
        error_messages={
            "required": "Enter the end time",
            "invalid": "Enter the end time, like 12:00",
        },
    )
    lasts_days = forms.IntegerField(
        label="How many days does it go on for each time? (optional)",
        required=False,
        min_value=1,
        max_value=MAX_DURATION_DAYS + 1,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-2", "inputmode": "numeric"}),
        help_text=(
            "Leave empty if it starts and ends on the same day. An evening that goes on "
            "past midnight is 2; a festival from Friday to Sunday is 3"
        ),
        error_messages={
            "invalid": "Enter the number of days as a number, like 2",
            "min_value": "Enter 1 or more days",
            "max_value": (
                f"Enter at most {MAX_DURATION_DAYS + 1} days: list a longer event by "
                "the days it is open, as one that happens every day"
            ),
        },
    )
    until: forms.Field = forms.DateField(
        label="Last date (optional)",
        required=False,
        widget=DATE_WIDGET,
        help_text="Leave empty if it carries on",
        error_messages={"invalid": "Enter the last date as a real date"},
    )
    excluded = forms.CharField(
        label="Dates it does not run (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "One date or range a line, like 2026-12-24 or 2026-12-21 to 2027-01-03 "
            "(for school holidays)"
        ),
    )
    skip_bank_holidays = forms.BooleanField(
        label="Not on bank holidays",
        required=False,
        help_text="England and Wales bank holidays, like Easter Monday and Christmas Day",
    )
    extra = forms.CharField(
        label="Extra dates (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One date a line, like 2026-12-23",
    )
    rrule = forms.CharField(
        label="RRULE (RFC 5545)",
        required=False,
        max_length=300,
        help_text="For 'something else', like FREQ=MONTHLY;BYDAY=2WE",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    MAX_RANGE_DAYS = 400
    END_BEFORE_START = "The end time must be after the start time"
    NO_DAY = "Choose the day it happens"
    NO_MONTH_DAY = "Choose the week and the day it happens, like the first Monday"
    NO_RULE = "Enter an RRULE, like FREQ=MONTHLY;BYDAY=2WE"
    CUSTOM_UNTIL = "For a custom RRULE, put the last date in it (UNTIL=20270731)"
    # How dates are written in examples: spreadsheets hold ISO dates; the page says
    # them as people in the UK write them (SchedulePageForm).
    DATE_EXAMPLE = "2026-12-24"
    RANGE_EXAMPLE = "2026-12-21 to 2027-01-03"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self)

    @staticmethod
    def initial_for(schedule: Schedule) -> dict[str, Any]:
        rule = schedule.rrule
        parts = dict(chunk.split("=", 1) for chunk in rule.split(";") if "=" in chunk)
        initial: dict[str, Any] = {
            "start_date": schedule.start_date,
            "start_time": schedule.start_time,
            "end_time": schedule.end_time,
            "lasts_days": schedule.duration_days + 1 if schedule.duration_days else None,
            "excluded": "\n".join(schedule.exdates),
            "extra": "\n".join(schedule.rdates),
            "rrule": rule,
            "skip_bank_holidays": schedule.skip_bank_holidays,
        }
        # (A stored UNTIL that is not a date is left to the RRULE box, which shows it.)
        until = _until(rule)
        if until is not None:
            initial["until"] = until
        simple = set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL"}
        days = parts.get("BYDAY", "")
        if not rule:
            initial["frequency"] = "once"
        elif simple and parts["FREQ"] == "WEEKLY" and parts.get("INTERVAL", "1") in ("1", "2"):
            initial["frequency"] = "weekly" if parts.get("INTERVAL", "1") == "1" else "fortnightly"
            initial["days"] = (
                days.split(",") if days else [DAY_CODES[schedule.start_date.weekday()]]
            )
        elif (
            simple
            and parts["FREQ"] == "MONTHLY"
            and parts.get("INTERVAL", "1") == "1"
            and re.fullmatch(r"-?[1-4][A-Z]{2}", days)
        ):
            initial["frequency"] = "monthly"
            initial["month_week"], initial["month_day"] = days[:-2], days[-2:]
        else:
            initial["frequency"] = "custom"
        return initial

    def _dates(self, name: str, *, ranges: bool) -> list[str]:
        found: set[date] = set()
        for number, line in enumerate(self.cleaned_data.get(name, "").splitlines(), start=1):
            text = line.strip()
            if not text:
                continue
            pieces = re.split(r"\s+(?:to|-|\u2013)\s+", text) if ranges else [text]
            try:
                days = [_parse_date(piece) for piece in pieces]
            except ValueError:
                raise forms.ValidationError(
                    f"Line {number}: enter a date like {self.DATE_EXAMPLE}"
                    + (f" or a range like {self.RANGE_EXAMPLE}" if ranges else "")
                ) from None
            for day in days:
                problem = outside_window(day, "a date")
                if problem:
                    raise forms.ValidationError(f"Line {number}: {problem[0].lower()}{problem[1:]}")
            if len(days) == 1:
                found.add(days[0])
            elif len(days) == 2:
                first, last = days
                if last < first:
                    raise forms.ValidationError(f"Line {number}: the range ends before it starts")
                if (last - first).days > self.MAX_RANGE_DAYS:
                    raise forms.ValidationError(
                        f"Line {number}: a range can be at most a year long"
                    )
                found.update(first + timedelta(days=n) for n in range((last - first).days + 1))
            else:
                raise forms.ValidationError(f"Line {number}: enter one date or one range")
            if len(found) > MAX_LISTED_DATES:
                raise forms.ValidationError(f"Enter at most {MAX_LISTED_DATES:,} dates in all")
        return sorted(d.isoformat() for d in found)

    def clean_excluded(self) -> list[str]:
        return self._dates("excluded", ranges=True)

    def clean_extra(self) -> list[str]:
        return self._dates("extra", ranges=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        if start_time and end_time and end_time <= start_time and not self._over_days(cleaned):
            self.add_error("end_time", self.END_BEFORE_START)
        start_date, until = cleaned.get("start_date"), cleaned.get("until")
        for name, day, what in (
            ("start_date", start_date, "a first date"),
            ("until", until, "a last date"),
        ):
            problem = outside_window(day, what) if day else None
            if problem:
                self.add_error(name, problem)  # which also takes it out of cleaned_data
        start_date, until = cleaned.get("start_date"), cleaned.get("until")
        if start_date and until and until < start_date:
            self.add_error("until", "The last date must be the same as or after the first date")
        frequency = cleaned.get("frequency")
        days = cleaned.get("days") or []
        if start_date and any(d < start_date.isoformat() for d in cleaned.get("extra") or []):
            self.add_error("extra", "Extra dates must be on or after the first date")
        if until and frequency == "custom":
            self.add_error("until", self.CUSTOM_UNTIL)
        if until and frequency == "once":
            self.add_error("until", "A one-off has no last date: leave it empty")
        rule = ""
        if frequency in ("weekly", "fortnightly"):
            if not days:
                # (Not the rule's own complaint about an empty BYDAY: the question unanswered.)
                self.add_error("days", self.NO_DAY)
                return cleaned
            ordered = [code for code in DAY_CODES if code in days]
            rule = "FREQ=WEEKLY"
            if frequency == "fortnightly":
                rule += ";INTERVAL=2"
            rule += f";BYDAY={','.join(ordered)}"
        elif frequency == "monthly":
            week, day = cleaned.get("month_week"), cleaned.get("month_day")
            if not week or not day:
                self.add_error("month_week", self.NO_MONTH_DAY)
                return cleaned
            rule = f"FREQ=MONTHLY;BYDAY={week}{day}"
        elif frequency == "custom":
            if not cleaned.get("rrule"):
                self.add_error("rrule", self.NO_RULE)
                return cleaned
            rule = cleaned.get("rrule", "")
        if rule and until and frequency != "custom":
            rule += f";UNTIL={until:%Y%m%d}"
        try:
            cleaned["rule"] = normalise_rrule(rule) if frequency != "once" else ""
        except RecurrenceError as exc:
            self.add_error("rrule" if frequency == "custom" else "frequency", str(exc))
        else:
            # A custom rule's own last date (UNTIL=…) is held to the same dates.
            rule_until = _until(cleaned["rule"]) if frequency == "custom" else None
            problem = outside_window(rule_until, "a last date (UNTIL)") if rule_until else None
            if problem:
                self.add_error("rrule", problem)
        return cleaned

    @staticmethod
    def _over_days(cleaned: dict[str, Any]) -> bool:
        return (cleaned.get("lasts_days") or 1) > 1

    def apply(self, schedule: Schedule) -> Schedule:
        data = self.cleaned_data
        schedule.start_date = data["start_date"]
        schedule.start_time = data["start_time"]
        schedule.end_time = data["end_time"]
        schedule.duration_days = (data.get("lasts_days") or 1) - 1
        schedule.rrule = data["rule"]
        schedule.exdates = data["excluded"]
        schedule.rdates = data["extra"]
        # A one-off has no bank holidays to skip (and nothing to hide them from).
        schedule.skip_bank_holidays = bool(data.get("skip_bank_holidays")) and bool(data["rule"])
        return schedule


class SchedulePageForm(ScheduleForm):
    """The schedule form as a volunteer sees it: plain questions, UK dates, and the
    RFC 5545 rule only under "Advanced" (schedule_form.html shows each field only
    for the answers it applies to)."""

    FREQUENCIES = [
        ("once", "Once, on one date"),
        ("weekly", "Every week"),
        ("fortnightly", "Every other week"),
        ("monthly", "Once a month, on a set day, like the first Monday"),
        ("custom", "Another pattern (set under Advanced)"),
    ]
    DATE_EXAMPLE = "24/12/2026"
    RANGE_EXAMPLE = "21/12/2026 to 3/1/2027"
    END_BEFORE_START = (
        "The end time must be after the start time. If it goes on past midnight, "
        "say it goes on for 2 days"
    )
    # The first and last dates as the NHS.UK date input: day, month and year in three
    # boxes (the spreadsheet import keeps ScheduleForm's ISO dates).
    start_date = DateInputField(
        label="First date",
        what="The first date",
        help_text="For a one-off, the date it happens. For example, 24 12 2026",
    )
    until = DateInputField(
        label="Last date (optional)",
        what="The last date",
        required=False,
        help_text="Leave empty if it carries on. For example, 31 7 2027",
    )
    # Only on the page: the spreadsheet import keeps ScheduleForm, so a file without a
    # places column never empties a schedule's places.
    places = places_field(
        "Places at each session (optional)", "Leave empty if people do not book a place here"
    )
    NO_RULE = "Enter the pattern under Advanced, like FREQ=MONTHLY;BYDAY=2WE"
    CUSTOM_UNTIL = (
        "For another pattern, put the last date in it under Advanced "
        "(like UNTIL=20270731) and leave this empty"
    )
    # Which answers to "How often?" each field applies to (all shown without JavaScript).
    SHOWN_WHEN = {
        "days": "frequency=weekly fortnightly",
        "month_week": "frequency=monthly",
        "month_day": "frequency=monthly",
        "until": "frequency=weekly fortnightly monthly",
        "skip_bank_holidays": "frequency=weekly fortnightly monthly custom",
        "excluded": "frequency=weekly fortnightly monthly custom",
    }

    def questions(self) -> list[tuple[forms.BoundField, str]]:
        """The fields in order, each with the answers it applies to; the rule last."""
        return [
            (self[name], self.SHOWN_WHEN.get(name, "")) for name in self.fields if name != "rrule"
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        frequency = fields["frequency"]
        assert isinstance(frequency, forms.ChoiceField)
        frequency.choices = self.FREQUENCIES
        frequency.label = "How often does it happen?"
        frequency.error_messages["required"] = "Choose how often it happens"
        days = fields["days"]
        days.label, days.help_text = "Which day or days?", ""
        fields["month_week"].label = "Which week of the month?"
        fields["month_day"].label = "Which day of that week?"
        fields["excluded"].help_text = (
            f"One date or range on each line, for example {self.DATE_EXAMPLE}, "
            f"or {self.RANGE_EXAMPLE} for the school holidays"
        )
        fields["extra"].help_text = f"One date on each line, for example {self.DATE_EXAMPLE}"
        rrule = fields["rrule"]
        rrule.label = "Pattern in calendar code (RRULE, RFC 5545)"
        rrule.help_text = (
            "Only for 'Another pattern'. For example, FREQ=MONTHLY;BYDAY=2WE is "
            "the second Wednesday of every month"
        )

    @classmethod
    def initial_for(cls, schedule: Schedule) -> dict[str, Any]:
        initial = ScheduleForm.initial_for(schedule)
        initial["excluded"] = "\n".join(_uk_ranges(schedule.listed_exdates))
        initial["extra"] = "\n".join(_uk_date(d) for d in schedule.extra_dates)
        initial["places"] = schedule.places
        return initial

    def apply(self, schedule: Schedule) -> Schedule:
        schedule = super().apply(schedule)
        schedule.places = self.cleaned_data.get("places")
        return schedule


def _uk_date(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _uk_ranges(days: list[date]) -> list[str]:
    """Dates as lines people wrote them: runs of days as ranges ("21/12/2026 to 3/1/2027")."""
    lines: list[str] = []
    ordered = sorted(set(days))
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1] - ordered[end] == timedelta(days=1):
            end += 1
        first, last = ordered[index], ordered[end]
        lines.append(_uk_date(first) if first == last else f"{_uk_date(first)} to {_uk_date(last)}")
        index = end + 1
    return lines


def _until(rule: str) -> date | None:
    for part in rule.split(";"):
        if part.startswith("UNTIL="):
            try:
                return rfc_date(part[len("UNTIL=") :])
            except ValueError:
                return None
    return None


def _parse_date(text: str) -> date:
    """A date as people write it: 24/12/2026, 24 12 2026, 24 December 2026, or 2026-12-24."""
    text = " ".join(text.split())
    for pattern in (
        "%Y-%m-%d",
        "%d/%m/%Y",
        "%d/%m/%y",
        "%d %m %Y",
        "%d-%m-%Y",
        "%d.%m.%Y",
        "%d %B %Y",
        "%d %b %Y",
    ):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ValueError(text)


class SessionForm(forms.Form):
    """Cancel a session, move it, or put it back, with a note people will see."""

    ACTIONS = [
        ("cancel", "Cancel it"),
        ("move", "Move it to another date or time"),
        ("restore", "Put it back as scheduled"),
    ]

    action = forms.ChoiceField(
        label="What do you want to do?", choices=ACTIONS, widget=forms.RadioSelect
    )
    new_date = forms.DateField(label="New date", required=False, widget=DATE_WIDGET)
    new_start = forms.TimeField(label="New start time", required=False, widget=TIME_WIDGET)
    new_end = forms.TimeField(label="New end time", required=False, widget=TIME_WIDGET)
    note = forms.CharField(
        label="Note for people coming (optional)",
        required=False,
        max_length=300,
        help_text="For example, 'Hall closed for repairs' or 'In the garden room this week'",
    )

    def __init__(self, *args: Any, lasts_days: int = 0, **kwargs: Any) -> None:
        """`lasts_days`: how many days after the day it starts the session ends."""
        super().__init__(*args, **kwargs)
        say_limits(self)
        self.lasts_days = lasts_days
        if lasts_days:
            self.fields["new_date"].label = "New first date"
            self.fields["new_end"].label = "New end time"
            self.fields["new_end"].help_text = (
                f"On its last day, {lasts_days} day{'s' if lasts_days > 1 else ''} "
                "after the first, as now"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new_date = cleaned.get("new_date")
        problem = outside_window(new_date, "a new date") if new_date else None
        if problem:
            self.add_error("new_date", problem)
        if cleaned.get("action") == "move":
            for name, message in (
                ("new_date", "Enter the new date"),
                ("new_start", "Enter the new start time"),
                ("new_end", "Enter the new end time"),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
            start, end = cleaned.get("new_start"), cleaned.get("new_end")
            if start and end and end <= start and not self.lasts_days:
                self.add_error("new_end", "The new end time must be after the new start time")
            if cleaned.get("new_date") and start and end and not self.errors:
                last = cleaned["new_date"] + timedelta(days=self.lasts_days)
                cleaned["start"] = local_datetime(cleaned["new_date"], start)
                cleaned["end"] = local_datetime(last, end)
        return cleaned


class SessionPlacesForm(forms.Form):
    """One session's places, changed by hand: the schedule's number no longer changes them."""

    places = places_field(
        "Places at this session (optional)",
        "Leave empty if people do not book a place at this session",
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label="What needs changing",
        max_length=Activity._meta.get_field("review_note").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Tell the partner what needs changing"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_limits(self)
