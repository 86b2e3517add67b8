"""The evaluation's pages: the person's analyses, a new analysis (data set, kind, then
variables and options), its progress and its report, and "Run again". Access →
validate → act → respond; who sees what is decided in access.py."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area

from . import questions
from . import report as reports
from .access import (
    analyses_for,
    get_analysis,
    get_areas,
    get_survey,
    research_areas,
    reveals_small_numbers,
    surveys_for,
)
from .actions import do_run_again, do_start_analysis
from .extracts import Column, outcomes_columns, survey_columns
from .forms import AnalysisForm, DatasetForm, KindForm
from .models import Analysis
from .plots import plots_for
from .questions import QUESTIONS, Question
from .runner import KINDS

logger = logging.getLogger(__name__)

ANALYSE = Capability.ANALYSE_RESEARCH_DATA


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(isinstance(htmx, HtmxDetails) and htmx)


@require_capability(ANALYSE)
def analysis_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    analyses = list(
        analyses_for(request)
        .filter(created_by=user)
        .prefetch_related("areas")
        .select_related("rerun_of")
        .order_by("-created_at", "-pk")[:200]
    )
    questions = list(QUESTIONS)
    return render(
        request,
        "evaluation/list.html",
        {
            "analyses": analyses,
            "questions": questions,
            "areas": research_areas(request),
            "kinds": KINDS,
        },
    )


@require_capability(ANALYSE)
def choose_dataset(request: HttpRequest) -> HttpResponse:
    areas = research_areas(request)
    surveys = list(surveys_for(request))
    datasets = [
        (
            f"survey:{survey.public_id}",
            f"Community survey: {survey.title} ({survey.area.name}, "
            f"{survey.get_status_display().lower()}"
            f"{', synthetic demo data' if survey.synthetic else ''})",
        )
        for survey in surveys
    ]
    datasets.append(("outcomes", "Client outcomes: baseline and follow-up, groups, connections"))
    form = DatasetForm(
        request.GET if "dataset" in request.GET else None,
        datasets=datasets,
        areas=[(area.slug, area.name) for area in areas],
    )
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["dataset"]
        if chosen == "outcomes":
            query = urlencode({"areas": form.cleaned_data["areas"]}, doseq=True)
            return redirect(f"{reverse('evaluation:new_outcomes')}?{query}")
        return redirect("evaluation:new_survey", public_id=chosen.split(":", 1)[1])
    return render(request, "evaluation/new_dataset.html", {"form": form})


def _labels(columns: list[Column], names: list[str]) -> dict[str, str]:
    by_name = {column.name: column.label for column in columns}
    return {name: by_name[name] for name in names if name in by_name}


def _new_analysis(
    request: HttpRequest,
    *,
    dataset: dict[str, Any],
    dataset_label: str,
    areas: list[Area],
    columns: list[Column],
) -> HttpResponse:
    kind = request.POST.get("analysis") or request.GET.get("analysis") or ""
    back = request.path
    if kind not in KINDS:
        kind_form = KindForm(request.GET if "analysis" in request.GET else None)
        if kind_form.is_bound:
            kind_form.is_valid()
        return render(
            request,
            "evaluation/new_kind.html",
            {"form": kind_form, "dataset_label": dataset_label, "query": request.GET.copy()},
        )
    form = AnalysisForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        columns=columns,
        initial={"title": f"{KINDS[kind]}: {dataset_label}"},
    )
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        spec = {
            "dataset": dataset,
            "analysis": kind,
            "options": form.options(),
            "seed": form.cleaned_data["seed"],
            "question": "",
            "labels": _labels(columns, form.variables()),
        }
        analysis = do_start_analysis(
            request, areas=areas, title=form.cleaned_data["title"], spec=spec, by=user
        )
        return redirect(analysis.get_absolute_url())
    query = request.GET.copy()
    query.pop("analysis", None)
    return render(
        request,
        "evaluation/new_options.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": KINDS[kind],
            "dataset_label": dataset_label,
            "columns": [c for c in columns if c.kind != "id"],
            "change_kind_url": f"{back}?{query.urlencode()}" if query else back,
        },
    )


@require_capability(ANALYSE)
def new_survey_analysis(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = get_survey(request, public_id)
    return _new_analysis(
        request,
        dataset={"source": "survey", "survey": str(survey.public_id)},
        dataset_label=f"{survey.title} ({survey.area.name})",
        areas=[survey.area],
        columns=survey_columns(survey),
    )


@require_capability(ANALYSE)
def new_outcomes_analysis(request: HttpRequest) -> HttpResponse:
    areas = get_areas(request, request.GET.getlist("areas"))
    return _new_analysis(
        request,
        dataset={"source": "outcomes", "areas": [area.slug for area in areas]},
        dataset_label=f"client outcomes, {', '.join(area.name for area in areas)}",
        areas=areas,
        columns=outcomes_columns(areas),
    )


def rerun_verdict(analysis: Analysis) -> str:
    """For a finished rerun: "same" (same data, same numbers), "changed" (the data have
    changed), "different" (same data, other numbers: the software changed); else ""."""
    original = analysis.rerun_of
    if original is None or analysis.status != Analysis.Status.DONE:
        return ""
    if analysis.data_fingerprint != original.data_fingerprint:
        return "changed"
    return "same" if analysis.result == original.result else "different"


def _plots(analysis: Analysis, *, reveal: bool) -> list[Any]:
    if not analysis.result:
        return []
    try:
        return list(plots_for(analysis.spec, analysis.result, reveal=reveal))
    except Exception:  # a picture that cannot be drawn never hides the numbers
        logger.exception("Could not draw the pictures of analysis %s", analysis.public_id)
        return []


def _question(analysis: Analysis) -> Question | None:
    """The built-in question the analysis answers, or None."""
    code = str(analysis.spec.get("question") or "")
    return questions.get(code) if code else None


@require_capability(ANALYSE)
def analysis_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    analysis = get_analysis(request, public_id)
    context: dict[str, Any] = {
        "analysis": analysis,
        "kind_label": KINDS.get(analysis.kind, ""),
        "question": _question(analysis),
    }
    if _is_htmx(request) and not analysis.finished:
        return render(request, "evaluation/analysis.html#progress", context)
    if analysis.status == Analysis.Status.DONE and analysis.result:
        reveal = reveals_small_numbers(request, analysis)
        context.update(
            report=reports.build(
                analysis.spec,
                analysis.result,
                reveal=reveal,
                seed=analysis.seed,
                software=analysis.software_version,
                fingerprint=analysis.data_fingerprint,
            ),
            reveal=reveal,
            verdict=rerun_verdict(analysis),
            plots=_plots(analysis, reveal=reveal),
        )
    if _is_htmx(request):
        response = render(request, "evaluation/analysis.html#progress", context)
        # Finished: load the whole report in place of the progress.
        response["HX-Refresh"] = "true"
        return response
    return render(request, "evaluation/analysis.html", context)


@require_capability(ANALYSE)
@require_POST
def run_again(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    original = get_analysis(request, public_id)
    user = request.user
    assert isinstance(user, User)
    analysis = do_run_again(request, original, by=user)
    return redirect(analysis.get_absolute_url())
