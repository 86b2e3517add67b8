"""Starting analyses: each audited, each run in the background after the commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit

from .models import Analysis
from .tasks import run_analysis

if TYPE_CHECKING:
    from inspiring.accounts.models import User
    from inspiring.areas.models import Area


def _queue(analysis: Analysis) -> None:
    transaction.on_commit(lambda: run_analysis.enqueue(analysis.pk))


def do_start_analysis(
    request: HttpRequest | None,
    *,
    areas: list[Area],
    title: str,
    spec: dict[str, Any],
    by: User | None,
) -> Analysis:
    """A new analysis of `spec` over `areas`, queued to run."""
    with transaction.atomic():
        analysis = Analysis.objects.create(title=title[:200], spec=spec, created_by=by)
        analysis.areas.set(areas)
        for area in areas:
            audit.record(
                request,
                "evaluation.queued",
                analysis,
                area=area,
                actor=by,
                detail={"analysis": spec.get("analysis", ""), "dataset": spec.get("dataset", {})},
            )
        _queue(analysis)
    return analysis


def do_run_again(request: HttpRequest | None, original: Analysis, *, by: User | None) -> Analysis:
    """The same spec, seed and pseudonym salt, run again on the data as they are now."""
    with transaction.atomic():
        analysis = Analysis.objects.create(
            title=original.title,
            spec=original.spec,
            salt=original.salt,
            created_by=by,
            rerun_of=original,
        )
        areas = list(original.areas.all())
        analysis.areas.set(areas)
        for area in areas:
            audit.record(
                request,
                "evaluation.rerun",
                analysis,
                area=area,
                actor=by,
                detail={"original": str(original.public_id)},
            )
        _queue(analysis)
    return analysis
