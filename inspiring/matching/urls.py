from __future__ import annotations

from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("staff/clients/<uuid:public_id>/suggestions/", views.suggestions, name="suggestions"),
    path("staff/clients/<uuid:public_id>/suggestions/propose/", views.propose, name="propose"),
    path("staff/matching/gaps/", views.gaps_view, name="gaps"),
    path("staff/matching/barriers/", views.barrier_rules, name="barrier_rules"),
]
