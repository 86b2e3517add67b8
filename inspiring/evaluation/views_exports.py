"""The report's downloads: "Download the PDF" and "Download the bundle"; and the page
of each of the programme's own questions (questions.py), which runs it.

Downloads: Access through
access.get_analysis (a person whose scope covers every area of the analysis; 404 for
anyone else, and never cached), only for a finished analysis, and each download audited
in every area it covers. The bundle extracts the data again (itself audited, as every
extract is) with the analysis's own salt, so its CSV has the pseudonyms and bytes of the
run; the README says so when the data have changed since.

A built-in question's page says what it asks and offers the data it can be asked of
(the areas in the person's scope for client outcomes, their surveys for the survey);
Run starts it as any analysis is started (actions.do_start_analysis, audited), with the
question's own spec."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User

from . import questions
from .access import ANALYSE, get_analysis, research_areas, reveals_small_numbers, surveys_for
from .actions import do_start_analysis
from .bundle import build_bundle
from .extracts import extract
from .models import Analysis
from .pdf import filename, render_pdf


def _finished(request: HttpRequest, public_id: uuid.UUID) -> Analysis:
    analysis = get_analysis(request, public_id)
    if analysis.status != Analysis.Status.DONE or not analysis.result:
        raise Http404("This analysis has no results to download")
    return analysis


def _record(request: HttpRequest, analysis: Analysis, action: str) -> None:
    for area in analysis.areas.all():
        audit.record(request, action, analysis, area=area, detail={"analysis": analysis.kind})


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_capability(ANALYSE)
def download_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    analysis = _finished(request, public_id)
    # "For sharing": counts under 5 hidden, for a steering group or funder who are not
    # the area's coordinators or researchers (the safety rule), whoever downloads.
    sharing = request.GET.get("for") == "sharing"
    data = render_pdf(analysis, reveal=reveals_small_numbers(request, analysis) and not sharing)
    _record(request, analysis, "evaluation.pdf_downloaded")
    return _download(data, "application/pdf", filename(analysis, "pdf"))


@require_capability(ANALYSE)
def download_bundle(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    analysis = _finished(request, public_id)
    user = request.user
    assert isinstance(user, User)
    try:
        frame = extract(analysis.spec, analysis.salt, actor=user, analysis=analysis)
    except LookupError as error:  # the survey or an area is gone: nothing to bundle
        raise Http404(str(error)) from None
    data = build_bundle(
        analysis.spec,
        analysis.result or {},
        frame,
        title=analysis.title,
        fingerprint=analysis.data_fingerprint,
        software=analysis.software_version,
    )
    _record(request, analysis, "evaluation.bundle_downloaded")
    return _download(data, "application/zip", filename(analysis, "zip"))


class QuestionForm(forms.Form):
    """The data to ask a built-in question of: areas (client outcomes) or a survey."""

    def __init__(
        self,
        *args: Any,
        question: questions.Question,
        choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if question.source == "outcomes":
            self.fields["areas"] = forms.MultipleChoiceField(
                label="Which areas' client outcomes?",
                help_text="Clients of these areas with a baseline, who agreed to research.",
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": "Choose at least one area"},
            )
        else:
            self.fields["survey"] = forms.ChoiceField(
                label="Which community survey?",
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose a survey"},
            )


@require_capability(ANALYSE)
def question_page(request: HttpRequest, code: str) -> HttpResponse:
    question = questions.get(code)
    if question is None:
        raise Http404("No such question")
    areas = research_areas(request)
    surveys = list(surveys_for(request)) if question.source == "survey" else []
    if question.source == "outcomes":
        choices = [(area.slug, area.name) for area in areas]
        initial: dict[str, Any] = {"areas": [slug for slug, _ in choices]}
    else:
        choices = [
            (
                str(survey.public_id),
                f"{survey.title} ({survey.area.name}"
                f"{', synthetic demo data' if survey.synthetic else ''})",
            )
            for survey in surveys
        ]
        initial = {"survey": choices[0][0]} if choices else {}
    form = QuestionForm(
        request.POST if request.method == "POST" else None,
        question=question,
        choices=choices,
        initial=initial,
    )
    why_not = question.needs()
    if request.method == "POST" and why_not is None and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        if question.source == "outcomes":
            chosen = [area for area in areas if area.slug in form.cleaned_data["areas"]]
            spec = question.build(areas=chosen)
            title = f"{question.title} ({', '.join(area.name for area in chosen)})"
        else:
            survey = next(s for s in surveys if str(s.public_id) == form.cleaned_data["survey"])
            chosen = [survey.area]
            spec = question.build(survey=survey)
            title = f"{question.title} ({survey.area.name} survey)"
        analysis = do_start_analysis(request, areas=chosen, title=title, spec=spec, by=user)
        return redirect(analysis.get_absolute_url())
    return render(
        request,
        "evaluation/question.html",
        {"question": question, "form": form, "why_not": why_not, "has_data": bool(choices)},
    )
