"""Staff pages for calendar feeds: link one, see how it is doing, try again, preview."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.access import (
    get_organisation_for_editing,
    usable_venues,
)
from lib.http import posted

from .access import get_feed_for_editing
from .actions import ActionRefused, do_change_feed, do_link_feed, do_retry_feed, do_toggle_feed
from .fetch import FetchError, fetch
from .forms import FeedForm, FeedSettingsForm
from .ical import FeedError
from .importing import preview

EDITORS = (Capability.EDIT_OWN_LISTINGS, Capability.CURATE_DIRECTORY)


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
def feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_feed_for_editing(request, public_id)
    imports = Paginator(item.imports.all(), 10).get_page(request.GET.get("page"))
    last_good = item.imports.exclude(outcome="failed").first()
    return render(
        request,
        "feeds/feed.html",
        {"feed": item, "page_obj": imports, "last_good": last_good},
    )


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
    do_retry_feed(request, item)
    messages.success(request, "The calendar is being imported again.")
    return redirect(item)


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
