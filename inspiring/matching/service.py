"""Suggestions for a client: the one entry point for the case page, the command and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from inspiring.casework.models import Client

from .engine import DAY_CODES, Suggestion, suggest, week
from .loading import Refine, candidates, client_profile

TOP = 20


@dataclass
class Result:
    client: Client
    suggestions: list[Suggestion]
    week: list[Suggestion]
    limits: dict[str, Any]
    notes: list[str]


def suggestions_for(
    client: Client, refine: Refine | None = None, *, now: datetime | None = None, top: int = TOP
) -> Result:
    now = now or timezone.now()
    built = client_profile(client, refine)
    profile = built.profile
    found = suggest(
        profile,
        candidates(client.area, home=built.home, max_miles=profile.max_miles, now=now),
        now,
        limit=top,
    )
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
    return Result(client, found, week(found), limits, built.notes)


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
