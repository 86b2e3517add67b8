"""Connecting a client to an activity, and moving the connection on."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.models import Activity, Session
from lib.http import posted
from lib.text import search_text

from ..access import get_client, get_connection, working_area
from ..actions import ActionRefused
from ..actions.connections import do_advance_connection, do_connect
from ..forms.connections import ConnectionForm, ConnectionStatusForm
from ..models import Connection

CASES = Capability.MANAGE_CASES
SESSIONS_OFFERED = 8


def _activities(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Activity.objects.visible_in(working_area(request)).select_related(
        "organisation", "venue"
    )


@require_capability(CASES)
def choose_activity(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    query = search_text(request.GET.get("q"))
    activities = _activities(request)
    if query:
        for word in query.split()[:4]:
            activities = activities.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(organisation__name__icontains=word)
                | Q(venue__town__icontains=word)
                | Q(categories__name__icontains=word)
            )
    page = Paginator(activities.distinct().order_by("title", "pk"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request, "casework/choose_activity.html", {"client": item, "page_obj": page, "q": query}
    )


@require_capability(CASES)
def connect(request: HttpRequest, public_id: uuid.UUID, activity_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    activity = get_object_or_404(_activities(request), public_id=activity_id)
    sessions = (
        Session.objects.filter(activity=activity, start__gte=timezone.now())
        .going_ahead()
        .order_by("start")[:SESSIONS_OFFERED]
    )
    form = ConnectionForm(
        posted(request),
        sessions=Session.objects.filter(pk__in=[s.pk for s in sessions]).order_by("start"),
        instance=Connection(activity=activity),
    )
    if request.method == "POST" and form.is_valid():
        connection = form.save(commit=False)
        connection.activity = activity
        connection.support = form.cleaned_data["support"]
        if form.cleaned_data["agreed"]:
            connection.status = Connection.Status.AGREED
        do_connect(request, item, connection)
        messages.success(request, f"{item.display_name} is connected to {activity.title}.")
        return redirect(item)
    return render(
        request, "casework/connect.html", {"client": item, "activity": activity, "form": form}
    )


@require_capability(CASES)
def connection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    form = ConnectionStatusForm(posted(request), options=item.next_statuses())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_advance_connection(
                request, item, data["status"], on=data["on"], reason=data["reason"]
            )
        except ActionRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "The connection is updated.")
            return redirect(item.client)
    return render(
        request,
        "casework/connection.html",
        {
            "connection": item,
            "client": item.client,
            "form": form,
            "steps": item.steps.select_related("by"),
            "attendances": item.attendances.select_related("session").order_by("-session__start"),
        },
    )
