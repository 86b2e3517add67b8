"""The survey a new area starts from: the shape of the original Inspiring Ashfield
community survey (388 residents), so the summary and the evaluation find the same
questions in every area.

In order: the kinds of activity (one row per directory category, so what residents
want meets what the calendar offers), what stops them, ONS4 wellbeing, ONS
loneliness, how many groups they belong to (and the group-memberships scale once a
deployment has confirmed it), neighbourhood identification, neighbourhood needs
satisfaction, about you (ONS 2021 categories) and the postcode (kept only as its
neighbourhood).

An instrument goes in only when the library says it may be administered: a template
whose wording has not been confirmed against its paper, or one that needs a licence
this deployment has not recorded, is left out, and `left_out()` says which and why —
the platform never guesses an item's wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.directory.models import Category
from inspiring.measures import library
from inspiring.measures.actions import do_save_custom_instrument
from inspiring.measures.instruments.base import Instrument, Status

from .choices import SectionKind
from .models import MAX_CATEGORIES, Section, Survey, SurveyCategory

TEMPLATE_TITLE = "What's on near you: community survey"
TEMPLATE_INTRODUCTION = (
    "We want to know what kinds of activities you know about, go to and would like to go "
    "to, and what makes it hard to go. Your answers help us and local groups plan what is "
    "on. It takes about 10 minutes. You do not give your name, and every question is "
    "optional."
)

# The needs-satisfaction scale the Ashfield evaluation used is unpublished: the template
# carries an example in its place, which says so wherever it appears.
NEEDS_SATISFACTION = "needs-satisfaction"
NEEDS_SATISFACTION_TITLE = "Neighbourhood needs satisfaction (EXAMPLE scale: replace before use)"
NEEDS_SATISFACTION_INTRODUCTION = (
    "EXAMPLE: these statements stand in for the evaluation's own neighbourhood "
    "needs-satisfaction scale, which is unpublished. A deployment replaces them with that "
    "scale's items before reporting on it. How much do you agree with each statement about "
    "your neighbourhood?"
)
NEEDS_SATISFACTION_ITEMS: list[tuple[str, bool]] = [
    ("My neighbourhood gives me a sense of belonging.", False),
    ("In my neighbourhood I can be the person I want to be.", False),
    ("My neighbourhood gives me people I can count on.", False),
    ("I feel left out of things in my neighbourhood.", True),
]
NEEDS_SATISFACTION_OPTIONS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]


@dataclass(frozen=True)
class Part:
    """One section of the template: its kind, title and (for a measure) instrument."""

    kind: str
    title: str
    instrument_code: str = ""


PARTS: tuple[Part, ...] = (
    Part(SectionKind.CATEGORIES, "Kinds of activity"),
    Part(SectionKind.BARRIERS, "What makes it hard to go"),
    Part(SectionKind.INSTRUMENT, "How you feel", "ons4"),
    Part(SectionKind.INSTRUMENT, "Loneliness", "ons-loneliness"),
    Part(SectionKind.GROUPS, "Groups you belong to"),
    Part(SectionKind.INSTRUMENT, "The groups in your life", "group-memberships"),
    Part(SectionKind.INSTRUMENT, "Your neighbourhood", "neighbourhood-identification"),
    Part(SectionKind.INSTRUMENT, "What your neighbourhood gives you", NEEDS_SATISFACTION),
    Part(SectionKind.DEMOGRAPHICS, "About you"),
    Part(SectionKind.POSTCODE, "Where you live"),
)


def administrable(instrument: Instrument | None) -> bool:
    """May this instrument be put in front of residents now? Shipped and switched on
    (the library's `usable()`), or built in this deployment (custom)."""
    if instrument is None:
        return False
    if instrument.status == Status.CUSTOM:
        return True
    return any(usable.code == instrument.code for usable in library.usable())


def why_not(code: str) -> str | None:
    """Why the template leaves instrument `code` out, or None when it goes in."""
    instrument = library.get(code)
    if instrument is None:
        return f"{code}: not in this deployment's instrument library yet."
    if administrable(instrument):
        return None
    if instrument.needs_licence:
        return f"{instrument.title}: needs the licence recorded before it can be used."
    if instrument.status == Status.TEMPLATE:
        note = f" {instrument.template_note}" if instrument.template_note else ""
        return (
            f"{instrument.title}: a template whose wording has not been confirmed against the "
            f"published paper, so it is left out.{note}"
        )
    return f"{instrument.title}: not switched on in this deployment."


def left_out() -> list[str]:
    """The template's instruments that an area's survey would leave out now, and why."""
    notes = []
    for part in PARTS:
        if part.instrument_code:
            reason = why_not(part.instrument_code)
            if reason is not None:
                notes.append(reason)
    return notes


def ensure_needs_satisfaction(by: User | None = None) -> Instrument | None:
    """The example needs-satisfaction instrument, built once with measures' custom
    instrument action; an area that already has it (or a replacement under the same
    code, as the template asks) keeps what it has."""
    existing = library.get(NEEDS_SATISFACTION)
    if existing is not None:
        return existing
    do_save_custom_instrument(
        None,
        code=NEEDS_SATISFACTION,
        title=NEEDS_SATISFACTION_TITLE,
        introduction=NEEDS_SATISFACTION_INTRODUCTION,
        items=NEEDS_SATISFACTION_ITEMS,
        option_labels=NEEDS_SATISFACTION_OPTIONS,
        rule="mean",
        min_answered=3,
        bands=[],
        by=by,
    )
    return library.get(NEEDS_SATISFACTION)


def top_level_categories() -> list[Category]:
    """The directory's categories, in its order (the survey's rows, at most 63)."""
    return list(Category.objects.order_by("order", "name")[:MAX_CATEGORIES])


@transaction.atomic
def build_template_survey(area: Area, *, by: User | None = None) -> Survey:
    """A draft survey for `area` in the template's shape. Not audited: the caller's
    action (do_create_from_template, the demo loader) says who made it and why."""
    ensure_needs_satisfaction(by)
    survey = Survey.objects.create(
        area=area,
        title=TEMPLATE_TITLE,
        introduction=TEMPLATE_INTRODUCTION,
        created_by=by,
    )
    SurveyCategory.objects.bulk_create(
        SurveyCategory(survey=survey, position=position, category=category, label=category.name)
        for position, category in enumerate(top_level_categories())
    )
    sections: list[Section] = []
    for part in PARTS:
        version = ""
        if part.instrument_code:
            instrument = library.get(part.instrument_code)
            if instrument is None or not administrable(instrument):
                continue
            version = instrument.version
        sections.append(
            Section(
                survey=survey,
                position=len(sections) + 1,
                kind=part.kind,
                title=part.title,
                instrument_code=part.instrument_code,
                instrument_version=version,
            )
        )
    Section.objects.bulk_create(sections)
    return survey
