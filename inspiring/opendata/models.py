"""What the open-data feeds need beyond the directory itself: tombstones.

OpenActive's RPDE feeds must tell a consumer that an item it has seen is
gone. Sessions are derived rows that are deleted and re-made as schedules
change, and an activity can be deleted outright, so each removal leaves a
tombstone here (written in the same transaction, by the receivers in
signals.py) that the feeds serve as `"state": "deleted"`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Tombstone(models.Model):
    class Kind(models.TextChoices):
        SESSION_SERIES = "series", "SessionSeries"
        SCHEDULED_SESSION = "session", "ScheduledSession"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.UUIDField()
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_id"], name="one_tombstone_per_item")
        ]
        indexes = [models.Index(fields=["kind", "modified", "item_id"], name="tombstone_feed")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id} deleted"


class ServiceAtLocationId(models.Model):
    """Each listing's Open Referral service-at-location id, stored so that
    /service_at_locations/{id} is one indexed read.

    The id is a hash (oruk.derived_id) of the listing's and its location's ids, so it
    cannot be worked back to a listing: without this row every listing's was worked out
    again on each request, seconds at national scale on a public endpoint. One row per
    activity, kept by construction (service_ids.py: an activity saved, and activities
    written in bulk) and checked against the records after every test that writes."""

    activity = models.OneToOneField(
        "directory.Activity", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    item_id = models.UUIDField(unique=True)

    def __str__(self) -> str:
        return str(self.item_id)


class BookingPartner(models.Model):
    """Another site that books places here through the OpenActive Open Booking API (a
    "Broker"): it signs its requests with a key, and sees only its own orders."""

    name = models.CharField(max_length=100)
    # The key is shown once, when it is made (manage.py add_booking_partner); only
    # its SHA-256 is kept.
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=8)  # its first characters, to tell keys apart
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """An order a booking partner made (B) or proposed for the group's approval (P),
    under the partner's own Order UUID. Quotes (C1, C2) are worked out and answered,
    never kept. Each item is one place at one session; an order's places are booked
    through bookings.actions, as every booking is."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "OrderProposal"
        ORDER = "order", "Order"
        # Deleted by the partner (for a fatal error or testing): kept as a stub so the
        # Orders feed can say so and the UUID is never reused.
        DELETED = "deleted", "Deleted"

    class ProposalStatus(models.TextChoices):
        NONE = "", "Not a proposal"
        AWAITING = "AwaitingSellerConfirmation", "Waiting for the group"
        ACCEPTED = "SellerAccepted", "Accepted by the group"
        REJECTED = "SellerRejected", "Declined by the group"
        WITHDRAWN = "CustomerRejected", "Withdrawn"

    uuid = models.UUIDField(unique=True)
    partner = models.ForeignKey(BookingPartner, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    proposal_status = models.CharField(
        max_length=30, choices=ProposalStatus.choices, default=ProposalStatus.NONE, blank=True
    )
    proposal_version = models.UUIDField(null=True, blank=True)
    seller = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    broker = models.JSONField(default=dict)  # the partner's own name and details, as sent
    broker_role = models.CharField(max_length=60)
    # The customer as the partner sent them (email, givenName, familyName, telephone):
    # blanked once the order is settled (declined, withdrawn) or its sessions long past
    # (forget_past_orders, nightly).
    customer = models.JSONField(default=dict, blank=True)
    seller_note = models.CharField(max_length=500, blank=True)
    customer_note = models.CharField(max_length=500, blank=True)
    # The Orders feed shows an order from B at once, a proposal only once it has
    # changed (the group accepted or declined it).
    listed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["partner", "changed_at", "uuid"], name="order_feed"),
            models.Index(fields=["proposal_status", "seller"], name="order_proposals_waiting"),
        ]

    def __str__(self) -> str:
        # No customer: this is what the audit log shows.
        return f"{self.get_kind_display()} {self.uuid}"


class OrderItem(models.Model):
    """One place at one session. Its state is its booking's (none yet while proposed)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    session = models.ForeignKey(
        "directory.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.UUIDField()  # the session's public id
    activity = models.ForeignKey("directory.Activity", on_delete=models.CASCADE, related_name="+")
    offer = models.CharField(max_length=40)  # the offer's key, as in its @id
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_item",
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"Item {self.pk} of {self.order}"
