"""Users, memberships (a role in an area), invitations, and the append-only audit log."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .roles import ROLES_SEEING_PERSONAL_DATA, Role

if TYPE_CHECKING:
    from inspiring.areas.models import Area


def normalise_email(email: str) -> str:
    # Email addresses are matched without regard to case, as every mail
    # system people use does; storing them lower-cased keeps one account each.
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=normalise_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=normalise_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in. Residents and clients never do: they are not users."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(
        default=True, help_text="Untick instead of deleting, so the audit trail stays whole."
    )
    is_staff = models.BooleanField(
        default=False, help_text="May use the Django admin site (site administrators only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case")
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_site_admin(self) -> bool:
        return self.is_superuser

    def requires_two_factor(self) -> bool:
        """Whether this user must sign in with a second factor (when the site enforces it).

        Site administrators and anyone with access to the admin site (is_staff)
        always must: the admin site shows the audit log and everyone's account.
        """
        if self.is_superuser or self.is_staff:
            return True
        return self.memberships.filter(role__in=ROLES_SEEING_PERSONAL_DATA).exists()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def in_area(self, area: Area) -> MembershipQuerySet:
        return self.filter(area=area).select_related("user", "area")

    def coordinators(self) -> MembershipQuerySet:
        return self.filter(role=Role.COORDINATOR)


class Membership(models.Model):
    """A user's role in one area. One role per person per area."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes with every edit: a form carries the value it was shown, so a save
    # over someone else's newer change is refused rather than silently lost.
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["area__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area"], name="one_membership_per_user_and_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.area}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class Invitation(models.Model):
    """An offer of a role in an area, sent by email, accepted through a signed link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Withdrawn"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Whether the latest email went out, so the team page can say when it did not.
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_error = models.CharField(max_length=300, blank=True)
    # Answers to questions other apps add to the invitation (accounts.invitations:
    # InvitationQuestion), as plain JSON that accounts stores and never reads: the
    # organisation a partner lead will lead, say. Acted on when it is accepted.
    extra = models.JSONField(default=dict, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.area} as {self.get_role_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalise_email(self.email)
        if not self.expires_at:
            self.expires_at = self.sent_at + timedelta(days=settings.INVITATION_DAYS)
        super().save(*args, **kwargs)

    @property
    def status(self) -> Invitation.Status:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted")

    def for_area(self, area: Area) -> AuditEntryQuerySet:
        return self.filter(area=area)


class AuditEntry(models.Model):
    """One thing someone did: who, what, to which object, in which area, when, from where.

    Append-only: the model and its queryset refuse changes and deletions, the
    admin shows entries read-only, and on PostgreSQL a trigger refuses UPDATE
    and DELETE even from SQL (migration 0002). Write entries with
    `inspiring.accounts.audit.record`, never directly.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    # The actor's email when the entry was written (accounts can be renamed).
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The coordinator's trail: one area, newest first.
            models.Index(fields=["area", "-at"], name="audit_area_at"),
            # "Everything that happened to this record".
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted")
