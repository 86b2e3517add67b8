"""Staff pages for calendar feeds: link one, see how it is doing, try again, preview."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.access import (
    editable_organisations,
    get_organisation_for_editing,
    usable_venues,
)
from lib.http import posted

from .fetch import FetchError, fetch
from .forms import FeedForm, FeedSettingsForm
from .ical import FeedError
from .importing import preview
from .models import FeedSource
from .tasks import import_feed_task

EDITORS = (Capability.EDIT_OWN_LISTINGS, Capability.CURATE_DIRECTORY)


def _feed_for_editing(request: HttpRequest, public_id: uuid.UUID) -> FeedSource:
    """A feed of an organisation this person may edit; anyone else's is 404."""
    return get_object_or_404(
        FeedSource.objects.filter(organisation__in=editable_organisations(request)).select_related(
            "organisation", "organisation__home_area", "default_venue"
        ),
        public_id=public_id,
    )


@require_capability(*EDITORS)
def link_feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    organisation = get_organisation_for_editing(request, public_id)
    form = FeedForm(posted(request), venues=usable_venues(request, organisation))
    if request.method == "POST" and form.is_valid():
        feed = form.save(commit=False)
        feed.organisation = organisation
        feed.created_by = acting_user(request)
        try:
            with transaction.atomic():
                feed.save()
                form.save_m2m()
                audit.record(request, "feed.linked", feed, area=organisation.home_area)
                transaction.on_commit(lambda: import_feed_task.enqueue(feed.pk))
        except IntegrityError:
            form.add_error("url", "This calendar is already linked to the organisation")
        else:
            messages.success(request, "The calendar is linked. Its events are being imported.")
            return redirect(feed)
    return render(request, "feeds/link.html", {"form": form, "organisation": organisation})


@require_capability(*EDITORS)
def feed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = _feed_for_editing(request, public_id)
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
    item = _feed_for_editing(request, public_id)
    before = item.exclusions()
    form = FeedSettingsForm(posted(request), instance=item)
    if request.method == "POST" and form.is_valid():
        feed = form.save(commit=False)
        with transaction.atomic():
            # Only the form's fields: an import may be writing the feed's state meanwhile.
            feed.save(update_fields=list(form.Meta.fields))
            rules_changed = feed.exclusions() != before
            if rules_changed:
                # Fetched and stored again (not "unchanged"), leaving out, or bringing
                # back, what the new rules say.
                feed.forget_content()
                transaction.on_commit(lambda: import_feed_task.enqueue(feed.pk))
            audit.record(
                request,
                "feed.changed",
                feed,
                area=feed.organisation.home_area,
                detail={name: form.cleaned_data[name] for name in form.changed_data},
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
    item = _feed_for_editing(request, public_id)
    item.forget_content()
    transaction.on_commit(lambda: import_feed_task.enqueue(item.pk))
    messages.success(request, "The calendar is being imported again.")
    return redirect(item)


@require_POST
@require_capability(*EDITORS)
def stop(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = _feed_for_editing(request, public_id)
    item.active = not item.active
    item.save(update_fields=["active"])
    audit.record(
        request,
        "feed.changed",
        item,
        area=item.organisation.home_area,
        detail={"active": item.active},
    )
    messages.success(
        request,
        "Importing has restarted."
        if item.active
        else "Importing has stopped. Activities already imported stay as they are.",
    )
    return redirect(item)


@require_capability(*EDITORS)
def feed_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The sessions the feed gives in the next four weeks, fetched now, nothing stored."""
    item = _feed_for_editing(request, public_id)
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
