"""Residents book a place on a session themselves, where the group allows it, and see
or cancel their booking from the link they are sent (no account)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from inspiring.areas.models import Area
from inspiring.directory.models import Activity, Session
from lib import throttle
from lib.actions import ActionRefused
from lib.http import posted, sender
from lib.throttle import Limit

from .actions import SessionFull, bookable, do_book, do_cancel
from .forms import BookingForm
from .messages import booking_from_token, cancel_token
from .models import Booking


def _session(area: Area, public_id: uuid.UUID) -> Session:
    """A session of an activity people in `area` see; 404 otherwise."""
    return get_object_or_404(
        Session.objects.select_related(
            "activity", "activity__venue", "activity__organisation", "activity__home_area"
        ).filter(activity__in=Activity.objects.visible_in(area)),
        public_id=public_id,
    )


def _within_limits(request: HttpRequest, session: Session) -> bool:
    """Bookings from one address in an hour, and on one session: past either, refused
    (a script cannot fill a session with made-up names)."""
    address = sender(request) or "unknown"
    return throttle.hit(
        "booking", address, Limit(settings.BOOKINGS_PER_ADDRESS_HOURLY, 3600)
    ) and throttle.hit(
        "booking-session", str(session.pk), Limit(settings.BOOKINGS_PER_SESSION_HOURLY, 3600)
    )


@login_not_required
@never_cache
def book(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    session = _session(area, public_id)
    activity = session.activity
    problem = bookable(session, channel=Booking.Channel.ONLINE)
    form = BookingForm(posted(request), activity=activity)
    context = {"area": area, "session": session, "activity": activity, "form": form}
    if problem:
        return render(request, "bookings/book.html", {**context, "problem": problem}, status=409)
    full = (session.places_left or 0) < 1
    if request.method == "POST" and form.is_valid():
        if not _within_limits(request, session):
            # Nothing is lost: the form comes back as it was filled in.
            return render(request, "bookings/book.html", {**context, "throttled": True}, status=429)
        wait = request.POST.get("wait") == "yes"
        try:
            booking = do_book(
                request,
                session,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                places=form.cleaned_data["places"],
                channel=Booking.Channel.ONLINE,
                wait=wait,
            )
        except SessionFull as refused:
            form.add_error(None, str(refused))
            session.refresh_from_db(fields=["places", "booked"])
            full = True
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            token = cancel_token(booking)
            # Back to this form from the booking page says it is booked already.
            request.session[BOOKED_KEY] = {
                **request.session.get(BOOKED_KEY, {}),
                str(session.public_id): token,
            }
            return redirect("bookings:booking", token=token)
    already = request.session.get(BOOKED_KEY, {}).get(str(session.public_id))
    return render(
        request,
        "bookings/book.html",
        {
            **context,
            "full": full,
            "waiting_list": full and activity.waiting_list,
            "already": already,
        },
    )


BOOKED_KEY = "bookings.booked"


@login_not_required
@never_cache
def booking(request: HttpRequest, token: str) -> HttpResponse:
    """The person's booking, from the link they were sent: what, when, where, and a
    button to cancel it."""
    found = booking_from_token(token)
    if found is None:
        raise Http404("No booking has this link")
    error = ""
    if request.method == "POST":
        try:
            do_cancel(request, found)
        except ActionRefused as refused:
            error = str(refused)
        else:
            return redirect("bookings:booking", token=token)
    return render(
        request,
        "bookings/booking.html",
        {
            "booking": found,
            "activity": found.activity,
            "area": found.activity.home_area,
            "error": error,
        },
    )
