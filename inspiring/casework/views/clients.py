"""A client's record: new referral, the case page and timeline, details, assessment,
groups, referral steps, contacts and tasks."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import (
    concerns_for,
    get_client,
    get_client_for_change,
    get_referral,
    working_area,
)
from ..actions import ActionRefused, StaleEdit
from ..actions.clients import (
    do_add_group,
    do_add_referral,
    do_add_task,
    do_assign,
    do_change_referral_status,
    do_complete_task,
    do_create_client,
    do_record_contact,
    do_remove_group,
    do_save_assessment,
    do_update_client,
    possible_duplicates,
)
from ..forms.assessment import AssessmentForm, GroupForm
from ..forms.clients import DetailsForm, NewClientForm
from ..forms.followup import ContactForm, TaskForm
from ..forms.referrals import ReferralForm, ReferralStatusForm
from ..links import links_for
from ..models import Client, GroupMembership, Referral, Task
from ..timeline import timeline
from .outcomes import outcomes_context

CASES = Capability.MANAGE_CASES


@require_capability(CASES)
def new_referral(request: HttpRequest) -> HttpResponse:
    """Person and referral on one page; possible duplicates are shown before saving."""
    area = working_area(request)
    person = NewClientForm(posted(request), prefix="person", instance=Client(area=area))
    referral = ReferralForm(posted(request), prefix="referral")
    duplicates: list[Client] = []
    if request.method == "POST" and person.is_valid() and referral.is_valid():
        data = person.cleaned_data
        duplicates = possible_duplicates(
            area.pk,
            nhs_number=data.get("nhs_number", ""),
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data.get("date_of_birth"),
        )
        if not duplicates or request.POST.get("confirm_new") == "1":
            client = person.save(commit=False)
            client.area = area
            client.worker = acting_user(request)
            do_create_client(
                request, client, referral.save(commit=False), recorded_by=acting_user(request)
            )
            messages.success(request, f"{client.display_name} is added, with their referral.")
            return redirect(client)
    return render(
        request,
        "casework/new_referral.html",
        {
            "person": person,
            "referral": referral,
            "duplicates": duplicates,
            "forms": [person, referral],
        },
    )


@require_capability(CASES)
def client(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    today = timezone.localdate()
    referrals = list(item.referrals.all())
    open_referral = next((r for r in referrals if r.is_open), None)
    assessment = item.assessments.prefetch_related("interests").first()
    connections = item.connections.select_related(
        "activity", "first_session", "activity__organisation"
    )
    groups = list(item.groups.all())
    return render(
        request,
        "casework/client.html",
        {
            "client": item,
            "referrals": referrals,
            "open_referral": open_referral,
            "assessment": assessment,
            # Current groups in the table; the ones they left as history (dated, kept
            # so the outcomes can count groups at baseline and follow-up).
            "groups": [g for g in groups if g.left_on is None],
            "past_groups": [g for g in groups if g.left_on is not None],
            "connections": connections,
            "tasks": item.tasks.filter(done_at__isnull=True).select_related("assigned_to"),
            # The concerns' flags only for those concerns_for lets see them.
            "timeline": timeline(item, concerns=concerns_for(request)),
            "closing": _closing(open_referral),
            "client_links": links_for(item.public_id),
            "age": item.age_on(today),
            "today": today,
            "availability": assessment.availability_by_day if assessment else [],
            # The "Wellbeing and loneliness" section (read with the record: client.viewed).
            **outcomes_context(item),
        },
    )


def _closing(referral: Referral | None) -> str:
    """Where "Close this case" goes: the open referral's status form, closed chosen; ""
    when it cannot be closed yet (received or contacted: declined or unable to contact)."""
    if referral is None or Referral.Status.CLOSED not in referral.NEXT.get(referral.status, ()):
        return ""
    url = reverse("casework:referral_status", kwargs={"public_id": referral.public_id})
    return f"{url}?status={Referral.Status.CLOSED}"


@require_capability(CASES)
def details(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    form = DetailsForm(posted(request), instance=item)
    stale = ""
    if request.method == "POST" and form.is_valid():
        try:
            do_update_client(
                request,
                form.save(commit=False),
                form.changed_data,
                seen_version=form.cleaned_data["version"],
            )
        except StaleEdit as problem:
            # Start again from what is saved now, saying why.
            item = get_client_for_change(request, public_id)
            form, stale = DetailsForm(instance=item), str(problem)
        else:
            messages.success(request, "Their details are saved.")
            return redirect(item)
    return render(request, "casework/details.html", {"client": item, "form": form, "stale": stale})


@require_POST
@require_capability(CASES)
def take(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client_for_change(request, public_id)
    do_assign(request, item, acting_user(request))
    messages.success(request, f"{item.display_name} is now on your caseload.")
    return redirect(item)


@require_capability(CASES)
def assessment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    current = item.assessments.first()
    form = AssessmentForm(posted(request), instance=None, initial=_copy_of(current))
    if request.method == "POST" and form.is_valid():
        do_save_assessment(request, item, form.save(commit=False), form.cleaned_data["interests"])
        messages.success(request, "The assessment is saved.")
        return redirect(item)
    return render(request, "casework/assessment.html", {"client": item, "form": form})


def _copy_of(current: object) -> dict[str, object]:
    """A new assessment starts from the last one (each is kept as history)."""
    if current is None:
        return {}
    fields = ["what_matters", "needs", "barriers", "max_travel_miles", "goals"]
    initial: dict[str, object] = {name: getattr(current, name) for name in fields}
    initial["interests"] = list(current.interests.all())  # type: ignore[attr-defined]
    initial["availability"] = [
        f"{day}-{part}"
        for day, parts in current.availability.items()  # type: ignore[attr-defined]
        for part in parts
    ]
    return initial


@require_capability(CASES)
def add_group(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    form = GroupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        do_add_group(request, item, form.save(commit=False))
        messages.success(request, "The group is added.")
        if request.POST.get("another") == "1":
            return redirect("casework:add_group", public_id=item.public_id)
        return redirect(item)
    return render(request, "casework/group.html", {"client": item, "form": form})


@require_POST
@require_capability(CASES)
def remove_group(request: HttpRequest, public_id: uuid.UUID, group_id: int) -> HttpResponse:
    item = get_client_for_change(request, public_id)
    group = get_object_or_404(GroupMembership, client=item, pk=group_id)
    do_remove_group(request, group)
    messages.success(request, f"Recorded that they left {group.name} today.")
    return redirect(item)


@require_capability(CASES)
def add_referral(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    form = ReferralForm(posted(request))
    if request.method == "POST" and form.is_valid():
        do_add_referral(request, item, form.save(commit=False))
        messages.success(request, "The referral is recorded.")
        return redirect(item)
    return render(request, "casework/referral_new.html", {"client": item, "form": form})


@require_capability(CASES)
def referral_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = get_referral(request, public_id)
    item = get_client(request, referral.client.public_id)
    options = referral.next_statuses()
    # "Close this case" on the case page comes here with closed chosen.
    chosen = request.GET.get("status", "")
    form = ReferralStatusForm(
        posted(request),
        options=options,
        initial={"status": chosen} if chosen in dict(options) else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_change_referral_status(
                request,
                referral,
                data["status"],
                on=data["on"],
                reason=data["reason"],
                outcome=data.get("outcome", ""),
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "The referral is updated.")
            return redirect(item)
    return render(
        request,
        "casework/referral_status.html",
        {
            "client": item,
            "referral": referral,
            "form": form,
            "changes": referral.changes.select_related("by"),
        },
    )


@require_capability(CASES)
def add_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    form = ContactForm(posted(request))
    if request.method == "POST" and form.is_valid():
        do_record_contact(request, item, form.save(commit=False))
        messages.success(request, "The contact is recorded.")
        return redirect(item)
    return render(request, "casework/contact.html", {"client": item, "form": form})


@require_capability(CASES)
def add_task(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    form = TaskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        do_add_task(request, item, form.save(commit=False))
        messages.success(request, "The task is added.")
        return redirect(item)
    return render(request, "casework/task.html", {"client": item, "form": form})


@require_POST
@require_capability(CASES)
def complete_task(request: HttpRequest, public_id: uuid.UUID, task_id: int) -> HttpResponse:
    item = get_client_for_change(request, public_id)
    task = get_object_or_404(
        Task.objects.select_related("client", "client__area"), client=item, pk=task_id
    )
    do_complete_task(request, task)
    messages.success(request, f"Done: {task.title}")
    if request.POST.get("next") == "caseload":
        return redirect("casework:caseload")
    return redirect(item)
