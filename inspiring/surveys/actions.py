"""Every change to a survey and its responses, audited, in one transaction each.

The life cycle: a draft is built and changed freely; an open survey takes responses
and keeps its questions (a response means what the questions meant when it was
given); a closed survey is read-only, its responses unchangeable. Each rule is
enforced here, where the public form, staff pages, the import and the demo all pass.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts.audit import record
from inspiring.accounts.models import User
from inspiring.areas.geography import UnknownPostcode, resolve_postcode
from inspiring.areas.models import LSOA, Area
from inspiring.casework.choices import Disability, EthnicGroup, Sex
from inspiring.directory.models import Category
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, score, valid_answers
from lib.actions import ActionRefused
from lib.postcodes import PostcodeError

from .choices import BARRIER_BITS, AgeBand, Aspect, Mode, SectionKind
from .models import MAX_CATEGORIES, Response, Section, Survey, SurveyCategory
from .template import Part, administrable, build_template_survey


class SurveyRefused(ActionRefused):
    """A survey change or response that cannot be made; str(error) says why."""


# --- Building ----------------------------------------------------------------------


@transaction.atomic
def do_create_from_template(request: HttpRequest | None, area: Area, *, by: User | None) -> Survey:
    survey = build_template_survey(area, by=by)
    record(
        request,
        "survey.created",
        survey,
        area=area,
        actor=by,
        detail={"from": "template", "sections": survey.sections.count()},
    )
    return survey


def _locked(survey: Survey) -> Survey:
    """The survey as it is now, locked until the transaction ends: a response and a
    close racing each other see one order (PostgreSQL; SQLite writes one at a time)."""
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _check_sections(parts: Sequence[Part]) -> None:
    if not parts:
        raise SurveyRefused("A survey needs at least one section.")
    seen: set[str] = set()
    for part in parts:
        if part.kind not in SectionKind.values:
            raise SurveyRefused(f"{part.kind!r} is not a kind of section.")
        key = part.instrument_code if part.kind == SectionKind.INSTRUMENT else part.kind
        if not key:
            raise SurveyRefused("Choose the measure this section asks.")
        if key in seen:
            raise SurveyRefused(f"The survey already asks “{part.title or key}”.")
        seen.add(key)
        if part.kind == SectionKind.INSTRUMENT and not administrable(
            library.get(part.instrument_code)
        ):
            raise SurveyRefused(
                f"{part.instrument_code} cannot be asked: it is not switched on or not "
                "confirmed in this deployment."
            )


@transaction.atomic
def do_change_survey(
    request: HttpRequest | None,
    survey: Survey,
    *,
    title: str | None = None,
    introduction: str | None = None,
    sections: Sequence[Part] | None = None,
    categories: Sequence[Category] | None = None,
) -> list[str]:
    """Change what is given (None: leave as it is); returns the names of what changed.

    A closed survey changes no more. An open one may reword its title and introduction,
    never its questions (sections and categories): answers already given would change
    meaning. Sections and categories are replaced as a whole, in the order given."""
    current = _locked(survey)
    if current.is_closed:
        raise SurveyRefused("This survey has closed: it can no longer be changed.")
    questions_change = sections is not None or categories is not None
    if questions_change and current.status != Survey.Status.DRAFT:
        raise SurveyRefused(
            "This survey is open: its questions cannot change while residents answer it. "
            "Only its title and introduction can."
        )
    changed: list[str] = []
    if title is not None and title.strip() != current.title:
        if not title.strip():
            raise SurveyRefused("Enter the survey's title.")
        current.title = title.strip()
        changed.append("title")
    if introduction is not None and introduction.strip() != current.introduction:
        current.introduction = introduction.strip()
        changed.append("introduction")
    if changed:
        current.full_clean(exclude=["area", "created_by"])
        current.save(update_fields=changed)
    if sections is not None:
        _check_sections(sections)
        current.sections.all().delete()
        Section.objects.bulk_create(
            Section(
                survey=current,
                position=position,
                kind=part.kind,
                title=part.title,
                instrument_code=part.instrument_code,
                instrument_version=(
                    instrument.version
                    if part.instrument_code and (instrument := library.get(part.instrument_code))
                    else ""
                ),
            )
            for position, part in enumerate(sections, start=1)
        )
        changed.append("sections")
    if categories is not None:
        if len(categories) > MAX_CATEGORIES:
            raise SurveyRefused(
                f"A survey can ask about at most {MAX_CATEGORIES} kinds of activity."
            )
        current.categories.all().delete()
        SurveyCategory.objects.bulk_create(
            SurveyCategory(
                survey=current, position=position, category=category, label=category.name
            )
            for position, category in enumerate(categories)
        )
        changed.append("categories")
    if changed:
        record(request, "survey.changed", current, area=current.area, detail={"changed": changed})
    survey.refresh_from_db()
    return changed


@transaction.atomic
def do_open(request: HttpRequest | None, survey: Survey) -> Survey:
    current = _locked(survey)
    if current.status != Survey.Status.DRAFT:
        raise SurveyRefused(
            "Only a draft survey can be opened: this one is "
            f"{current.get_status_display().lower()}."
        )
    if not current.sections.exists():
        raise SurveyRefused("Add at least one section before opening the survey.")
    current.status = Survey.Status.OPEN
    current.opened_at = timezone.now()
    current.save(update_fields=["status", "opened_at"])
    record(request, "survey.opened", current, area=current.area)
    survey.refresh_from_db()
    return current


@transaction.atomic
def do_close(request: HttpRequest | None, survey: Survey) -> Survey:
    current = _locked(survey)
    if current.status != Survey.Status.OPEN:
        raise SurveyRefused(
            "Only an open survey can be closed: this one is "
            f"{current.get_status_display().lower()}."
        )
    current.status = Survey.Status.CLOSED
    current.closed_at = timezone.now()
    current.save(update_fields=["status", "closed_at"])
    record(
        request,
        "survey.closed",
        current,
        area=current.area,
        detail={"responses": current.responses.count()},
    )
    survey.refresh_from_db()
    return current


# --- Responses ---------------------------------------------------------------------


def quintile(decile: int | None) -> int | None:
    """IMD quintile from decile: 1-2 is quintile 1 (most deprived), 9-10 is 5."""
    return None if decile is None else (decile + 1) // 2


def category_masks(positions: Mapping[str, Iterable[int]], known: set[int]) -> dict[str, int]:
    """{"knows": [0, 3], …} as the three masks (knows_mask, uses_mask, wants_mask)."""
    masks = {f"{aspect}_mask": 0 for aspect in Aspect.values}
    for aspect, chosen in positions.items():
        if aspect not in Aspect.values:
            raise SurveyRefused(f"{aspect!r} is not one of knows, uses, wants.")
        for position in chosen:
            if int(position) not in known:
                raise SurveyRefused(f"{position!r} is not one of this survey's kinds of activity.")
            masks[f"{aspect}_mask"] |= 1 << int(position)
    return masks


def barrier_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        if code not in BARRIER_BITS:
            raise SurveyRefused(f"{code!r} is not one of the barriers.")
        mask |= 1 << BARRIER_BITS[code]
    return mask


def scored_measure(
    section: Section, answers: Mapping[str, Any], instrument: Instrument | None = None
) -> dict[str, Any]:
    """One instrument section's answers as stored: {"version", "answers", "scores",
    "complete"}, scored by measures' one set of rules. Bad values are refused, not
    silently dropped: the person entering them should fix them. (`instrument`: the
    section's, when the caller has it already, as a bulk load does.)"""
    if instrument is None:
        instrument = library.get(section.instrument_code, section.instrument_version or None)
    if instrument is None:
        raise SurveyRefused(
            f"{section.instrument_code} version {section.instrument_version} is not in the "
            "instrument library."
        )
    valid, problems = valid_answers(instrument, answers)
    if problems:
        raise SurveyRefused(f"{instrument.title}: " + "; ".join(problems))
    result = score(instrument, valid)
    return {
        "version": instrument.version,
        "answers": valid,
        "scores": result.scores,
        "complete": result.complete,
    }


def _choice(answers: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = answers.get(key) or ""
    if value and value not in allowed:
        raise SurveyRefused(f"{value!r} is not one of the answers to {key.replace('_', ' ')}.")
    return str(value)


def _place(answers: Mapping[str, Any]) -> tuple[str, int | None]:
    """(LSOA code, IMD decile) from a postcode or an LSOA code already resolved. The
    postcode goes no further than this function."""
    postcode = str(answers.get("postcode") or "").strip()
    if postcode:
        try:
            place = resolve_postcode(postcode)
        except (PostcodeError, UnknownPostcode) as error:
            raise SurveyRefused(str(error)) from None
        return place.lsoa_code or "", place.imd_decile
    lsoa_code = str(answers.get("lsoa_code") or "").strip()
    if lsoa_code:
        lsoa = LSOA.objects.filter(code=lsoa_code).values("imd_decile").first()
        if lsoa is None:
            raise SurveyRefused(f"{lsoa_code} is not a neighbourhood (LSOA) this site knows.")
        return lsoa_code, lsoa["imd_decile"]
    return "", None


def build_response(
    survey: Survey, answers: Mapping[str, Any], sections: Sequence[Section]
) -> Response:
    """The unsaved Response for `answers` (see do_record_response), refused when any
    answer is not one the survey asks for. The demo builds its rows with this too, so
    synthetic rows have exactly the stored shape of real ones."""
    kinds = {section.kind for section in sections}
    known_positions = set(survey.categories.values_list("position", flat=True))
    categories = answers.get("categories") or {}
    if categories and SectionKind.CATEGORIES not in kinds:
        raise SurveyRefused("This survey does not ask about kinds of activity.")
    barriers = answers.get("barriers") or []
    if barriers and SectionKind.BARRIERS not in kinds:
        raise SurveyRefused("This survey does not ask what makes it hard to go.")
    measures: dict[str, Any] = {}
    given = dict(answers.get("measures") or {})
    for section in sections:
        if section.kind == SectionKind.INSTRUMENT:
            items = given.pop(section.instrument_code, None)
            if items:
                measures[section.instrument_code] = scored_measure(section, items)
    if given:
        raise SurveyRefused("This survey does not ask " + ", ".join(sorted(given)) + ".")
    raw_groups: Any = answers.get("groups_count")
    groups: int | None = None
    if raw_groups not in ("", None):
        try:
            groups = int(raw_groups)
        except (TypeError, ValueError):
            raise SurveyRefused(f"{raw_groups!r} is not a number of groups.") from None
        if not 0 <= groups <= 100:
            raise SurveyRefused("The number of groups must be between 0 and 100.")
    lsoa_code, decile = _place(answers)
    submitted_on = answers.get("submitted_on") or timezone.localdate()
    if not isinstance(submitted_on, datetime.date):
        raise SurveyRefused(f"{submitted_on!r} is not a date.")
    return Response(
        survey=survey,
        submitted_on=submitted_on,
        **category_masks(categories, known_positions),
        barriers_mask=barrier_mask(barriers),
        lsoa_code=lsoa_code,
        imd_decile=decile,
        imd_quintile=quintile(decile),
        age_band=_choice(answers, "age_band", AgeBand.values),
        sex=_choice(answers, "sex", Sex.values),
        ethnic_group=_choice(answers, "ethnic_group", EthnicGroup.values),
        disability=_choice(answers, "disability", Disability.values),
        groups_count=groups,
        measures=measures,
        synthetic=survey.synthetic,
    )


@transaction.atomic
def do_record_response(
    survey: Survey,
    answers: Mapping[str, Any],
    mode: str,
    entered_by: User | None = None,
) -> Response:
    """Store one resident's answers as a Response. The one way in for the public form,
    paper returns and the spreadsheet import.

    `answers` (every key optional; an absent or empty key is a question not answered):

        {
            "categories": {"knows": [0, 3], "uses": [3], "wants": [3, 5]},
                # SurveyCategory.position of each kind of activity ticked, per aspect
            "barriers": ["awareness", "cost"],       # choices.SurveyBarrier codes
            "measures": {"ons4": {"life_satisfaction": 7, "anxiety": 2}},
                # per instrument section: {item_id: option value}, as measures scores
            "groups_count": 3,                        # how many groups (0-100)
            "age_band": "25_34",                      # choices.AgeBand
            "sex": "female",                          # casework.choices.Sex
            "ethnic_group": "white_british",          # casework.choices.EthnicGroup
            "disability": "no",                       # casework.choices.Disability
            "postcode": "NG17 7AE",                   # resolved to LSOA and IMD decile,
                                                      # never stored
            "lsoa_code": "E01028063",                 # instead of a postcode, when the
                                                      # neighbourhood is already known
            "submitted_on": date(2026, 5, 1),         # default today (paper: the day on
                                                      # the return, if known)
        }

    Raises SurveyRefused (an ActionRefused) with a message for a person when the survey
    is not open (a draft or closed survey takes no responses), or when an answer is not
    one the survey asks for (an unknown postcode, a value outside an item's options, a
    category the survey does not list). Nothing is saved then.

    `mode` is choices.Mode; paper returns (entered_by required) are audited, as
    "survey.paper_entered"; the import audits its own run once.
    """
    if mode not in Mode.values:
        raise SurveyRefused(f"{mode!r} is not a way a response arrives.")
    current = _locked(survey)
    if current.status == Survey.Status.DRAFT:
        raise SurveyRefused("This survey is a draft: it takes responses once it is opened.")
    if current.is_closed:
        raise SurveyRefused("This survey has closed: it takes no more responses.")
    if mode == Mode.PAPER and entered_by is None:
        raise SurveyRefused("A paper return is entered by someone: say who.")
    response = build_response(current, answers, list(current.sections.all()))
    response.mode = mode
    response.entered_by = entered_by if mode != Mode.ONLINE else None
    response.save()
    if mode == Mode.PAPER:
        record(
            None,
            "survey.paper_entered",
            current,
            area=current.area,
            actor=entered_by,
            detail={"response": str(response.public_id)},
        )
    return response
