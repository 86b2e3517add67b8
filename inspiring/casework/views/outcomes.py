"""A client's outcomes: the page of their measures, recording one during a call, sending
a one-time link, and the public page the client answers it on."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from inspiring.accounts.access import require_capability
from inspiring.accounts.privacy import shows_personal_data
from inspiring.accounts.roles import Capability
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument
from lib import throttle
from lib.http import posted, sender
from lib.throttle import Limit

from ..access import get_client, get_client_for_change
from ..actions import ActionRefused
from ..actions.outcomes import (
    do_complete_outcome_link,
    do_record_administration,
    do_send_outcome_link,
    find_link,
    instrument_for,
    link_addresses,
)
from ..forms.outcomes import AdministrationForm, ChooseMeasureForm, LinkAnswersForm, SendLinkForm
from ..models import Administration, Client
from ..models.outcomes import Timepoint
from ..outcomes import NO_BASELINE, client_outcomes, group_counts

CASES = Capability.MANAGE_CASES
# The client's link page: at most this many submits an hour from one address, and for
# one link (a wrong answer resubmitted is a few; a script is many).
LINK_SUBMITS_PER_ADDRESS_HOURLY = 20
LINK_SUBMITS_PER_LINK_HOURLY = 10


def outcomes_context(client: Client) -> dict[str, Any]:
    """What the "Wellbeing and loneliness" section shows: each instrument's baseline,
    latest follow-up and change, and the groups they had then and now."""
    administrations = list(client.administrations.select_related("by"))
    outcomes = client_outcomes(administrations)
    return {
        "outcomes": outcomes,
        "outcome_groups": group_counts(client, outcomes) if outcomes else None,
        "no_baseline_text": NO_BASELINE,
    }


@require_capability(CASES)
def outcomes(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every measure recorded for the client, with their answers: each read audited."""
    client = get_client(request, public_id, action="outcome.viewed")
    context = outcomes_context(client)
    answered = [
        (outcome, administration, _answers(outcome.instrument, administration))
        for outcome in context["outcomes"]
        for administration in outcome.administrations
    ]
    return render(
        request,
        "casework/outcomes/outcomes.html",
        {"client": client, "answered": answered, **context},
    )


def _answers(
    instrument: Instrument | None, administration: Administration
) -> list[tuple[str, str]]:
    """Each question and the answer given, in words ("Not answered" where none was)."""
    if instrument is None:
        return [(item_id, str(value)) for item_id, value in administration.answers.items()]
    rows = []
    for item in instrument.items:
        value = administration.answers.get(item.id)
        label = item.label_for(value) if value is not None else None
        rows.append((item.text, label or ("Not answered" if value is None else str(value))))
    return rows


def _has_baseline(client: Client, code: str) -> bool:
    return client.administrations.filter(
        instrument_code=code, timepoint=Timepoint.BASELINE
    ).exists()


@require_capability(CASES)
def record(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Choose the measure to record; its questions straight away when there is one."""
    client = get_client(request, public_id)
    usable = library.usable()
    if len(usable) == 1:
        return _record_page(request, client, usable[0])
    form = ChooseMeasureForm(posted(request), instruments=usable)
    if request.method == "POST" and form.is_valid():
        return redirect(
            "casework:record_outcome_for",
            public_id=client.public_id,
            code=form.cleaned_data["instrument"],
        )
    return render(
        request, "casework/outcomes/choose.html", {"client": client, "form": form, "usable": usable}
    )


@require_capability(CASES)
def record_for(request: HttpRequest, public_id: uuid.UUID, code: str) -> HttpResponse:
    """The questions of one measure (chosen on the page before)."""
    client = get_client(request, public_id)
    try:
        instrument = instrument_for(code)
    except ActionRefused:
        return redirect("casework:record_outcome", public_id=client.public_id)
    return _record_page(request, client, instrument)


def _record_page(request: HttpRequest, client: Client, instrument: Instrument) -> HttpResponse:
    """The link worker enters the answers given on a call."""
    form = AdministrationForm(
        posted(request),
        instrument=instrument,
        has_baseline=_has_baseline(client, instrument.code),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        baseline = data["timepoint"] == Timepoint.BASELINE
        try:
            recorded = do_record_administration(
                request,
                client,
                instrument,
                form.answers(instrument),
                timepoint=data["timepoint"],
                on=data["administered_on"],
                follow_up_on=data.get("follow_up_on") if baseline else None,
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _recorded_message(instrument, recorded))
            return redirect(client)
    return render(
        request,
        "casework/outcomes/record.html",
        {"client": client, "form": form, "instrument": instrument},
    )


def _recorded_message(instrument: Instrument, recorded: Any) -> str:
    administration: Administration = recorded.administration
    what = f"{instrument.title}: the {administration.get_timepoint_display().lower()} is saved"
    if not administration.complete:
        what += " as incomplete (" + "; ".join(administration.problems) + ")"
    if recorded.task_made is not None:
        what += f". The follow-up is due on {recorded.task_made.due_on:%-d %B %Y}"
    if recorded.tasks_closed:
        what += ". The follow-up task is done"
    if not recorded.has_baseline:
        what += f". {NO_BASELINE}"
    return what + "."


@require_capability(CASES)
def send_link(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send the client a one-time link to answer a measure on their own phone."""
    client = get_client(request, public_id)
    usable = library.usable()
    addresses = link_addresses(client)
    has_baseline = client.administrations.filter(timepoint=Timepoint.BASELINE).exists()
    form = SendLinkForm(
        posted(request), instruments=usable, addresses=addresses, has_baseline=has_baseline
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = do_send_outcome_link(
                request,
                get_client_for_change(request, public_id),
                instrument_for(data["instrument"]),
                timepoint=data["timepoint"],
                method=data["method"],
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            message = sent.message
            if message.status == message.Status.SENT:
                messages.success(request, f"The link is sent to {message.to}.")
            else:
                messages.warning(
                    request,
                    f"The link to {message.to} has not gone yet: "
                    f"{message.get_status_display().lower()}. Its progress is on their timeline.",
                )
            return redirect(client)
    return render(
        request,
        "casework/outcomes/send_link.html",
        {"client": client, "form": form, "addresses": addresses, "usable": usable},
    )


# --- The client's one-time link (public) --------------------------------------------


def _within_limits(request: HttpRequest, token: str) -> bool:
    address = sender(request) or "unknown"
    return throttle.hit(
        "outcome-link", address, Limit(LINK_SUBMITS_PER_ADDRESS_HOURLY, 3600)
    ) and throttle.hit("outcome-link-token", token, Limit(LINK_SUBMITS_PER_LINK_HOURLY, 3600))


@login_not_required
@never_cache
@shows_personal_data
def outcome_link(request: HttpRequest, token: str) -> HttpResponse:
    """The client answers the measure on their own phone, once. The page shows nothing
    about them: only the programme's name and the questions."""
    link = find_link(token)
    if link is None:
        return _link_problem(
            request, "This link is not recognised. Check it was copied in full.", None, 404
        )
    area = link.client.area
    problem = link.problem()
    if problem:
        return _link_problem(request, problem, area, 410)
    instrument = library.get(link.instrument_code, link.instrument_version)
    if instrument is None:
        return _link_problem(
            request,
            "These questions are no longer used. Ask your link worker to send you a new link.",
            area,
            410,
        )
    form = LinkAnswersForm(posted(request), instrument=instrument)
    throttled = False
    if request.method == "POST":
        if not _within_limits(request, token):
            throttled = True
        elif form.is_valid():
            try:
                do_complete_outcome_link(request, token, form.answers(instrument))
            except ActionRefused as refused:
                link.refresh_from_db()
                if link.problem():
                    return _link_problem(request, link.problem(), area, 410)
                form.add_error(None, str(refused))
            else:
                return render(request, "casework/outcomes/link_done.html", {"area": area})
    return render(
        request,
        "casework/outcomes/link.html",
        {
            "area": area,
            "form": form,
            "instrument": instrument,
            "expires_at": link.expires_at,
            "throttled": throttled,
        },
        status=429 if throttled else 200,
    )


def _link_problem(request: HttpRequest, problem: str, area: object, status: int) -> HttpResponse:
    # Nothing about anyone is shown: only why the link cannot be used.
    return render(
        request,
        "casework/outcomes/link_problem.html",
        {"problem": problem, "area": area},
        status=status,
    )
