"""Partners' impact reports, grants and recorded population figures."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_funding, views_partners

urlpatterns: list[URLPattern] = [
    path("staff/monitoring/partners/", views_partners.partner_list, name="partners"),
    path(
        "staff/monitoring/partners/<uuid:public_id>/",
        views_partners.partner,
        name="partner",
    ),
    path("staff/monitoring/funding/", views_funding.grants, name="grants"),
    path("staff/monitoring/funding/new/", views_funding.grant_create, name="grant_create"),
    path("staff/monitoring/funding/<uuid:public_id>/", views_funding.grant, name="grant"),
    path(
        "staff/monitoring/funding/<uuid:public_id>/change/",
        views_funding.grant_edit,
        name="grant_edit",
    ),
    path(
        "staff/monitoring/funding/<uuid:public_id>/delete/",
        views_funding.grant_delete,
        name="grant_delete",
    ),
    path("staff/monitoring/population/", views_funding.population, name="population"),
]
