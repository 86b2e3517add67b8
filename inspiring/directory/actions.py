"""Directory writes with side effects: approval rules, revisions, audit, session sync.

Every change to a listing goes through one of these functions, used by the
staff pages, the confirmation links, the importers (later) and the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.audit import register_actions
from inspiring.areas.models import Area
from lib.actions import ActionRefused
from lib.dates import long_date, outside_window

from .access import needs_approval
from .confirmation import token_digest
from .models import (
    Activity,
    Booklet,
    Category,
    ListingLinkUse,
    ListingReport,
    Organisation,
    Schedule,
    Session,
    SupportFeature,
    Venue,
)
from .models.schedules import places_changed
from .tasks import build_booklet, materialise_activity_sessions

# The fields a revision carries back to the live activity when approved.
ACTIVITY_FIELDS = [
    "venue",
    "online",
    "hide_address",
    "locality",
    "title",
    "summary",
    "description",
    "min_age",
    "max_age",
    "audience",
    "cost",
    "price",
    "concession_price",
    "cost_notes",
    "booking",
    "booking_url",
    "capacity",
    "capacity_status",
    "public_booking",
    "waiting_list",
    "approve_bookings",
    "greeter",
    "bring_someone",
    "what_to_expect",
    "contact_name",
    "contact_email",
    "contact_phone",
]
SCHEDULE_FIELDS = [
    "start_date",
    "start_time",
    "end_time",
    "rrule",
    "exdates",
    "rdates",
    "timezone",
    "all_day",
    "duration_days",
    "skip_bank_holidays",
    "places",
]


class LinkAlreadyUsed(ActionRefused):
    """A confirmation link used again for an answer it has given: nothing is recorded."""

    def __init__(self, use: ListingLinkUse) -> None:
        self.use = use
        when = long_date(timezone.localtime(use.used_at).date())
        if use.answer == ListingLinkUse.Answer.CONFIRMED:
            message = f"This listing was already confirmed on {when}"
        else:
            message = f"A change to this listing was already reported on {when}"
        super().__init__(message)


def _sync_sessions(activity: Activity) -> None:
    """Bring the activity's sessions in step, in the background, once this transaction commits."""
    target = activity.revision_of_id or activity.pk
    transaction.on_commit(lambda: materialise_activity_sessions.enqueue(target))


def _publish(request: HttpRequest, activity: Activity) -> None:
    now = timezone.now()
    activity.status = Activity.Status.PUBLISHED
    activity.published_by = acting_user(request)
    activity.published_at = now
    activity.last_confirmed_at = now
    activity.last_confirmed_by = str(activity.organisation)
    activity.review_note = ""


# --- Organisations and venues ----------------------------------------------------


def do_save_organisation(
    request: HttpRequest, organisation: Organisation, *, created: bool
) -> None:
    with transaction.atomic():
        organisation.save()
        audit.record(
            request,
            "organisation.created" if created else "organisation.changed",
            organisation,
            area=organisation.home_area,
        )


def do_save_venue(request: HttpRequest, venue: Venue, *, created: bool) -> None:
    with transaction.atomic():
        venue.save()
        audit.record(
            request,
            "venue.created" if created else "venue.changed",
            venue,
            area=venue.organisation.home_area,
        )


# --- Activities --------------------------------------------------------------------


def current_copy(request: HttpRequest, activity: Activity) -> Activity:
    """What a change page should show: a waiting revision if there is one, else the activity.

    Never creates anything (a GET must not change state)."""
    if activity.revision_of_id is None and needs_approval(request, activity.organisation):
        return activity.revisions.first() or activity
    return activity


def working_copy(request: HttpRequest, activity: Activity) -> Activity:
    """The record a change should be made to.

    A partner who needs approval changes a *revision* of a published activity
    (a copy, with its schedules), so the public keeps seeing the approved
    listing until the coordinator approves the change. Everyone else changes
    the activity itself.
    """
    if activity.revision_of_id is not None:
        return activity
    if activity.status != Activity.Status.PUBLISHED or not needs_approval(
        request, activity.organisation
    ):
        return activity
    return pending_revision(activity)


def pending_revision(activity: Activity) -> Activity:
    """The published activity's pending revision, made now (with copies of its
    schedules, each remembering the one it copies) if it has none."""
    existing = activity.revisions.first()
    if existing is not None:
        return existing
    with transaction.atomic():
        revision = Activity.objects.get(pk=activity.pk)
        revision.pk = None
        revision.public_id = uuid.uuid4()
        revision.revision_of = activity
        revision.status = Activity.Status.PENDING
        revision._state.adding = True
        revision.save()
        revision.categories.set(activity.categories.all())
        revision.support_features.set(activity.support_features.all())
        for schedule in activity.schedules.all():
            original = schedule.pk
            schedule.pk = None
            schedule._state.adding = True
            schedule.activity = revision
            schedule.copied_from_id = original
            schedule.save()
    return revision


def do_save_activity(
    request: HttpRequest,
    activity: Activity,
    *,
    categories: Iterable[Category],
    support_features: Iterable[SupportFeature],
    created: bool,
) -> Activity:
    """Save an activity from a form, applying the approval rules.

    New: published at once by a coordinator or a trusted partner, otherwise
    waiting for approval. Changed: a partner's change to a pending or returned
    activity (or to a revision) goes back to the coordinator.
    """
    with transaction.atomic():
        if created:
            activity.home_area = activity.organisation.home_area
            if needs_approval(request, activity.organisation):
                activity.status = Activity.Status.PENDING
            else:
                _publish(request, activity)
        elif needs_approval(request, activity.organisation) and activity.status in (
            Activity.Status.RETURNED,
            Activity.Status.PENDING,
        ):
            activity.status = Activity.Status.PENDING
        activity.save()
        activity.categories.set(categories)
        activity.support_features.set(support_features)
        area = activity.home_area
        audit.record(
            request, "activity.created" if created else "activity.changed", activity, area=area
        )
        if activity.status == Activity.Status.PENDING:
            audit.record(request, "activity.submitted", activity, area=area)
        _sync_sessions(activity)
    return activity


def _apply_revision(revision: Activity) -> Activity:
    activity = revision.revision_of
    assert activity is not None
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, getattr(revision, name))
    activity.save()
    activity.categories.set(revision.categories.all())
    activity.support_features.set(revision.support_features.all())
    kept: set[int] = set()
    live = {s.pk: s for s in activity.schedules.all()}
    for proposed in revision.schedules.all():
        target = live.get(proposed.copied_from_id or -1) or Schedule(activity=activity)
        for name in SCHEDULE_FIELDS:
            setattr(target, name, getattr(proposed, name))
        target.save()
        kept.add(target.pk)
    _delete_schedules(Schedule.objects.filter(activity=activity).exclude(pk__in=kept))
    revision.delete()
    return activity


def _delete_schedules(schedules: Iterable[Schedule]) -> None:
    """Remove schedules and their sessions from today on; earlier sessions stay as history."""
    today = timezone.localdate()
    for schedule in schedules:
        Session.objects.filter(schedule=schedule, occurrence_date__gte=today).remove()
        schedule.delete()  # past sessions keep their place, with no schedule


def do_approve(request: HttpRequest, activity: Activity) -> Activity:
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != Activity.Status.PENDING:
            raise ActionRefused("Only an activity waiting for approval can be approved.")
        if activity.revision_of_id is not None:
            assert activity.revision_of is not None
            if activity.revision_of.status != Activity.Status.PUBLISHED:
                raise ActionRefused(
                    "The listing this change is for is no longer published. Ask the partner "
                    "to add it again if it is running."
                )
            live = _apply_revision(activity)
            _publish(request, live)
            live.save()
            audit.record(
                request, "activity.approved", live, area=live.home_area, detail={"change": True}
            )
            _sync_sessions(live)
            return live
        _publish(request, activity)
        activity.save()
        audit.record(request, "activity.approved", activity, area=activity.home_area)
        _sync_sessions(activity)
        return activity


def do_return(request: HttpRequest, activity: Activity, *, note: str) -> Activity:
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != Activity.Status.PENDING:
            raise ActionRefused("Only an activity waiting for approval can be sent back.")
        activity.status = Activity.Status.RETURNED
        activity.review_note = note
        activity.save(update_fields=["status", "review_note", "updated_at"])
        audit.record(request, "activity.returned", activity, area=activity.home_area)
    return activity


def do_withdraw(request: HttpRequest, activity: Activity) -> Activity:
    with transaction.atomic():
        # A change waiting for approval must not bring a withdrawn listing back.
        activity.revisions.all().delete()
        activity.status = Activity.Status.WITHDRAWN
        activity.save(update_fields=["status", "updated_at"])
        audit.record(request, "activity.withdrawn", activity, area=activity.home_area)
        _sync_sessions(activity)
    return activity


def do_save_schedule(request: HttpRequest, schedule: Schedule, *, created: bool) -> Schedule:
    activity = schedule.activity
    with transaction.atomic():
        schedule.save()
        if activity.revision_of_id is not None or (
            activity.status in (Activity.Status.RETURNED,)
            and needs_approval(request, activity.organisation)
        ):
            activity.status = Activity.Status.PENDING
            activity.save(update_fields=["status", "updated_at"])
        audit.record(
            request,
            "schedule.changed",
            activity,
            area=activity.home_area,
            detail={"schedule": schedule.summary, "created": created},
        )
        _sync_sessions(activity)
    return schedule


def do_delete_schedule(request: HttpRequest, schedule: Schedule) -> None:
    activity = schedule.activity
    with transaction.atomic():
        summary = schedule.summary
        _delete_schedules([schedule])
        audit.record(
            request,
            "schedule.changed",
            activity,
            area=activity.home_area,
            detail={"schedule": summary, "deleted": True},
        )
        _sync_sessions(activity)


# --- Single sessions ----------------------------------------------------------------


def do_cancel_session(request: HttpRequest, session: Session, *, note: str) -> Session:
    with transaction.atomic():
        session.status = Session.Status.CANCELLED
        session.note = note
        session.save(update_fields=["status", "note", "updated_at"])
        audit.record(request, "session.cancelled", session, area=session.activity.home_area)
    return session


def do_restore_session(request: HttpRequest, session: Session) -> Session:
    """Back as the schedule has it: not cancelled, and at the scheduled time if it was moved."""
    with transaction.atomic():
        session.status = Session.Status.SCHEDULED
        session.note = ""
        if session.moved and session.schedule is not None:
            schedule = session.schedule
            session.set_times(*schedule.times_on(session.occurrence_date))
            session.moved = False
        session.save()
        audit.record(request, "session.restored", session, area=session.activity.home_area)
    return session


def do_move_session(
    request: HttpRequest, session: Session, *, start: datetime, end: datetime, note: str
) -> Session:
    if end <= start:
        raise ActionRefused("The new end time must be after the new start time.")
    problem = outside_window(timezone.localdate(start), "a new date")
    if problem:
        raise ActionRefused(f"{problem}.")
    with transaction.atomic():
        session.set_times(start, end)
        session.moved = True
        session.status = Session.Status.SCHEDULED
        session.note = note
        session.save()
        audit.record(
            request,
            "session.moved",
            session,
            area=session.activity.home_area,
            detail={"to": timezone.localtime(start).isoformat(timespec="minutes")},
        )
    return session


register_actions({"session.places": "Changed the places at a session"})


def _places_word(count: int) -> str:
    return f"{count} place" if count == 1 else f"{count} places"


def do_set_session_places(request: HttpRequest, session: Session, places: int | None) -> Session:
    """Set one session's places by hand (None: not booked on this site); from now on its
    schedule's number no longer changes them. Never fewer than are booked already: the
    bookings stand. Places that go up are offered to those waiting."""
    with transaction.atomic():
        before = (
            Session.objects.select_for_update()
            .filter(pk=session.pk)
            .values_list("places", flat=True)
            .get()
        )
        # One conditional statement, as a booking takes a place: one made since the page
        # was read is counted, and the places never drop below what is booked.
        room = Q(booked=0) if places is None else Q(booked__lte=places)
        changed = Session.objects.filter(room, pk=session.pk).update(
            places=places, places_set=True, updated_at=timezone.now()
        )
        if not changed:
            booked = Session.objects.filter(pk=session.pk).values_list("booked", flat=True).get()
            verb = "is" if booked == 1 else "are"
            raise ActionRefused(
                f"{_places_word(booked)} {verb} booked already: set at least {booked}"
            )
        session.refresh_from_db(fields=["places", "places_set", "booked", "updated_at"])
        audit.record(
            request,
            "session.places",
            session,
            area=session.activity.home_area,
            detail={"from": before, "to": places},
        )
        if places is not None and (before is None or places > before):
            places_changed.send(sender=Session, session_ids=[session.pk])
    return session


# --- Confirmation from the emailed link (no sign-in) ---------------------------


def _use_link(activity: Activity, token: str, answer: str) -> None:
    """Record this link's answer, or raise LinkAlreadyUsed if it has given it before.

    The unique constraint decides, so two clicks at once record one answer."""
    digest = token_digest(token)
    try:
        with transaction.atomic():
            ListingLinkUse.objects.create(
                activity=activity, token_digest=digest, answer=answer, used_at=timezone.now()
            )
    except IntegrityError:
        used = ListingLinkUse.objects.get(token_digest=digest, answer=answer)
        raise LinkAlreadyUsed(used) from None


def do_confirm_listing(request: HttpRequest, activity: Activity, *, token: str) -> Activity:
    """The group says the listing is right, with the emailed link `token` (once per link)."""
    with transaction.atomic():
        _use_link(activity, token, ListingLinkUse.Answer.CONFIRMED)
        activity.last_confirmed_at = timezone.now()
        activity.last_confirmed_by = str(activity.organisation)
        activity.save(update_fields=["last_confirmed_at", "last_confirmed_by", "updated_at"])
        audit.record(
            request,
            "activity.confirmed",
            activity,
            area=activity.home_area,
            detail={"by": activity.last_confirmed_by, "via": "emailed link"},
        )
    return activity


def do_report_change(
    request: HttpRequest, activity: Activity, *, message: str, token: str
) -> ListingReport:
    """The group says something has changed, with the emailed link `token` (once per link)."""
    with transaction.atomic():
        _use_link(activity, token, ListingLinkUse.Answer.CHANGED)
        report = ListingReport.objects.create(
            activity=activity, message=message, reported_by=str(activity.organisation)
        )
        audit.record(
            request,
            "activity.change_reported",
            activity,
            area=activity.home_area,
            detail={"via": "emailed link"},
        )
    return report


def do_resolve_report(request: HttpRequest, report: ListingReport) -> ListingReport:
    """A coordinator has dealt with a reported change to a listing."""
    with transaction.atomic():
        report.resolved_at = timezone.now()
        report.resolved_by = acting_user(request)
        report.save(update_fields=["resolved_at", "resolved_by"])
        audit.record(request, "report.resolved", report.activity, area=report.activity.home_area)
    return report


def do_request_booklet(area: Area, *, start: date, end: date, large_print: bool) -> Booklet:
    """A PDF calendar booklet for the dates, built in the background: the one already asked
    for today when there is one (served, not rebuilt), otherwise a new one."""
    existing = (
        Booklet.objects.filter(
            area=area,
            start=start,
            end=end,
            large_print=large_print,
            requested_at__date=timezone.localdate(),
        )
        .exclude(status=Booklet.Status.FAILED)
        .first()
    )
    if existing is not None:
        return existing
    with transaction.atomic():
        booklet = Booklet.objects.create(area=area, start=start, end=end, large_print=large_print)
        transaction.on_commit(lambda: build_booklet.enqueue(booklet.pk))
    return booklet


# --- Keeping listings current, signed in ---------------------------------------------

register_actions(
    {
        "activity.reminded": "Reminded a group to confirm a listing",
        "activity.paused": "Paused a listing",
        "activity.resumed": "Set a paused listing running again",
    }
)


def do_confirm_listing_signed_in(
    request: HttpRequest, activity: Activity, *, note: str = ""
) -> Activity:
    """A signed-in partner lead says the listing is right, or a coordinator confirms it on
    the group's behalf (with a note of how they know). Records who confirmed it."""
    user = acting_user(request)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.status != Activity.Status.PUBLISHED or activity.revision_of_id is not None:
            raise ActionRefused("Only a published listing can be confirmed.")
        on_behalf = not activity.organisation.leads.filter(pk=user.pk).exists()
        joiner = " for " if on_behalf else ", "
        by = f"{user}{joiner}{activity.organisation}"
        activity.last_confirmed_at = timezone.now()
        activity.last_confirmed_by = by[:200]
        activity.save(update_fields=["last_confirmed_at", "last_confirmed_by", "updated_at"])
        detail = {"by": activity.last_confirmed_by}
        detail["via"] = "on behalf" if on_behalf else "signed in"
        if note:
            detail["note"] = note
        audit.record(
            request, "activity.confirmed", activity, area=activity.home_area, detail=detail
        )
    return activity


def do_report_change_signed_in(
    request: HttpRequest, activity: Activity, *, message: str
) -> ListingReport:
    """A signed-in partner lead says something has changed: a report for the coordinator."""
    user = acting_user(request)
    with transaction.atomic():
        report = ListingReport.objects.create(
            activity=activity, message=message, reported_by=f"{user}, {activity.organisation}"[:200]
        )
        audit.record(
            request,
            "activity.change_reported",
            activity,
            area=activity.home_area,
            detail={"via": "signed in"},
        )
    return report


def do_pause_listing(request: HttpRequest, activity: Activity, *, note: str = "") -> Activity:
    """A coordinator pauses a listing nobody has confirmed: it stays listed as paused, its
    sessions drop out of What's on and suggestions until the group says it is running."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.capacity_status == Activity.CapacityStatus.PAUSED:
            raise ActionRefused(f"{activity.title} is already paused.")
        activity.capacity_status = Activity.CapacityStatus.PAUSED
        activity.save(update_fields=["capacity_status", "updated_at"])
        audit.record(
            request,
            "activity.paused",
            activity,
            area=activity.home_area,
            detail={"note": note} if note else None,
        )
    return activity


def do_resume_listing(request: HttpRequest, activity: Activity) -> Activity:
    """Set a paused listing running again (welcoming new people): its sessions come back
    to What's on and suggestions. A partner lead's change waiting for approval was
    copied while it was paused; it is set running too, so approving it does not pause
    the listing again."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.capacity_status != Activity.CapacityStatus.PAUSED:
            raise ActionRefused(f"{activity.title} is not paused.")
        activity.capacity_status = Activity.CapacityStatus.WELCOMING
        activity.save(update_fields=["capacity_status", "updated_at"])
        activity.revisions.filter(capacity_status=Activity.CapacityStatus.PAUSED).update(
            capacity_status=Activity.CapacityStatus.WELCOMING
        )
        audit.record(request, "activity.resumed", activity, area=activity.home_area)
    return activity


def do_remind_group(request: HttpRequest, activity: Activity) -> str | None:
    """Email the group a one-click confirmation link for this listing now.

    The reminder is recorded (and committed) first, then the email is sent outside the
    transaction. Returns None when sent, or why it was not (no address, or the mail server
    refused), for the coordinator to act on."""
    from .confirmation import send_reminder

    recipient = activity.organisation.email or activity.contact_email
    if not recipient:
        return (
            f"{activity.organisation} has no email address. Add one to the organisation, "
            "or phone them and confirm on their behalf."
        )
    with transaction.atomic():
        audit.record(
            request,
            "activity.reminded",
            activity,
            area=activity.home_area,
            detail={"to": recipient},
        )
    problem = send_reminder(activity, recipient)
    if problem is None:
        Activity.objects.filter(pk=activity.pk).update(confirmation_requested_at=timezone.now())
    return problem
