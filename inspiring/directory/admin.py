"""Site administration for the directory: the vocabularies, and a view of everything.

Day-to-day changes happen on the staff pages (with approval rules and audit);
here administrators edit the category list and can correct records. Every
change made here is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from inspiring.accounts.admin import AuditedAdminMixin

from .models import (
    Activity,
    Booklet,
    Category,
    ListingReport,
    Organisation,
    Schedule,
    SupportFeature,
    Venue,
)


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin[Category]):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SupportFeature)
class SupportFeatureAdmin(AuditedAdminMixin, admin.ModelAdmin[SupportFeature]):
    """A fixed list: matching and the public filters depend on the codes."""

    list_display = ["name", "code", "order"]
    readonly_fields = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "home_area", "agreement", "trusted"]
    list_filter = ["home_area", "kind", "agreement", "trusted"]
    search_fields = ["name", "charity_number", "company_number"]
    filter_horizontal = ["areas_served", "leads"]


@admin.register(Venue)
class VenueAdmin(AuditedAdminMixin, admin.ModelAdmin[Venue]):
    list_display = ["name", "town", "postcode", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "town", "postcode"]


class ScheduleInline(admin.TabularInline[Schedule, Activity]):
    model = Schedule
    fk_name = "activity"
    extra = 0
    fields = ["start_date", "start_time", "end_time", "rrule", "exdates", "rdates"]


@admin.register(Activity)
class ActivityAdmin(AuditedAdminMixin, admin.ModelAdmin[Activity]):
    list_display = ["title", "organisation", "home_area", "status", "last_confirmed_at"]
    list_filter = ["status", "home_area", "capacity_status", "cost", "source"]
    list_select_related = ["organisation", "home_area"]
    search_fields = ["title", "organisation__name"]
    raw_id_fields = ["organisation", "venue", "revision_of", "published_by"]
    filter_horizontal = ["categories", "support_features"]
    inlines = [ScheduleInline]


@admin.register(ListingReport)
class ListingReportAdmin(AuditedAdminMixin, admin.ModelAdmin[ListingReport]):
    list_display = ["activity", "reported_at", "resolved_at"]
    raw_id_fields = ["activity", "resolved_by"]


@admin.register(Booklet)
class BookletAdmin(admin.ModelAdmin[Booklet]):
    list_display = ["area", "start", "end", "large_print", "status", "pages", "requested_at"]
    list_filter = ["area", "status"]
    exclude = ["pdf"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
