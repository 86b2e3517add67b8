"""Coordinators' pages: the area's surveys, one survey, changing a draft, opening,
closing and previewing. Access → validate → act → respond; the rules live in actions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability, working_area
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from lib.actions import ActionRefused
from lib.http import posted

from ..access import get_survey_to_run, surveys_to_run
from ..actions import do_change_survey, do_close, do_create_from_template, do_open
from ..forms import (
    AddSectionForm,
    CategoriesChoiceForm,
    SurveyDetailsForm,
    part_for,
    section_form,
)
from ..models import Survey
from ..template import Part, left_out

RUN = Capability.RUN_SURVEYS


def reports_url(name: str, survey: Survey) -> str | None:
    """A page of the survey's reports (urls_reports.py: the summary, the import), when
    this deployment has it: the building pages work without the reports."""
    try:
        return reverse(f"surveys:{name}", kwargs={"public_id": survey.public_id})
    except NoReverseMatch:
        return None


def public_url(request: HttpRequest, survey: Survey) -> str:
    return request.build_absolute_uri(
        reverse(
            "surveys:answer_start", kwargs={"slug": survey.area.slug, "public_id": survey.public_id}
        )
    )


@require_capability(RUN)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = surveys_to_run(request).annotate(response_count=Count("responses"))
    return render(
        request,
        "surveys/list.html",
        {"surveys": surveys, "area": working_area(request), "left_out": left_out()},
    )


@require_capability(RUN)
@require_POST
def create_from_template(request: HttpRequest) -> HttpResponse:
    by = request.user if isinstance(request.user, User) else None
    survey = do_create_from_template(request, working_area(request), by=by)
    messages.success(request, "The survey is drafted from the template. Change it, then open it.")
    return redirect("surveys:survey", public_id=survey.public_id)


@require_capability(RUN)
def survey_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = get_survey_to_run(request, public_id)
    return render(
        request,
        "surveys/survey.html",
        {
            "survey": survey,
            "sections": list(survey.sections.all()),
            "categories": list(survey.categories.all()),
            "responses": survey.responses.count(),
            "summary_url": (
                reports_url("summary", survey) if survey.status != Survey.Status.DRAFT else None
            ),
            "import_url": reports_url("import", survey) if survey.is_open else None,
            "public_url": public_url(request, survey),
            "left_out": left_out() if survey.status == Survey.Status.DRAFT else [],
        },
    )


@require_capability(RUN)
def edit_details(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = get_survey_to_run(request, public_id)
    if survey.is_closed:
        messages.error(request, "This survey has closed: it can no longer be changed.")
        return redirect("surveys:survey", public_id=survey.public_id)
    form = SurveyDetailsForm(
        posted(request), initial={"title": survey.title, "introduction": survey.introduction}
    )
    categories = None
    if survey.status == Survey.Status.DRAFT:
        categories = CategoriesChoiceForm(
            posted(request),
            initial={
                "categories": [c.category_id for c in survey.categories.all() if c.category_id]
            },
        )
    if (
        request.method == "POST"
        and form.is_valid()
        and (categories is None or categories.is_valid())
    ):
        try:
            do_change_survey(
                request,
                survey,
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
                categories=list(categories.cleaned_data["categories"]) if categories else None,
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "Saved.")
            return redirect("surveys:survey", public_id=survey.public_id)
    return render(
        request,
        "surveys/build_details.html",
        {"survey": survey, "form": form, "categories_form": categories},
    )


@require_capability(RUN)
def edit_sections(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A draft's sections: move one up or down, remove one, add one."""
    survey = get_survey_to_run(request, public_id)
    sections = list(survey.sections.all())
    parts = [Part(s.kind, s.title, s.instrument_code) for s in sections]
    form = AddSectionForm(posted(request) if request.POST.get("do") == "add" else None)
    problem = ""
    if request.method == "POST":
        do = request.POST.get("do", "")
        changed = list(parts)
        try:
            index = int(request.POST.get("index", ""))
        except ValueError:
            index = -1
        if do == "add":
            if form.is_valid():
                changed.append(part_for(form.cleaned_data["section"]))
        elif 0 <= index < len(parts):
            if do == "remove":
                del changed[index]
            elif do == "up" and index > 0:
                changed[index - 1], changed[index] = changed[index], changed[index - 1]
            elif do == "down" and index < len(parts) - 1:
                changed[index + 1], changed[index] = changed[index], changed[index + 1]
        if changed != parts:
            try:
                do_change_survey(request, survey, sections=changed)
            except ActionRefused as refused:
                problem = str(refused)
            else:
                messages.success(request, "Sections saved.")
                return redirect("surveys:edit_sections", public_id=survey.public_id)
    return render(
        request,
        "surveys/build_sections.html",
        {
            "survey": survey,
            "sections": sections,
            "form": form,
            "problem": problem,
            "left_out": left_out(),
        },
    )


def _step(request: HttpRequest, public_id: uuid.UUID, *, opening: bool) -> HttpResponse:
    survey = get_survey_to_run(request, public_id)
    problem = ""
    if request.method == "POST":
        try:
            (do_open if opening else do_close)(request, survey)
        except ActionRefused as refused:
            problem = str(refused)
        else:
            messages.success(
                request,
                "The survey is open: residents can answer it at the address below."
                if opening
                else "The survey is closed. Its responses can no longer change.",
            )
            return redirect("surveys:survey", public_id=survey.public_id)
    return render(
        request,
        "surveys/build_confirm.html",
        {
            "survey": survey,
            "opening": opening,
            "problem": problem,
            "responses": survey.responses.count(),
        },
    )


@require_capability(RUN)
def open_survey(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _step(request, public_id, opening=True)


@require_capability(RUN)
def close_survey(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _step(request, public_id, opening=False)


@require_capability(RUN)
def preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every section as residents will see it, on one page, nothing to send."""
    survey = get_survey_to_run(request, public_id)
    forms = [
        section_form(section, survey, prefix=f"s{section.position}")
        for section in survey.sections.all()
    ]
    return render(request, "surveys/build_preview.html", {"survey": survey, "forms": forms})
