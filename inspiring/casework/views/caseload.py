"""The caseload (with its filters) and the triage queue of new referrals."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability
from lib.text import search_text

from ..access import clients_for, referrals_for, working_area
from ..models import Referral, Task

PAGE_SIZE = 25
QUIET_DAYS = (14, 30, 60)
# The public form tells people a link worker will contact them "usually within a
# week": a new referral waiting longer than this is overdue.
TRIAGE_DUE_DAYS = 7


@require_capability(Capability.MANAGE_CASES)
def caseload(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = acting_user(request)
    whose = request.GET.get("whose", "mine")
    status = request.GET.get("status", "open")
    quiet = request.GET.get("quiet", "")
    overdue = request.GET.get("overdue") == "1"
    query = search_text(request.GET.get("q"))

    latest_referral = Referral.objects.filter(client=OuterRef("pk")).order_by("-received_on", "-pk")
    clients = clients_for(request).annotate(
        referral_status=Subquery(latest_referral.values("status")[:1]),
        last_contact=Max("contacts__on"),
        next_due=Min("tasks__due_on", filter=Q(tasks__done_at__isnull=True)),
        overdue_tasks=Count(
            "tasks", filter=Q(tasks__done_at__isnull=True, tasks__due_on__lt=today), distinct=True
        ),
    )
    if whose == "mine":
        clients = clients.filter(worker=user)
    if status == "open":
        clients = clients.filter(closed_at__isnull=True)
    elif status == "closed":
        clients = clients.filter(closed_at__isnull=False)
    elif status in Referral.Status.values:
        clients = clients.filter(referral_status=status)
    if overdue:
        clients = clients.filter(overdue_tasks__gt=0)
    if quiet.isdigit() and int(quiet) in QUIET_DAYS:
        since = timezone.now() - timedelta(days=int(quiet))
        clients = clients.filter(Q(last_contact__lt=since) | Q(last_contact__isnull=True))
    if query:
        for word in query.split()[:3]:
            clients = clients.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
    page = Paginator(
        clients.select_related("worker").order_by("next_due", "last_name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    labels = dict(Referral.Status.choices)
    for item in page.object_list:
        item.referral_label = labels.get(item.referral_status or "", "None")
    audit.record(
        request,
        "client.listed",
        area=working_area(request),
        detail={"shown": len(page.object_list)},
    )
    waiting = _waiting(request).count()
    tasks = (
        Task.objects.filter(
            assigned_to=user, done_at__isnull=True, due_on__lte=today + timedelta(days=7)
        )
        .filter(client__in=clients_for(request))
        .select_related("client")
        .order_by("due_on", "pk")[:10]
    )
    return render(
        request,
        "casework/caseload.html",
        {
            "page_obj": page,
            "whose": whose,
            "status": status,
            "quiet": quiet,
            "overdue": overdue,
            "q": query,
            "quiet_days": QUIET_DAYS,
            "statuses": Referral.Status.choices,
            "waiting": waiting,
            "today": today,
            "tasks": tasks,
        },
    )


def _waiting(request: HttpRequest) -> QuerySet[Referral]:
    """New referrals nobody has taken yet."""
    return referrals_for(request).filter(
        status=Referral.Status.RECEIVED, client__worker__isnull=True
    )


def _overdue_before() -> date:
    return timezone.localdate() - timedelta(days=TRIAGE_DUE_DAYS)


def triage_counts(request: HttpRequest) -> dict[str, int]:
    """How many new referrals wait, and how many of them are overdue: one query."""
    return _waiting(request).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(received_on__lt=_overdue_before()))
    )


def triage_card_status(request: HttpRequest) -> str:
    """The staff home's line for the triage card."""
    counts = triage_counts(request)
    if not counts["waiting"]:
        return "No new referral is waiting."
    waiting = counts["waiting"]
    text = f"{waiting} new referral{pluralize(waiting)} waiting"
    if counts["overdue"]:
        text += f", {counts['overdue']} overdue (waiting more than a week)"
    return text + "."


def received_ago(received_on: date, today: date) -> str:
    """ "received today", "received 3 days ago", "received 9 weeks ago"…"""
    days = (today - received_on).days
    if days <= 0:
        return "received today"
    if days == 1:
        return "received yesterday"
    if days < 14:
        return f"received {days} days ago"
    if days < 13 * 7:
        return f"received {days // 7} weeks ago"
    months = days * 12 // 365
    return f"received {months} months ago"


@require_capability(Capability.MANAGE_CASES)
def triage(request: HttpRequest) -> HttpResponse:
    """New referrals nobody has taken yet, oldest first, each with its age; those
    waiting more than a week (what the public is told) are flagged overdue."""
    referrals = _waiting(request).select_related("client").order_by("received_on", "pk")
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    overdue_before = _overdue_before()
    for referral in page.object_list:
        referral.age = received_ago(referral.received_on, today)
        referral.overdue = referral.received_on < overdue_before
    audit.record(
        request,
        "client.listed",
        area=working_area(request),
        detail={"triage": len(page.object_list)},
    )
    return render(
        request,
        "casework/triage.html",
        {"page_obj": page, "counts": triage_counts(request), "due_days": TRIAGE_DUE_DAYS},
    )
