"""Staff entering a paper return: every section's form on one page, the same forms
residents answer, then "Saved. Enter another" with an empty form."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from lib.actions import ActionRefused

from ..access import get_survey_to_run
from ..actions import do_record_response
from ..choices import Mode
from ..forms import PaperDateForm, answers_of, section_form


@require_capability(Capability.RUN_SURVEYS)
def enter_paper_return(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = get_survey_to_run(request, public_id)
    data = request.POST if request.method == "POST" else None
    forms = [
        section_form(section, survey, data=data, prefix=f"s{section.position}")
        for section in survey.sections.all()
    ]
    dated = PaperDateForm(data, prefix="paper", survey=survey)
    problem = ""
    if not survey.is_open:
        problem = (
            "This survey is closed: its responses can no longer change, and no more can be entered."
            if survey.is_closed
            else "This survey is a draft: open it before entering paper returns."
        )
    elif data is not None and dated.is_valid() and all(form.is_valid() for form in forms):
        answers = answers_of({str(form.section.pk): form.answers() for form in forms})
        if dated.cleaned_data["submitted_on"]:
            answers["submitted_on"] = dated.cleaned_data["submitted_on"]
        user = request.user if isinstance(request.user, User) else None
        try:
            do_record_response(survey, answers, Mode.PAPER, entered_by=user)
        except ActionRefused as refused:
            problem = str(refused)
        else:
            messages.success(request, "Saved. Enter another paper return below.")
            return redirect("surveys:paper", public_id=survey.public_id)
    return render(
        request,
        "surveys/paper_entry.html",
        {
            "survey": survey,
            "forms": forms,
            "dated": dated,
            "problem": problem,
            "has_errors": bool(dated.errors) or any(form.errors for form in forms),
            "entered": survey.responses.filter(mode=Mode.PAPER).count(),
        },
    )
