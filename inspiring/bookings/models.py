"""A booking: places held on one session for a named person (and someone coming with
them), or a place on its waiting list.

Places booked are counted on the session itself (Session.booked), changed in the same
statement that checks there is room (actions.py): what every page shows and what a
booking is checked against are one number, and the database refuses more bookings
than places (the session_never_overbooked constraint) whatever path a write takes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from lib.senders import DeliveryStatus

# A person and someone coming with them (a buddy, a volunteer, a friend).
MAX_PARTY = 2
# Booking.reminder_reference: "bookings-reminder-<pk>".
REMINDER_REFERENCE_PREFIX = "bookings-reminder-"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"
        SESSION_CANCELLED = "session_cancelled", "The session was cancelled"

    class Channel(models.TextChoices):
        LINK_WORKER = "link_worker", "Booked by a link worker"
        ONLINE = "online", "Booked online"
        # Through another site, by the OpenActive Open Booking API (opendata.openbooking):
        # that site tells the person, so nothing is sent from here.
        OPEN_BOOKING = "open_booking", "Booked through another site"

    class Reminder(models.TextChoices):
        # The reminder the day before, to a resident who booked online (reminders.py).
        # A link worker's booking is reminded through casework's outbox instead, so
        # its own stays NONE.
        NONE = "", "Not sent yet"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent yet: to be tried again"
        GAVE_UP = "gave_up", "Could not be sent"
        UNKNOWN = "unknown", "Not known whether it was sent"

    LIVE = (Status.BOOKED, Status.WAITING)
    # Residents who booked for themselves, here or through another site: what they
    # gave is blanked after the session (actions.forget_past_bookings).
    BY_RESIDENTS = (Channel.ONLINE, Channel.OPEN_BOOKING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The session, while it is there; a session a schedule change removes leaves its
    # bookings, cancelled, with what they were for.
    session = models.ForeignKey(
        "directory.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    session_key = models.UUIDField(db_index=True)  # the session's public id
    activity = models.ForeignKey(
        "directory.Activity", on_delete=models.CASCADE, related_name="bookings"
    )
    starts_at = models.DateTimeField()  # as the person was told
    places = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_PARTY)]
    )
    # What the group sees on its register: a resident's name, or what a client agreed
    # to share.
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    # The reminder the day before (reminders.py): on the booking itself, so that "never
    # twice" is one row's status, claimed by one conditional UPDATE that also checks the
    # booking is still booked.
    reminder_status = models.CharField(
        max_length=10, choices=Reminder.choices, default=Reminder.NONE, blank=True
    )
    reminder_attempts = models.PositiveSmallIntegerField(default=0)
    # When the latest try began (one still "sending" long after was interrupted).
    reminder_attempted_at = models.DateTimeField(null=True, blank=True)
    reminder_next_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_error = models.CharField(max_length=300, blank=True)
    # GOV.UK Notify's id for the reminder (what sending returned), and what its delivery
    # receipt said became of it and when (casework.views.notify takes the receipts).
    reminder_provider_id = models.CharField(max_length=36, blank=True, db_index=True)
    reminder_delivery_status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, blank=True
    )
    reminder_delivery_status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # A session's register and its waiting list, first come first served.
            models.Index(fields=["session", "status", "created_at"], name="booking_session_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(places__gte=1, places__lte=MAX_PARTY),
                name="booking_party_size",
            ),
        ]

    def __str__(self) -> str:
        # No name or contact: this is what the audit log shows.
        places = "1 place" if self.places == 1 else f"{self.places} places"
        return f"{places}, {self.get_status_display().lower()}"

    @property
    def reminder_reference(self) -> str:
        """Our own id for its reminder, sent with it to GOV.UK Notify and named in its
        receipt (no personal data: Notify shows it in its dashboard)."""
        return f"{REMINDER_REFERENCE_PREFIX}{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE
