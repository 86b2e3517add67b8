"""The caseload (with its filters) and the triage queue of new referrals."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability
from lib.text import search_text

from ..access import clients_for, referrals_for, working_area
from ..models import Referral, Task

PAGE_SIZE = 25
QUIET_DAYS = (14, 30, 60)


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
    waiting = (
        referrals_for(request)
        .filter(status=Referral.Status.RECEIVED, client__worker__isnull=True)
        .count()
    )
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


@require_capability(Capability.MANAGE_CASES)
def triage(request: HttpRequest) -> HttpResponse:
    """New referrals nobody has taken yet, oldest first."""
    referrals = (
        referrals_for(request)
        .filter(status=Referral.Status.RECEIVED, client__worker__isnull=True)
        .select_related("client")
        .order_by("received_on", "pk")
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(
        request,
        "client.listed",
        area=working_area(request),
        detail={"triage": len(page.object_list)},
    )
    return render(request, "casework/triage.html", {"page_obj": page})
