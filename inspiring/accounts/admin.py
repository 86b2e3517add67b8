"""Site administration: users and memberships (audited), audit entries (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from . import audit
from .models import AuditEntry, Invitation, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["area", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
    list_display = ["email", "area", "role", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["area", "role"]
    search_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the team page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
