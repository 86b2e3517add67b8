"""Sharing across areas' addresses (views_sharing)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_sharing as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/playbook/sharing/", views.sharing_home, name="sharing"),
    path(
        "staff/playbook/sharing/propose/<slug:slug>/",
        views.sharing_propose,
        name="sharing_propose",
    ),
    path(
        "staff/playbook/sharing/<uuid:public_id>/",
        views.sharing_proposal,
        name="sharing_proposal",
    ),
]
