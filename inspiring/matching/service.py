"""Suggestions for a client: the one entry point for the case page, the command and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from inspiring.casework.models import Client

from .engine import DAY_CODES, Suggestion, select, week
from .loading import Refine, activities, candidate, client_profile, identify, slot_loader

TOP = 20


@dataclass
class Result:
    client: Client
    suggestions: list[Suggestion]
    week: list[Suggestion]
    limits: dict[str, Any]
    notes: list[str]
    considered: int = 0  # activities in reach that no limit of their own ruled out


def suggestions_for(
    client: Client, refine: Refine | None = None, *, now: datetime | None = None, top: int = TOP
) -> Result:
    now = now or timezone.now()
    built = client_profile(client, refine)
    profile = built.profile
    pool = activities(client.area, profile, home=built.home, now=now)
    found = select(
        profile, pool.prospects, candidate, slot_loader(profile, now, pool.chosen), now, limit=top
    )
    identify(found)
    limits = {
        "max_miles": profile.max_miles,
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
    return Result(client, found, week(found), limits, built.notes, len(pool.prospects))


def as_json(result: Result) -> dict[str, Any]:
    """What `manage.py suggest CLIENT --json` prints: the activity ids are the public ids the
    Open Referral API uses for services."""
    return {
        "client": str(result.client.public_id),
        "limits": result.limits,
        "suggestions": [
            {
                "activity": s.candidate.public_id,
                "title": s.candidate.title,
                "next_session_start": timezone.localtime(s.next_slot.start).isoformat(),
                "miles": None if s.candidate.miles is None else round(s.candidate.miles, 2),
                "score": s.score,
                "reasons": s.reasons,
                "misfits": s.misfits,
                "waiting_list": s.waiting_list,
            }
            for s in result.suggestions
        ],
        "week": [s.candidate.public_id for s in result.week],
        "notes": result.notes,
    }
