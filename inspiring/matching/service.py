"""Suggestions for a client: the one entry point for the case page, the command and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from inspiring.casework.models import Client

from .engine import (
    DAY_CODES,
    Suggestion,
    miles_label,
    missed,
    rank,
    relaxations,
    select_paged,
    week,
)
from .loading import (
    ClientProfile,
    Refine,
    candidate,
    client_profile,
    identify,
    indexed,
    slot_loader,
)

TOP = 20
# Near misses shown when nothing fits: a few to talk about, not a second list.
NEAR_MISSES = 5


@dataclass(frozen=True)
class Card:
    """A suggestion as the page shows it: what did not fit it alone (what did not fit
    any of them is said once, above the list)."""

    suggestion: Suggestion
    misfits: list[str]


@dataclass
class Result:
    client: Client
    suggestions: list[Suggestion]
    week: list[Suggestion]
    limits: dict[str, Any]
    notes: list[str]
    # Activities read from the match index to decide (a page, or more): the rest of
    # those in reach could not have made the list.
    considered: int = 0
    # When nothing fits: the best activities that miss one limit (distance or time).
    near_misses: list[Suggestion] = field(default_factory=list)

    @property
    def max_miles_label(self) -> str:
        miles = self.limits["max_miles"]
        return "" if miles is None else miles_label(miles)

    @property
    def shared_misfits(self) -> list[str]:
        """What did not fit any of the suggestions (when there are several), in order."""
        if len(self.suggestions) < 2:
            return []
        first, *rest = self.suggestions
        return [m for m in first.misfits if all(m in other.misfits for other in rest)]

    @property
    def cards(self) -> list[Card]:
        shared = set(self.shared_misfits)
        return [Card(s, [m for m in s.misfits if m not in shared]) for s in self.suggestions]


def suggestions_for(
    client: Client, refine: Refine | None = None, *, now: datetime | None = None, top: int = TOP
) -> Result:
    now = now or timezone.now()
    built = client_profile(client, refine)
    profile = built.profile
    pool = indexed(client.area, profile, home=built.home, now=now, taxonomy=built.taxonomy)
    found = select_paged(
        profile, pool.pages(), candidate, slot_loader(profile, now, pool), now, limit=top
    )
    near = [] if found or top <= 0 else near_misses(client, built, now)
    identify(found + near, timezone.localdate())
    limits = {
        "max_miles": profile.max_miles,
        "assessed_max_miles": built.assessed_miles,
        "widened": built.widened,
        "availability": {
            day: sorted(profile.availability[day])
            for day in DAY_CODES
            if day in profile.availability
        },
        "age": profile.age,
        "cost_barrier": profile.cost_barrier,
        "only_free": profile.only_free,
        "days": sorted(profile.days, key=DAY_CODES.index),
        "category": profile.category or None,
    }
    return Result(client, found, week(found), limits, built.notes, pool.read, near)


def near_misses(client: Client, built: ClientProfile, now: datetime) -> list[Suggestion]:
    """When nothing fits: the best few that would, were they a little further away or at
    another time (engine.relaxations: every other limit holds), each with what it misses
    (engine.missed). Asked only when nothing fits, so it costs the page nothing
    otherwise: a few queries for each limit relaxed."""
    profile = built.profile
    found: list[Suggestion] = []
    for person in relaxations(profile):
        pool = indexed(client.area, person, home=built.home, now=now, taxonomy=built.taxonomy)
        load = slot_loader(person, now, pool)
        found += select_paged(person, pool.pages(), candidate, load, now, limit=NEAR_MISSES)
    # Each relaxation finds only what the other cannot: nothing met every limit.
    found.sort(key=rank)
    for suggestion in found[:NEAR_MISSES]:
        suggestion.missed = missed(profile, suggestion)
    return found[:NEAR_MISSES]


def _card(s: Suggestion) -> dict[str, Any]:
    listing = s.listing
    return {
        "activity": s.candidate.public_id,
        "title": s.candidate.title,
        "organiser": listing.organiser if listing else "",
        "place": listing.place if listing else "",
        "when": list(listing.when) if listing else [],
        "next_session_start": timezone.localtime(s.next_slot.start).isoformat(),
        "miles": None if s.candidate.miles is None else round(s.candidate.miles, 2),
        "score": s.score,
        "reasons": s.reasons,
        "misfits": s.misfits,
        "waiting_list": s.waiting_list,
    }


def as_json(result: Result) -> dict[str, Any]:
    """What `manage.py suggest CLIENT --json` prints: the activity ids are the public ids the
    Open Referral API uses for services."""
    return {
        "client": str(result.client.public_id),
        "limits": result.limits,
        "suggestions": [_card(s) for s in result.suggestions],
        "week": [s.candidate.public_id for s in result.week],
        "near_misses": [{**_card(s), "missed": s.missed} for s in result.near_misses],
        "notes": result.notes,
    }
