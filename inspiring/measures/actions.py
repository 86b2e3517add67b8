"""Measures' changes, each audited: licences recorded and withdrawn, templates confirmed,
custom instruments saved (a new version whenever the definition changes)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from lib.actions import ActionRefused

from . import instruments
from .instruments.base import Rule, Status
from .models import CustomInstrument, InstrumentLicence, TemplateConfirmation

# Lengths the forms say in words; the model fields hold the same limits.
MAX_ITEMS = 100
MAX_OPTIONS = 11
MAX_TEXT = 500
MAX_LABEL = 100
CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Page addresses under /staff/measures/ that a code would shadow.
RESERVED_CODES = frozenset({"build"})


class InstrumentRefused(ActionRefused):
    """A refused change, with the form field it is about (None: the whole form), so a
    view can put the message beside the field. `problems` holds every (field, message)
    found when there are several (a definition is checked whole, so the person fixes
    everything in one go); str() is the first."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [(field, message)]


def _actor(request: HttpRequest | None, by: User | None) -> User | None:
    if by is not None:
        return by
    user = getattr(request, "user", None) if request is not None else None
    return user if isinstance(user, User) else None


# --- Licences -------------------------------------------------------------------


def do_record_licence(
    request: HttpRequest | None,
    code: str,
    *,
    holder: str,
    registration_reference: str,
    by: User | None = None,
) -> InstrumentLicence:
    """Record that this deployment holds the licence for `code`: it becomes usable.
    Only a site administrator may say so (the licence binds the whole deployment)."""
    actor = _actor(request, by)
    if actor is None or not actor.is_superuser:
        raise InstrumentRefused("Only a site administrator can record a licence.")
    instrument = instruments.get(code)
    if instrument is None or not instrument.needs_licence:
        raise InstrumentRefused(f"{code} does not need a licence.")
    holder, registration_reference = holder.strip(), registration_reference.strip()
    if not holder:
        raise InstrumentRefused("Enter who holds the licence", "holder")
    if not registration_reference:
        raise InstrumentRefused(
            "Enter the registration reference the owners gave", "registration_reference"
        )
    try:
        with transaction.atomic():
            licence = InstrumentLicence.objects.create(
                instrument_code=code,
                holder=holder[:200],
                registration_reference=registration_reference[:200],
                recorded_by=actor,
            )
            audit.record(
                request,
                "instrument_licence.recorded",
                licence,
                actor=actor,
                detail={"instrument": code, "holder": licence.holder},
            )
    except IntegrityError:
        # The one-current-licence constraint: someone recorded it first.
        raise InstrumentRefused(f"A licence for {instrument.title} is already recorded.") from None
    return licence


def do_withdraw_licence(
    request: HttpRequest | None, code: str, *, by: User | None = None
) -> InstrumentLicence:
    """The deployment no longer holds the licence: the instrument is switched off for
    new administrations (stored scores stay, and can still be re-scored)."""
    actor = _actor(request, by)
    if actor is None or not actor.is_superuser:
        raise InstrumentRefused("Only a site administrator can withdraw a licence.")
    with transaction.atomic():
        licence = (
            InstrumentLicence.objects.current()
            .select_for_update()
            .filter(instrument_code=code)
            .first()
        )
        if licence is None:
            raise InstrumentRefused(f"No licence for {code} is recorded.")
        licence.withdrawn_at = timezone.now()
        licence.withdrawn_by = actor
        licence.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record(
            request,
            "instrument_licence.withdrawn",
            licence,
            actor=actor,
            detail={"instrument": code},
        )
    return licence


# --- Templates ------------------------------------------------------------------


def do_confirm_template(
    request: HttpRequest | None, code: str, *, citation: str, by: User | None = None
) -> TemplateConfirmation:
    """Record that the template's wording was checked against `citation`: usable from
    now on. (The view checks BUILD_INSTRUMENTS; the action needs a person to name.)"""
    actor = _actor(request, by)
    if actor is None:
        raise InstrumentRefused("Sign in to confirm a template.")
    instrument = instruments.get(code)
    if instrument is None or instrument.status != Status.TEMPLATE:
        raise InstrumentRefused(f"{code} is not a template to confirm.")
    citation = citation.strip()
    if not citation:
        raise InstrumentRefused(
            "Enter the published paper you checked the wording against", "citation"
        )
    if len(citation) > 1000:
        raise InstrumentRefused("The citation must be 1,000 characters or fewer", "citation")
    try:
        with transaction.atomic():
            confirmation = TemplateConfirmation.objects.create(
                instrument_code=code,
                instrument_version=instrument.version,
                citation=citation,
                confirmed_by=actor,
            )
            audit.record(
                request,
                "instrument_template.confirmed",
                confirmation,
                actor=actor,
                detail={"instrument": code, "version": instrument.version, "citation": citation},
            )
    except IntegrityError:
        raise InstrumentRefused(f"{instrument.title} is already confirmed.") from None
    return confirmation


# --- Custom instruments ---------------------------------------------------------


def _definition_problems(
    *,
    code: str,
    title: str,
    introduction: str,
    items: Sequence[tuple[str, bool]],
    option_labels: Sequence[str],
    rule: str,
    min_answered: int | None,
    bands: Sequence[tuple[float, float, str]],
    first_value: int,
) -> list[tuple[str | None, str]]:
    """Everything that stops a definition being asked or scored, as (field, message),
    in the order of the form's fields."""
    found: list[tuple[str | None, str]] = []
    if not CODE_PATTERN.match(code) or len(code) > 60:
        found.append(
            (
                "code",
                "Enter a code of lower-case letters, numbers and hyphens, 60 characters or "
                "fewer, like needs-satisfaction",
            )
        )
    elif code in RESERVED_CODES or instruments.get(code) is not None:
        found.append(
            ("code", f"{code} is the code of an instrument the platform ships: choose another")
        )
    if not title:
        found.append(("title", "Enter the instrument's title"))
    elif len(title) > 200:
        found.append(("title", "The title must be 200 characters or fewer"))
    if len(introduction) > 2000:
        found.append(("introduction", "The introduction must be 2,000 characters or fewer"))
    if len(items) < 2:
        found.append(("items", "Enter at least 2 items"))
    elif len(items) > MAX_ITEMS:
        found.append(("items", f"Enter {MAX_ITEMS} items or fewer"))
    for number, (text, _reverse) in enumerate(items, start=1):
        if not text:
            found.append(("items", f"Enter the wording of item {number}"))
        elif len(text) > MAX_TEXT:
            found.append(("items", f"Item {number} must be {MAX_TEXT} characters or fewer"))
    if len(option_labels) < 2:
        found.append(("option_labels", "Enter at least 2 answers to choose from"))
    elif len(option_labels) > MAX_OPTIONS:
        found.append(("option_labels", f"Enter {MAX_OPTIONS} answers or fewer"))
    if any(not label for label in option_labels):
        found.append(("option_labels", "Enter the label of every answer"))
    elif any(len(label) > MAX_LABEL for label in option_labels):
        found.append(("option_labels", f"Each answer must be {MAX_LABEL} characters or fewer"))
    elif len(set(option_labels)) != len(option_labels):
        found.append(("option_labels", "Give each answer a different label"))
    if not -100 <= first_value <= 100:
        found.append(("first_value", "The score of the first answer must be between -100 and 100"))
    if rule not in (Rule.MEAN, Rule.SUM):
        found.append(("rule", "Choose whether the score is the mean or the sum"))
    if min_answered is not None and not 1 <= min_answered <= max(len(items), 1):
        found.append(
            (
                "min_answered",
                f"The items that must be answered must be between 1 and {len(items)}",
            )
        )
    found.extend(_band_problems(bands, items, option_labels, rule, first_value))
    if not found:
        found.extend(
            _band_gaps(bands, len(items), len(option_labels), rule, first_value, min_answered)
        )
    return found


def _band_problems(
    bands: Sequence[tuple[float, float, str]],
    items: Sequence[tuple[str, bool]],
    option_labels: Sequence[str],
    rule: str,
    first_value: int,
) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    for low, high, label in bands:
        if not label:
            found.append(("bands", "Give every band a label"))
        elif not (math.isfinite(low) and math.isfinite(high)) or low > high:
            found.append(("bands", f"The band {label} must run from a lower score to a higher one"))
    ordered = sorted(bands)
    for (_l1, high1, label1), (low2, _h2, label2) in itertools.pairwise(ordered):
        if low2 <= high1:
            found.append(("bands", f"The bands {label1} and {label2} overlap"))
    if bands and len(items) >= 2 and len(option_labels) >= 2 and rule in (Rule.MEAN, Rule.SUM):
        # Bands outside the possible scores would never be given: a slip (a mean's bands
        # typed for a sum, or the other way round).
        times = len(items) if rule == Rule.SUM else 1
        lowest = first_value * times
        highest = (first_value + len(option_labels) - 1) * times
        if ordered[0][0] < lowest or ordered[-1][1] > highest:
            found.append(
                (
                    "bands",
                    f"The bands must lie within the possible scores, {lowest} to {highest}",
                )
            )
    return found


def possible_scores(
    n_items: int, n_options: int, rule: str, first_value: int, min_answered: int | None
) -> set[float]:
    """Every score the scale can give, as base.score works it out: a mean, or a sum
    prorated when items are missing (allowed by `min_answered`), rounded to 2 places."""
    lowest, highest = first_value, first_value + n_options - 1
    scores: set[float] = set()
    for answered in range((min_answered or n_items), n_items + 1):
        for total in range(answered * lowest, answered * highest + 1):
            if rule == Rule.MEAN:
                scores.add(round(total / answered, 2))
            elif answered == n_items:
                scores.add(float(total))
            else:
                scores.add(round(total / answered * n_items, 2))
    return scores


def _band_gaps(
    bands: Sequence[tuple[float, float, str]],
    n_items: int,
    n_options: int,
    rule: str,
    first_value: int,
    min_answered: int | None,
) -> list[tuple[str | None, str]]:
    """A score that can happen between two bands would get no band at all (a mean of
    2.5 between "1 to 2" and "3 to 5"): refused, with the first such score named.
    Scores below the first band or above the last are left without one on purpose (a
    scale may band only its top, as "6 or more")."""
    if len(bands) < 2:
        return []
    ordered = sorted(bands)
    for (_low1, high1, label1), (low2, _high2, label2) in itertools.pairwise(ordered):
        between = sorted(
            score
            for score in possible_scores(n_items, n_options, rule, first_value, min_answered)
            if high1 < score < low2
        )
        if between:
            return [
                (
                    "bands",
                    f"A score of {between[0]:g} can happen but falls between the bands "
                    f"{label1} and {label2}: start {label2} at {between[0]:g} or end "
                    f"{label1} at {between[-1]:g}",
                )
            ]
    return []


def do_save_custom_instrument(
    request: HttpRequest | None,
    *,
    code: str,
    title: str,
    introduction: str,
    items: list[tuple[str, bool]],
    option_labels: list[str],
    rule: str,
    min_answered: int | None,
    bands: list[tuple[float, float, str]],
    by: User | None = None,
    first_value: int = 1,
) -> CustomInstrument:
    """Save a custom instrument: version 1 for a new code, a new version when the
    definition differs from the latest, or the latest itself when nothing changed (so
    saving the same definition twice, as a survey template does, makes no version).

    Items are (wording, reverse-keyed); answers are labelled lowest score first and
    scored `first_value`, `first_value + 1`, …; `rule` is "mean" or "sum"; bands are
    (low, high, label), inclusive, within the possible scores. Refuses
    (InstrumentRefused, an ActionRefused) saving nothing: its message is the first
    problem, its `problems` every one."""
    code = code.strip().lower()
    title = title.strip()
    introduction = introduction.strip()
    cleaned_items = [(text.strip(), bool(reverse)) for text, reverse in items]
    labels = [label.strip() for label in option_labels]
    cleaned_bands = [(float(low), float(high), label.strip()) for low, high, label in bands]
    rule = str(rule).strip().lower()
    problems = _definition_problems(
        code=code,
        title=title,
        introduction=introduction,
        items=cleaned_items,
        option_labels=labels,
        rule=rule,
        min_answered=min_answered,
        bands=cleaned_bands,
        first_value=first_value,
    )
    if problems:
        field, message = problems[0]
        raise InstrumentRefused(message, field, problems=problems)
    candidate = CustomInstrument(
        code=code,
        title=title,
        introduction=introduction,
        items=[{"text": text, "reverse": reverse} for text, reverse in cleaned_items],
        option_labels=labels,
        first_value=first_value,
        rule=rule,
        # Every item required is the same rule as none given: store it one way.
        min_answered=None if min_answered == len(cleaned_items) else min_answered,
        bands=[[low, high, label] for low, high, label in sorted(cleaned_bands)],
        created_by=_actor(request, by),
    )
    try:
        with transaction.atomic():
            latest = (
                CustomInstrument.objects.select_for_update()
                .filter(code=code)
                .order_by("-version")
                .first()
            )
            if latest is not None and latest.definition() == candidate.definition():
                return latest
            candidate.version = 1 if latest is None else latest.version + 1
            candidate.save()
            audit.record(
                request,
                "custom_instrument.saved",
                candidate,
                actor=candidate.created_by,
                detail={"instrument": code, "version": candidate.version},
            )
    except IntegrityError:
        # Two saves of the same code at once (SQLite has no row lock to wait on): the
        # other one took this version number.
        raise InstrumentRefused(
            "Someone else saved this instrument at the same moment: check it and save again."
        ) from None
    return candidate
