from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import LSOA, Area, AreaDistrict, District, GeographyLoad, Postcode


class FurtherDistrictInline(admin.TabularInline[AreaDistrict, Area]):
    model = AreaDistrict
    extra = 0
    verbose_name_plural = "Further districts the programme covers"


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    """accounts.admin re-registers this with auditing (the audit log lives above areas)."""

    inlines = [FurtherDistrictInline]
    list_display = ["name", "programme_name", "slug", "local_authority_code", "lead_organisation"]
    search_fields = ["name", "programme_name", "slug", "local_authority_code"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["shares_with"]


class ReferenceDataAdmin(admin.ModelAdmin):
    """Geography is loaded by `manage.py load_geography`, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(District)
class DistrictAdmin(ReferenceDataAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(LSOA)
class LSOAAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "district_code", "imd_decile", "imd_rank"]
    list_filter = ["imd_decile"]
    search_fields = ["code", "name"]


@admin.register(Postcode)
class PostcodeAdmin(ReferenceDataAdmin):
    list_display = ["postcode", "district_code", "lsoa", "lsoa_approximate"]
    search_fields = ["postcode"]
    list_select_related = ["lsoa"]


@admin.register(GeographyLoad)
class GeographyLoadAdmin(ReferenceDataAdmin):
    list_display = ["loaded_at", "fingerprint"]
