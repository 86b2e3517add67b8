from __future__ import annotations

from django.urls import path

from . import views

app_name = "measures"

# "build" comes before <slug:code>/ and is a reserved code (actions.RESERVED_CODES).
urlpatterns = [
    path("staff/measures/", views.library_view, name="library"),
    path("staff/measures/build/", views.build_view, name="build"),
    path("staff/measures/<slug:code>/", views.instrument_view, name="instrument"),
    path(
        "staff/measures/<slug:code>/versions/<int:version>/",
        views.version_view,
        name="version",
    ),
    path("staff/measures/<slug:code>/change/", views.change_view, name="change"),
    path("staff/measures/<slug:code>/licence/", views.licence_view, name="licence"),
    path(
        "staff/measures/<slug:code>/licence/withdraw/",
        views.withdraw_licence_view,
        name="withdraw_licence",
    ),
    path("staff/measures/<slug:code>/confirm/", views.confirm_view, name="confirm"),
]
