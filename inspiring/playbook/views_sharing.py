"""Sharing across areas, for the working area's coordinators (Capability.MANAGE_PLAYBOOK):
what other areas offer that this area's calendar lacks (nearest first), proposing
sharing, and the proposals made and received (answer, withdraw). Every change is
audited (sharing.do_…); proposals are never deleted."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from inspiring.accounts.access import require_capability
from inspiring.areas.models import Area
from lib.http import posted

from . import access, sharing
from .forms_sharing import AnswerForm, ProposeForm, WithdrawForm
from .models import ShareProposal

MANAGE = access.MANAGE


@never_cache
@require_GET
@require_capability(MANAGE)
def sharing_home(request: HttpRequest) -> HttpResponse:
    area = access.playbook_area(request)
    rows = sharing.neighbours(area)
    made, received = sharing.made_and_received(area)
    waiting = {p.offering_id: p for p in made if p.status == ShareProposal.Status.PROPOSED}
    return render(
        request,
        "playbook/sharing.html",
        {
            "area": area,
            "rows": [(row, waiting.get(row.area.pk)) for row in rows],
            "made": made,
            "received": received,
            "weeks": sharing.WEEKS,
        },
    )


def _choices(row: sharing.Neighbour) -> list[tuple[str, str]]:
    out = []
    for lack in row.lacks:
        if lack.whole:
            out.append((lack.category.slug, lack.category.name))
        else:
            days = ", ".join(f"{name}s" for name in lack.day_names)
            out.append((lack.category.slug, f"{lack.category.name} (on {days})"))
    return out


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def sharing_propose(request: HttpRequest, slug: str) -> HttpResponse:
    area = access.playbook_area(request)
    other = get_object_or_404(Area.objects.exclude(pk=area.pk), slug=slug)
    row = sharing.neighbour(area, other)
    choices = _choices(row)
    form = ProposeForm(posted(request), choices=choices)
    waiting = sharing.open_proposal(area, other)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            proposal = sharing.do_propose(
                request,
                area,
                other,
                categories=form.cleaned_data["categories"],
                message=form.cleaned_data["message"].strip(),
            )
        except sharing.ProposalRefused as refused:
            problem = str(refused)
            waiting = sharing.open_proposal(area, other)
        else:
            messages.success(
                request,
                f"Your proposal is sent: {other.name}'s coordinator will see it and answer.",
            )
            return redirect("playbook:sharing_proposal", public_id=proposal.public_id)
    return render(
        request,
        "playbook/sharing_propose.html",
        {
            "area": area,
            "other": other,
            "row": row,
            "form": form,
            "waiting": waiting,
            "problem": problem,
            "weeks": sharing.WEEKS,
        },
        status=409 if problem else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def sharing_proposal(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    area = access.playbook_area(request)
    proposal = access.get_proposal(request, public_id)
    asked = proposal.offering_id == area.pk
    waiting = proposal.status == ShareProposal.Status.PROPOSED
    answer_form = AnswerForm(proposal=proposal) if asked and waiting else None
    withdraw_form = WithdrawForm(initial={"version": proposal.version})
    stale = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer" and asked:
                answer_form = AnswerForm(request.POST, proposal=proposal)
                if answer_form.is_valid():
                    decision = answer_form.cleaned_data["decision"]
                    done = sharing.do_answer(
                        request,
                        proposal,
                        accept=decision == AnswerForm.ACCEPT,
                        answer=answer_form.cleaned_data["answer"],
                        seen_version=answer_form.cleaned_data["version"],
                    )
                    if done.status == ShareProposal.Status.ACCEPTED:
                        messages.success(
                            request,
                            f"Accepted: {area.name}'s activities now show in "
                            f"{done.asking.name}'s calendar.",
                        )
                    else:
                        messages.success(request, f"Declined: {done.asking.name} is told why.")
                    return redirect("playbook:sharing_proposal", public_id=proposal.public_id)
                status = 400
            elif action == "withdraw" and not asked:
                withdraw_form = WithdrawForm(request.POST)
                if withdraw_form.is_valid():
                    sharing.do_withdraw(
                        request, proposal, seen_version=withdraw_form.cleaned_data["version"]
                    )
                    messages.success(request, "Your proposal is withdrawn.")
                    return redirect("playbook:sharing_proposal", public_id=proposal.public_id)
                status = 400
            else:
                status = 400
                stale = "Choose an answer from the form below."
        except sharing.StaleProposal as problem:
            stale = str(problem)
            status = 409
            proposal = access.get_proposal(request, public_id)
            answer_form = None
            waiting = proposal.status == ShareProposal.Status.PROPOSED
            if waiting and asked:
                answer_form = AnswerForm(proposal=proposal)
            withdraw_form = WithdrawForm(initial={"version": proposal.version})
    return render(
        request,
        "playbook/sharing_proposal.html",
        {
            "area": area,
            "proposal": proposal,
            "asked": asked,
            "waiting": waiting,
            "answer_form": answer_form,
            "withdraw_form": withdraw_form,
            "stale": stale,
            "categories": sharing.category_names(list(proposal.categories)),
        },
        status=status,
    )
