"""Connections of clients to activities, their steps, and attendance."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from lib.text import limited

from .. import choices

# The statuses of an open connection (Connection.LIVE), spelt out for the constraint
# that allows one open connection per client and activity: a tuple, so the migration
# states them in a fixed order.
OPEN_STATUSES = (
    "suggested",
    "agreed",
    "referred",
    "attended_first",
    "missed_first",
    "attending",
)


class Connection(models.Model):
    """A client connected to an activity, at a level, with the support agreed.

    One open connection (LIVE) per client and activity: a second one is refused, and
    the link worker changes the one there is. One made by mistake is withdrawn: kept,
    with its reason, in the case's history, and left out of everything that goes out
    (the plan, the message back to the GP)."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        AGREED = "agreed", "Agreed"
        REFERRED = "referred", "Referred to the group"
        ATTENDED_FIRST = "attended_first", "Went to the first visit"
        MISSED_FIRST = "missed_first", "Missed the first visit"
        ATTENDING = "attending", "Attending"
        STOPPED = "stopped", "Stopped going"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    NEXT: dict[str, tuple[str, ...]] = {
        Status.SUGGESTED: (Status.AGREED, Status.DECLINED),
        Status.AGREED: (
            Status.REFERRED,
            Status.ATTENDED_FIRST,
            Status.MISSED_FIRST,
            Status.DECLINED,
        ),
        Status.REFERRED: (Status.ATTENDED_FIRST, Status.MISSED_FIRST, Status.DECLINED),
        Status.ATTENDED_FIRST: (Status.ATTENDING, Status.STOPPED),
        Status.MISSED_FIRST: (Status.ATTENDED_FIRST, Status.STOPPED, Status.DECLINED),
        Status.ATTENDING: (Status.STOPPED,),
        Status.STOPPED: (Status.ATTENDING,),
        Status.DECLINED: (),
        # Withdrawn is not a step of the connection's life: do_withdraw_connection,
        # from any status, for a connection made by mistake.
        Status.WITHDRAWN: (),
    }
    NEEDS_REASON = frozenset({Status.STOPPED, Status.DECLINED})
    LIVE = frozenset(map(Status, OPEN_STATUSES))
    # What the link worker may change on a connection once made (ConnectionEditForm).
    EDITABLE = ("level", "first_session", "support", "share_consent", "shared_note", "follow_up_on")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="connections"
    )
    activity = models.ForeignKey(
        "directory.Activity", on_delete=models.PROTECT, related_name="connections"
    )
    first_session = models.ForeignKey(
        "directory.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_visits",
    )
    level = models.CharField(
        max_length=20,
        choices=choices.ConnectionLevel.choices,
        default=choices.ConnectionLevel.SIGNPOST,
    )
    support = models.JSONField(default=list, blank=True)
    # The place booked for them at a session (actions.bookings): the link lives here, as
    # bookings knows nothing of casework. Kept once cancelled, for its status; a new
    # booking replaces it.
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connection",
    )
    # What the client agreed the group may know (introduction and referral only).
    share_consent = models.BooleanField("the client agrees to share these details", default=False)
    shared_note = models.TextField(
        "what the group may know",
        blank=True,
        **limited(1000, "What the group may know"),
        help_text="Only what the client agreed to share: for example, 'Mary, a little nervous, "
        "may come with her daughter'",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUGGESTED)
    status_changed_on = models.DateField()
    reason = models.TextField(blank=True, **limited(1000, "The reason"))
    follow_up_on = models.DateField(null=True, blank=True)
    # Counts every change, so that an edit made on a page opened before another change
    # is refused rather than undoing it (optimistic locking, as Client.version).
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "follow_up_on"]),
            # Monitoring: connections made in a period (bench/monitoring.py).
            models.Index(fields=["created_at"], name="casework_conn_created"),
        ]
        constraints = [
            # The action refuses a second open connection with a worded error; this
            # holds when two link workers connect the same client at the same moment.
            models.UniqueConstraint(
                fields=["client", "activity"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="one_open_connection_per_activity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("casework:connection", kwargs={"public_id": self.public_id})

    def get_edit_url(self) -> str:
        return reverse("casework:connection_edit", kwargs={"public_id": self.public_id})

    @property
    def is_open(self) -> bool:
        return self.status in self.LIVE

    @property
    def withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def level_short(self) -> str:
        """ "Signpost", "Introduction" or "Referral"."""
        return self.get_level_display().split(":")[0]

    @property
    def support_labels(self) -> list[str]:
        labels = dict(choices.Support.choices)
        return [labels.get(code, code) for code in self.support]

    @property
    def shares_with_group(self) -> bool:
        """Whether anything personal goes to the group: never for a signpost."""
        return self.level != choices.ConnectionLevel.SIGNPOST and self.share_consent

    def next_statuses(self) -> list[tuple[str, str]]:
        labels = dict(self.Status.choices)
        return [(code, labels[code]) for code in self.NEXT.get(self.status, ())]


class ConnectionStep(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=Connection.Status.choices)
    on = models.DateField()
    reason = models.TextField(blank=True, **limited(1000, "The reason"))
    # The reason as a code (declined and stopped), for monitoring's counts.
    reason_code = models.CharField(
        "main reason", max_length=20, choices=choices.StopReason.choices, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who recorded it when not a signed-in user (a group's one-time register link).
    by_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        # Monitoring: first visits, stops and declines in a period.
        indexes = [models.Index(fields=["status", "on"], name="casework_step_status_on")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.on}"


class Attendance(models.Model):
    """Whether a connected client came to one session, as the group recorded it."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(
        "directory.Session", on_delete=models.CASCADE, related_name="attendances"
    )
    attended = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "session"], name="one_attendance_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{'Came' if self.attended else 'Did not come'}: {self.session}"


class RegisterLink(models.Model):
    """A one-time emailed link for a group with no account to record a session's register."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        "directory.Session", on_delete=models.CASCADE, related_name="register_links"
    )
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Register link for {self.session} to {self.email}"
