"""The public survey: a start page, one section a page, check your answers, thanks.

Nothing is stored until the resident sends it: progress lives in their session, and it
holds only what they ticked (the postcode section keeps the neighbourhood, never the
postcode). Repeated automated sending is resisted without tracking anyone: a throttle
keyed by the sender's address (an HMAC in the cache, forgotten within the hour) with a
generous cap per survey, a honeypot field people never see, a minimum time between
starting and sending, and every page visited (answered or skipped) before sending.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from lib import throttle
from lib.actions import ActionRefused
from lib.http import sender as client_sender
from lib.throttle import Limit

from ..access import get_open_survey
from ..actions import do_record_response
from ..choices import Mode
from ..forms import answers_of, section_form
from ..models import Section, Survey

# Seconds between pressing "Start now" and sending: a person reading even a few
# questions takes longer; a script posting straight through does not. Tests lower it
# with the setting SURVEY_MIN_SECONDS.
MIN_SECONDS = 30
# Responses one address may send to one survey in an hour: a household or a library
# computer may send several; a script may not send hundreds.
PER_ADDRESS_HOURLY = 10
# Responses one survey may take in an hour from everyone together: far more than a
# community survey ever gets, so it stops only a flood. It is the only limit on a
# sender whose address is not known (one shared "unknown" count would shut out real
# residents). The setting SURVEY_RESPONSES_PER_SURVEY_HOURLY changes it.
PER_SURVEY_HOURLY = 2000
HONEYPOT = "website"
ANSWERED_KEY = "surveys.answered"


def _min_seconds() -> float:
    return float(getattr(settings, "SURVEY_MIN_SECONDS", MIN_SECONDS))


def _key(survey: Survey) -> str:
    return f"surveys.answering.{survey.public_id}"


def _progress(request: HttpRequest, survey: Survey) -> dict[str, Any] | None:
    progress = request.session.get(_key(survey))
    return progress if isinstance(progress, dict) else None


def _save(request: HttpRequest, survey: Survey, progress: dict[str, Any]) -> None:
    request.session[_key(survey)] = progress
    request.session.modified = True


def _survey(slug: str, public_id: uuid.UUID) -> Survey:
    """The open survey; a closed one raises Closed (its own page), a draft 404."""
    try:
        return get_open_survey(slug, public_id)
    except Http404:
        closed = (
            Survey.objects.select_related("area")
            .filter(area__slug=slug, public_id=public_id, status=Survey.Status.CLOSED)
            .first()
        )
        if closed is not None:
            raise Closed(closed) from None
        raise


class Closed(Exception):
    def __init__(self, survey: Survey) -> None:
        super().__init__(survey.title)
        self.survey = survey


def _closed_page(request: HttpRequest, survey: Survey) -> HttpResponse:
    # 410 Gone: the address was right, the survey has ended.
    return render(
        request, "surveys/answer_closed.html", {"survey": survey, "area": survey.area}, status=410
    )


def public_survey(view: Any) -> Any:
    """A public survey page: no sign-in, never cached, a closed survey's page instead."""

    @login_not_required
    @never_cache
    def wrapped(
        request: HttpRequest, slug: str, public_id: uuid.UUID, **kwargs: Any
    ) -> HttpResponse:
        try:
            survey = _survey(slug, public_id)
        except Closed as closed:
            return _closed_page(request, closed.survey)
        return view(request, survey, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(
        f"surveys:{name}",
        kwargs={"slug": survey.area.slug, "public_id": survey.public_id, **kwargs},
    )


def _sections(survey: Survey) -> list[Section]:
    return list(survey.sections.all())


@public_survey
def start(request: HttpRequest, survey: Survey) -> HttpResponse:
    sections = _sections(survey)
    if request.method == "POST":
        progress = _progress(request, survey)
        if progress is None:
            progress = {"started": time.time(), "sections": {}}
            _save(request, survey, progress)
        # Coming back: on from the first page not yet answered (or the check page).
        for number, section in enumerate(sections, start=1):
            if str(section.pk) not in progress["sections"]:
                return redirect(_url("answer_step", survey, step=number))
        return redirect(_url("answer_check", survey))
    return render(
        request,
        "surveys/answer_start.html",
        {
            "survey": survey,
            "area": survey.area,
            "pages": len(sections),
            "minutes": max(5, 2 * len(sections)),
            "started": _progress(request, survey) is not None,
        },
    )


@public_survey
def step(request: HttpRequest, survey: Survey, step: int) -> HttpResponse:
    sections = _sections(survey)
    if not 1 <= step <= len(sections):
        raise Http404("No such page in this survey")
    progress = _progress(request, survey)
    if progress is None:
        # Started elsewhere, or the session ended: begin again from the first page.
        return redirect(_url("answer_start", survey))
    section = sections[step - 1]
    stored = progress["sections"].get(str(section.pk)) or {}
    changing = request.GET.get("change") == "1"
    form = section_form(
        section,
        survey,
        data=request.POST if request.method == "POST" else None,
        stored=stored,
    )
    if request.method == "POST" and form.is_valid():
        progress["sections"][str(section.pk)] = form.answers()
        _save(request, survey, progress)
        if changing or step == len(sections):
            return redirect(_url("answer_check", survey))
        return redirect(_url("answer_step", survey, step=step + 1))
    back = (
        _url("answer_check", survey)
        if changing
        else _url("answer_step", survey, step=step - 1)
        if step > 1
        else _url("answer_start", survey)
    )
    return render(
        request,
        "surveys/answer_section.html",
        {
            "survey": survey,
            "area": survey.area,
            "form": form,
            "step": step,
            "steps": len(sections),
            "back": back,
            "changing": changing,
        },
    )


def _checked(survey: Survey, progress: dict[str, Any]) -> list[dict[str, Any]]:
    """Each section's answers in words, with the page to change them on."""
    rows = []
    for number, section in enumerate(_sections(survey), start=1):
        stored = progress["sections"].get(str(section.pk)) or {}
        form = section_form(section, survey, stored=stored)
        rows.append(
            {
                "heading": form.heading,
                "instrument": getattr(form, "instrument", None),
                "answers": form.summary(stored),
                "change": _url("answer_step", survey, step=number) + "?change=1",
            }
        )
    return rows


def _first_unvisited(survey: Survey, progress: dict[str, Any]) -> int | None:
    """The number of the first page not yet answered or skipped, or None if none."""
    for number, section in enumerate(_sections(survey), start=1):
        if str(section.pk) not in progress["sections"]:
            return number
    return None


def _within_limits(request: HttpRequest, survey: Survey) -> str | None:
    """Count this response; the reason to refuse it ("throttled" for its address, "busy"
    for the survey), or None. The address is counted first, so one sender's flood does
    not use up the survey's allowance; an unknown address meets only the survey's."""
    sender = client_sender(request)
    if sender is not None:
        per_address = Limit(
            int(getattr(settings, "SURVEY_RESPONSES_PER_ADDRESS_HOURLY", PER_ADDRESS_HOURLY)),
            3600,
        )
        if not throttle.hit("survey-response", f"{survey.pk}:{sender}", per_address):
            return "throttled"
    per_survey = Limit(
        int(getattr(settings, "SURVEY_RESPONSES_PER_SURVEY_HOURLY", PER_SURVEY_HOURLY)), 3600
    )
    if not throttle.hit("survey-response-survey", str(survey.pk), per_survey):
        return "busy"
    return None


def _refused(
    request: HttpRequest, survey: Survey, reason: str, status: int, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "surveys/answer_refused.html",
        {"survey": survey, "area": survey.area, "reason": reason, **extra},
        status=status,
    )


@public_survey
def check(request: HttpRequest, survey: Survey) -> HttpResponse:
    progress = _progress(request, survey)
    if progress is None:
        return redirect(_url("answer_start", survey))
    if request.method == "POST" and request.POST.get(HONEYPOT):
        # Only software fills a field people cannot see. Nothing is kept.
        request.session.pop(_key(survey), None)
        return _refused(request, survey, "honeypot", 400)
    unvisited = _first_unvisited(survey, progress)
    if unvisited is not None:
        # Every page must have been seen (answered, or skipped with Continue) before
        # the answers are checked or sent: a script cannot send an empty response by
        # starting and posting Send.
        messages.warning(
            request,
            "You have not been through every section yet. Answer this one, or press "
            "Continue to skip it, then carry on to check and send your answers.",
        )
        return redirect(_url("answer_step", survey, step=unvisited))
    if request.method == "POST":
        wait = _min_seconds() - (time.time() - float(progress.get("started", 0)))
        if wait > 0:
            # Their answers stay in the session: Send works again once the time is up.
            return _refused(request, survey, "too_fast", 429, seconds=math.ceil(wait))
        reason = _within_limits(request, survey)
        if reason is not None:
            return _refused(request, survey, reason, 429)
        try:
            do_record_response(survey, answers_of(progress["sections"]), Mode.ONLINE)
        except ActionRefused as problem:
            survey.refresh_from_db()
            if survey.is_closed:
                return _closed_page(request, survey)
            return render(
                request,
                "surveys/answer_check.html",
                {
                    "survey": survey,
                    "area": survey.area,
                    "rows": _checked(survey, progress),
                    "problem": str(problem),
                    "honeypot": HONEYPOT,
                },
                status=400,
            )
        request.session.pop(_key(survey), None)
        request.session[ANSWERED_KEY] = str(survey.public_id)
        return redirect(_url("answer_thanks", survey))
    return render(
        request,
        "surveys/answer_check.html",
        {
            "survey": survey,
            "area": survey.area,
            "rows": _checked(survey, progress),
            "honeypot": HONEYPOT,
        },
    )


@login_not_required
@never_cache
def thanks(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    """Thanks, even once the survey has closed (it may close while they read this)."""
    survey = (
        Survey.objects.select_related("area")
        .filter(area__slug=slug, public_id=public_id)
        .exclude(status=Survey.Status.DRAFT)
        .first()
    )
    if survey is None:
        raise Http404("No such survey")
    return render(
        request,
        "surveys/answer_thanks.html",
        {
            "survey": survey,
            "area": survey.area,
            "answered": request.session.get(ANSWERED_KEY) == str(survey.public_id),
        },
    )
