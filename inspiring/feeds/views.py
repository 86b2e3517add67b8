"""Staff pages for calendar feeds: link one, see how it is doing, try again, preview."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.access import (
    get_organisation_for_editing,
    is_curator,
    usable_venues,
)
from lib.http import posted

from .access import editable_feeds, get_feed_for_editing
from .actions import ActionRefused, do_change_feed, do_link_feed, do_retry_feed, do_toggle_feed
from .fetch import FetchError, fetch
from .forms import FeedForm, FeedSettingsForm
from .ical import FeedError
from .importing import preview
from .models import FeedSource

EDITORS = (Capability.EDIT_OWN_LISTINGS, Capability.CURATE_DIRECTORY)

# A feed's state, as a rank to sort by: failing first, stopped last.
FEED_STATE = Case(
    When(active=False, then=Value(3)),
    When(health=FeedSource.Health.FAILING, then=Value(0)),
    When(health=FeedSource.Health.NEW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
FEED_STATE_LABELS = (
    (0, "Failing", "red"),
    (1, "Not imported yet", "yellow"),
    (2, "Working", "green"),
    (3, "Stopped", "grey"),
)


@require_capability(*EDITORS)
def link_feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    organisation = get_organisation_for_editing(request, public_id)
    form = FeedForm(posted(request), venues=usable_venues(request, organisation))
    if request.method == "POST" and form.is_valid():
        try:
            feed = do_link_feed(
                request, organisation, form.save(commit=False), save_related=form.save_m2m
            )
        except ActionRefused as problem:
            form.add_error("url", str(problem))
        else:
            messages.success(request, "The calendar is linked. Its events are being imported.")
            return redirect(feed)
    return render(request, "feeds/link.html", {"form": form, "organisation": organisation})


@require_capability(*EDITORS)
def feeds_index(request: HttpRequest) -> HttpResponse:
    """Every linked feed the person may look after (a coordinator: the area's; a partner lead:
    their organisations'), failing first, then not yet imported, working, and stopped."""
    feeds = editable_feeds(request).select_related("organisation")
    states = {
        row["state"]: row["n"]
        for row in feeds.annotate(state=FEED_STATE)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    }
    ordered = feeds.annotate(state=FEED_STATE).order_by(
        "state", "organisation__name", "name", "url"
    )
    return render(
        request,
        "feeds/index.html",
        {
            "page_obj": Paginator(ordered, 25).get_page(request.GET.get("page")),
            "counts": [(label, states.get(rank, 0), tag) for rank, label, tag in FEED_STATE_LABELS],
            "total": sum(states.values()),
            "curator": is_curator(request),
        },
    )


@require_capability(*EDITORS)
def feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_feed_for_editing(request, public_id)
    imports = Paginator(item.imports.all(), 10).get_page(request.GET.get("page"))
    last_good = item.imports.exclude(outcome="failed").first()
    # After "Try again": the latest import since it was asked for, None while none has run.
    tried = _tried_at(request.GET.get("tried"))
    attempt = (
        item.imports.filter(started_at__gte=tried).order_by("-started_at", "-pk").first()
        if tried
        else None
    )
    return render(
        request,
        "feeds/feed.html",
        {
            "feed": item,
            "page_obj": imports,
            "last_good": last_good,
            "tried": tried,
            "attempt": attempt,
        },
    )


def _tried_at(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


@require_capability(*EDITORS)
def edit_feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Its name, and the events it leaves out; a change to those is applied at once."""
    item = get_feed_for_editing(request, public_id)
    before = item.exclusions()
    form = FeedSettingsForm(posted(request), instance=item)
    if request.method == "POST" and form.is_valid():
        feed = form.save(commit=False)
        rules_changed = do_change_feed(
            request,
            feed,
            fields=list(form.Meta.fields),
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            rules_before=before,
        )
        messages.success(
            request,
            "Saved. The calendar is being imported again with these rules."
            if rules_changed
            else "Saved.",
        )
        return redirect(feed)
    return render(request, "feeds/edit.html", {"form": form, "feed": item})


@require_POST
@require_capability(*EDITORS)
def try_again(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_feed_for_editing(request, public_id)
    # The second it was asked for, rounded down, so the import it starts is found by time.
    tried = int(timezone.now().timestamp())
    do_retry_feed(request, item)
    # No message here: the feed page says how this attempt went, or that it is still running.
    return redirect(f"{item.get_absolute_url()}?{urlencode({'tried': tried})}")


@require_POST
@require_capability(*EDITORS)
def stop(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_feed_for_editing(request, public_id)
    active = do_toggle_feed(request, item)
    messages.success(
        request,
        "Importing has restarted."
        if active
        else "Importing has stopped. Activities already imported stay as they are.",
    )
    return redirect(item)


@require_capability(*EDITORS)
def feed_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The sessions the feed gives in the next four weeks, fetched now, nothing stored."""
    item = get_feed_for_editing(request, public_id)
    start = timezone.localdate()
    sessions: list[dict[str, object]] = []
    problem = ""
    try:
        sessions = preview(
            fetch(item.url).content,
            start,
            start + timedelta(days=28),
            exclusions=item.exclusions(),
        )
    except (FetchError, FeedError) as error:
        problem = str(error)
    return render(
        request,
        "feeds/preview.html",
        {"feed": item, "sessions": sessions[:200], "count": len(sessions), "problem": problem},
    )
