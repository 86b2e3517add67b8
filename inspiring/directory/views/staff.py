"""Staff pages partners and coordinators share: organisations, venues, activities, schedules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted
from lib.text import search_text

from ..access import (
    editable_activities,
    editable_organisations,
    get_activity_for_editing,
    get_organisation_for_editing,
    get_session_for_editing,
    get_venue_for_editing,
    is_curator,
    needs_approval,
    usable_venues,
    working_area,
)
from ..actions import (
    ActionRefused,
    current_copy,
    do_cancel_session,
    do_confirm_listing_signed_in,
    do_delete_schedule,
    do_move_session,
    do_report_change_signed_in,
    do_restore_session,
    do_resume_listing,
    do_save_activity,
    do_save_organisation,
    do_save_schedule,
    do_save_venue,
    do_set_session_places,
    do_withdraw,
    working_copy,
)
from ..confirmation import confirmation_state, needing_confirmation
from ..forms import (
    ActivityForm,
    OrganisationForm,
    SchedulePageForm,
    SessionForm,
    SessionPlacesForm,
    VenueForm,
)
from ..models import (
    Activity,
    ActivityQuerySet,
    ListingReport,
    Organisation,
    Schedule,
    Session,
    Venue,
)
from .curation import act_on_listing

EDITORS = (Capability.EDIT_OWN_LISTINGS, Capability.CURATE_DIRECTORY)
# The activity page's section on keeping the listing current, where its actions return.
CURRENT_ANCHOR = "keeping-it-current"


class ListingChangeForm(forms.Form):
    message = forms.CharField(
        label="What has changed?",
        max_length=ListingReport._meta.get_field("message").max_length,
        help_text="For example, a new time or venue, a new contact, or that it has stopped",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Tell us what has changed",
            "max_length": "What has changed must be 2,000 characters or fewer",
        },
    )


def _answer_confirmation(
    request: HttpRequest, activities: ActivityQuerySet
) -> tuple[HttpResponse | None, dict[str, Any]]:
    """The "Still right" / "Something has changed" answers on a partner's pages.

    Returns a redirect once an answer is recorded (so Back and refresh do not repeat it),
    else the context for the listings to confirm, with the change form of the one listing
    whose "Something has changed" was chosen."""
    to_confirm = needing_confirmation(activities)
    changing_id = request.POST.get("activity") or request.GET.get("changed") or ""
    changing = next((a for a in to_confirm if str(a.public_id) == changing_id), None)
    form = ListingChangeForm(posted(request) if request.POST.get("answer") == "changed" else None)
    if request.method == "POST" and request.POST.get("answer") in ("same", "changed"):
        if changing is None:
            messages.error(request, "That listing does not need confirming now.")
            return redirect(request.path), {}
        if request.POST["answer"] == "same":
            try:
                do_confirm_listing_signed_in(request, changing)
            except ActionRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, f"Thank you: {changing.title} is confirmed as right.")
            return redirect(request.path), {}
        if form.is_valid():
            do_report_change_signed_in(request, changing, message=form.cleaned_data["message"])
            messages.success(
                request,
                f"Thank you: the coordinator has been told what has changed about "
                f"{changing.title}. Change the listing yourself too if you can.",
            )
            return redirect(request.path), {}
    return None, {
        "to_confirm": to_confirm,
        "changing": changing,
        "change_form": form,
        "stale_days": settings.LISTING_STALE_DAYS,
    }


@require_capability(*EDITORS)
def listings(request: HttpRequest) -> HttpResponse:
    """A partner lead's organisations (a coordinator's: the area's), with what needs doing:
    for a partner, first the listings to confirm."""
    confirming: dict[str, Any] = {}
    if not is_curator(request):
        done, confirming = _answer_confirmation(request, editable_activities(request))
        if done is not None:
            return done
    organisations = editable_organisations(request).annotate(
        live=Count("activities", filter=Q(activities__status=Activity.Status.PUBLISHED)),
        waiting=Count("activities", filter=Q(activities__status=Activity.Status.PENDING)),
        returned=Count("activities", filter=Q(activities__status=Activity.Status.RETURNED)),
    )
    # NUL cannot be sent to PostgreSQL; no organisation's name is longer than 200.
    query = search_text(request.GET.get("q"), limit=200)
    if query:
        organisations = organisations.filter(name__icontains=query)
    page = Paginator(organisations.order_by("name"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/staff/listings.html",
        {
            "page_obj": page,
            "q": query,
            "query_without_page": f"{urlencode({'q': query})}&" if query else "",
            "curator": is_curator(request),
            **confirming,
        },
    )


@require_capability(*EDITORS)
def organisation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_organisation_for_editing(request, public_id)
    done, confirming = _answer_confirmation(
        request, editable_activities(request).filter(organisation=item)
    )
    if done is not None:
        return done
    activities = (
        editable_activities(request)
        .filter(organisation=item, revision_of__isnull=True)
        .select_related("venue")
        .prefetch_related("revisions")
        .order_by("title")
    )
    return render(
        request,
        "directory/staff/organisation.html",
        {
            "organisation": item,
            "venues": item.venues.all(),
            "activities": activities,
            "curator": is_curator(request),
            "needs_approval": needs_approval(request, item),
            **confirming,
        },
    )


@require_capability(Capability.CURATE_DIRECTORY)
def organisation_create(request: HttpRequest) -> HttpResponse:
    return _organisation_form(request, None)


@require_capability(*EDITORS)
def organisation_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _organisation_form(request, get_organisation_for_editing(request, public_id))


def _organisation_form(request: HttpRequest, item: Organisation | None) -> HttpResponse:
    area = working_area(request)
    form = OrganisationForm(posted(request), instance=item, area=area, curator=is_curator(request))
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        do_save_organisation(request, saved, created=item is None)
        form.save_m2m()
        messages.success(request, f"{saved.name} has been saved.")
        return redirect("directory:staff_organisation", public_id=saved.public_id)
    return render(
        request, "directory/staff/organisation_form.html", {"form": form, "organisation": item}
    )


@require_capability(*EDITORS)
def venue_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    owner = get_organisation_for_editing(request, public_id)
    return _venue_form(request, owner, None)


@require_capability(*EDITORS)
def venue_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    venue = get_venue_for_editing(request, public_id)
    return _venue_form(request, venue.organisation, venue)


def _venue_form(request: HttpRequest, owner: Organisation, venue: Venue | None) -> HttpResponse:
    form = VenueForm(posted(request), instance=venue)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.organisation = owner
        do_save_venue(request, saved, created=venue is None)
        messages.success(request, f"{saved.name} has been saved.")
        return redirect("directory:staff_organisation", public_id=owner.public_id)
    return render(
        request,
        "directory/staff/venue_form.html",
        {"form": form, "organisation": owner, "venue": venue},
    )


@require_capability(*EDITORS)
def activity_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    owner = get_organisation_for_editing(request, public_id)
    form = ActivityForm(posted(request), venues=usable_venues(request, owner))
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.organisation = owner
        item = do_save_activity(
            request,
            item,
            categories=list(form.cleaned_data["categories"]),
            support_features=list(form.cleaned_data["support_features"]),
            created=True,
        )
        messages.success(request, f"{item.title} has been saved. Now add when it happens.")
        return redirect("directory:staff_schedule_create", public_id=item.public_id)
    return render(
        request,
        "directory/staff/activity_form.html",
        {
            "form": form,
            "organisation": owner,
            "activity": None,
            "needs_approval": needs_approval(request, owner),
        },
    )


@require_capability(*EDITORS)
def activity(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_activity_for_editing(request, public_id)
    live = item.status == Activity.Status.PUBLISHED and item.revision_of_id is None
    curator = is_curator(request)
    # A coordinator keeps the listing current from here as from the stale listings:
    # remind the group, confirm it on the group's behalf with a note, or pause it.
    acted, confirming, on_behalf_form = None, None, None
    if curator and live:
        acted, confirming, on_behalf_form = act_on_listing(
            request,
            editable_activities(request).published().filter(pk=item.pk),
            anchor=CURRENT_ANCHOR,
            gone="Only a published listing can be confirmed, reminded or paused.",
        )
        if acted is not None:
            return acted
    revision = item.revisions.first() if item.revision_of_id is None else None
    sessions = (
        Session.objects.filter(activity=item.revision_of or item).upcoming().order_by("start")
    )
    page = Paginator(sessions, 15).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/staff/activity.html",
        {
            "activity": item,
            "revision": revision,
            "schedules": list(item.schedules.all()),
            "page_obj": page,
            "curator": curator,
            "needs_approval": needs_approval(request, item.organisation),
            # How current the listing is: 'due', 'stale' or None (confirmed lately).
            "live": live,
            "confirmation": confirmation_state(item) if live else None,
            "paused": item.capacity_status == Activity.CapacityStatus.PAUSED,
            "confirming": confirming,
            "on_behalf_form": on_behalf_form,
            "current_anchor": CURRENT_ANCHOR,
            "confirm_days": settings.LISTING_CONFIRM_DAYS,
            "stale_days": settings.LISTING_STALE_DAYS,
        },
    )


@require_POST
@require_capability(*EDITORS)
def activity_resume(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Set a paused listing running again in one click (a partner lead for their own
    organisation's listings, a coordinator for the area's)."""
    item = get_activity_for_editing(request, public_id)
    if item.revision_of_id is not None:
        raise Http404("Set the listing itself running, not a proposed change")
    try:
        resumed = do_resume_listing(request, item)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        message = f"{resumed.title} is running again: its sessions are listed again."
        if confirmation_state(resumed) == "stale":
            message += (
                " It has not been confirmed for a while: say it is still right so link "
                "workers are offered it again."
            )
        messages.success(request, message)
    # Back to the page it was pressed on (named, not a URL: nothing to redirect elsewhere).
    back = request.POST.get("back")
    if back == "organisation":
        return redirect("directory:staff_organisation", public_id=item.organisation.public_id)
    if back == "listings":
        return redirect("directory:staff_listings")
    return redirect(
        reverse("directory:staff_activity", kwargs={"public_id": item.public_id})
        + f"#{CURRENT_ANCHOR}"
    )


@require_capability(*EDITORS)
def activity_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    original = get_activity_for_editing(request, public_id)
    item = current_copy(request, original)
    venues = usable_venues(request, item.organisation)
    form = ActivityForm(posted(request), instance=item, venues=venues)
    if request.method == "POST" and form.is_valid():
        # Only now, with a valid change in hand, make the revision it goes into.
        target = working_copy(request, original)
        if target.pk != item.pk:
            form = ActivityForm(posted(request), instance=target, venues=venues)
            form.is_valid()
        saved = do_save_activity(
            request,
            form.save(commit=False),
            categories=list(form.cleaned_data["categories"]),
            support_features=list(form.cleaned_data["support_features"]),
            created=False,
        )
        if saved.status == Activity.Status.PENDING:
            messages.success(
                request, "Your changes have been sent to the coordinator for approval."
            )
        else:
            messages.success(request, f"{saved.title} has been saved.")
        return redirect("directory:staff_activity", public_id=saved.public_id)
    return render(
        request,
        "directory/staff/activity_form.html",
        {
            "form": form,
            "organisation": item.organisation,
            "activity": item,
            "is_revision": item.revision_of_id is not None,
            "needs_approval": needs_approval(request, item.organisation),
        },
    )


@require_POST
@require_capability(*EDITORS)
def activity_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_activity_for_editing(request, public_id)
    if item.revision_of_id is not None:
        raise Http404("Withdraw the listing itself, not a proposed change")
    do_withdraw(request, item)
    messages.success(request, f"{item.title} has been withdrawn: it is no longer listed.")
    return redirect("directory:staff_activity", public_id=item.public_id)


@require_capability(*EDITORS)
def schedule_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    original = get_activity_for_editing(request, public_id)
    return _schedule_form(request, original, None)


def _in_working_copy(
    request: HttpRequest, original: Activity, schedule: Schedule | None
) -> tuple[Activity, Schedule | None]:
    """The activity (and schedule) a change is made to: a revision's copies when approval
    is needed, created now. Call only once the change is known to be valid."""
    item = working_copy(request, original)
    if item.pk != original.pk and schedule is not None and schedule.activity_id == original.pk:
        schedule = get_object_or_404(Schedule, activity=item, copied_from=schedule)
    return item, schedule


@require_capability(*EDITORS)
def schedule_edit(request: HttpRequest, public_id: uuid.UUID, schedule_id: int) -> HttpResponse:
    original = get_activity_for_editing(request, public_id)
    schedule = get_object_or_404(Schedule, activity=original, pk=schedule_id)
    return _schedule_form(request, original, schedule)


def _schedule_form(
    request: HttpRequest, original: Activity, schedule: Schedule | None
) -> HttpResponse:
    shown = schedule
    if schedule is not None and schedule.activity_id == original.pk:
        # Show a waiting revision's version of this schedule, if there is one.
        waiting = current_copy(request, original)
        if waiting.pk != original.pk:
            shown = (
                Schedule.objects.filter(activity=waiting, copied_from=schedule).first() or schedule
            )
    initial = SchedulePageForm.initial_for(shown) if shown else {"start_date": timezone.localdate()}
    form = SchedulePageForm(posted(request), initial=initial)
    item = original
    if request.method == "POST" and form.is_valid():
        item, schedule = _in_working_copy(request, original, schedule)
        saved = form.apply(schedule or Schedule(activity=item))
        do_save_schedule(request, saved, created=schedule is None)
        messages.success(request, f"Saved: {saved.summary}.")
        return redirect("directory:staff_activity", public_id=item.public_id)
    return render(
        request,
        "directory/staff/schedule_form.html",
        {"form": form, "activity": item, "schedule": shown},
    )


@require_POST
@require_capability(*EDITORS)
def schedule_delete(request: HttpRequest, public_id: uuid.UUID, schedule_id: int) -> HttpResponse:
    original = get_activity_for_editing(request, public_id)
    found = get_object_or_404(Schedule, activity=original, pk=schedule_id)
    item, schedule = _in_working_copy(request, original, found)
    assert schedule is not None
    do_delete_schedule(request, schedule)
    messages.success(request, "The schedule has been removed.")
    return redirect("directory:staff_activity", public_id=item.public_id)


@require_capability(*EDITORS)
def session_change(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    session = get_session_for_editing(request, public_id)
    form = SessionForm(
        posted(request),
        initial={"note": session.note},
        lasts_days=(session.end_local_date - session.local_date).days,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "cancel":
                do_cancel_session(request, session, note=data["note"])
                messages.success(request, "The session has been cancelled.")
            elif data["action"] == "move":
                do_move_session(
                    request, session, start=data["start"], end=data["end"], note=data["note"]
                )
                messages.success(request, "The session has been moved.")
            else:
                do_restore_session(request, session)
                messages.success(request, "The session is back as scheduled.")
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("directory:staff_activity", public_id=session.activity.public_id)
    return render(request, "directory/staff/session_form.html", {"form": form, "session": session})


@require_capability(*EDITORS)
def session_places(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change one session's places (a larger room this week, a leader away)."""
    session = get_session_for_editing(request, public_id)
    form = SessionPlacesForm(posted(request), initial={"places": session.places})
    if request.method == "POST" and form.is_valid():
        try:
            do_set_session_places(request, session, form.cleaned_data["places"])
        except ActionRefused as refused:
            form.add_error("places", str(refused))
        else:
            if session.places is None:
                messages.success(request, "Places at this session are no longer booked here.")
            else:
                messages.success(
                    request,
                    f"The session has {session.places} place{pluralize(session.places)}: "
                    f"{session.booked} booked.",
                )
            return redirect("directory:staff_activity", public_id=session.activity.public_id)
    return render(
        request, "directory/staff/session_places_form.html", {"form": form, "session": session}
    )
