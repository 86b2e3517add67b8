"""Site administration: every change made here is audited; audit entries are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.areas import admin as areas_admin
from inspiring.areas.models import Area

from . import audit
from .models import AuditEntry, Invitation, Membership, User


def _area_of(obj: Any) -> Area | None:
    if isinstance(obj, Area):
        return obj
    area = getattr(obj, "area", None)
    return area if isinstance(area, Area) else None


class AuditedAdminMixin:
    """Write an audit entry for every addition, change and deletion made in the admin.

    Django's admin calls these hooks for each object it saves or deletes
    (including password changes and bulk deletions), so nothing done here
    escapes the audit log.
    """

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _record(request, "admin.added", obj, message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _record(request, "admin.changed", obj, message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _record(request, "admin.deleted", obj, "")
        return super().log_deletions(request, queryset)  # type: ignore[misc]


def _record(request: HttpRequest, action: str, obj: Any, message: Any) -> None:
    audit.record(request, action, obj, area=_area_of(obj), detail=_detail(obj, message))


def _detail(obj: Any, message: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"record": obj._meta.verbose_name}
    if message:
        detail["change"] = message if isinstance(message, str | list) else str(message)
    owner = getattr(obj, "user", None)
    if isinstance(owner, User):
        detail["user"] = owner.email
    return detail


audit.register_actions(
    {
        "admin.added": "Added a record in the admin site",
        "admin.changed": "Changed a record in the admin site",
        "admin.deleted": "Deleted a record in the admin site",
    }
)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["area", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "memberships__role", "memberships__area"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password", "public_id")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Role changes made here are audited like those made on the team page.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit.record(
                request,
                "membership.removed",
                obj,
                area=obj.area,
                detail={"user": obj.user.email, "role": obj.role, "via": "admin"},
            )
            obj.delete()
        for instance in instances:
            adding = instance.pk is None
            before = None if adding else Membership.objects.get(pk=instance.pk).role
            instance.save()
            if adding:
                audit.record(
                    request,
                    "membership.created",
                    instance,
                    area=instance.area,
                    detail={"user": instance.user.email, "role": instance.role, "via": "admin"},
                )
            elif before != instance.role:
                audit.record(
                    request,
                    "membership.role_changed",
                    instance,
                    area=instance.area,
                    detail={
                        "user": instance.user.email,
                        "from": before,
                        "to": instance.role,
                        "via": "admin",
                    },
                )
        formset.save_m2m()


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """Read-only: invitations are sent, resent and withdrawn from the team page."""

    list_display = ["email", "area", "role", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["area", "role"]
    search_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the team page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# django-otp's device admins, with every change (resetting someone's
# two-factor authentication, say) audited. Importing their modules above
# registered them; replace the registrations.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(Area)


@admin.register(Area)
class AuditedAreaAdmin(AuditedAdminMixin, areas_admin.AreaAdmin):
    pass


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdminMixin, otp_totp_admin.TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class StaticDeviceAdmin(AuditedAdminMixin, otp_static_admin.StaticDeviceAdmin):
    pass


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: nobody can add, change or delete an audit entry through the application."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "area",
        "ip_address",
    ]
    list_filter = ["action", "area"]
    search_fields = ["actor_label", "object_id", "object_repr"]
    date_hierarchy = "at"
    list_select_related = ["area"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
