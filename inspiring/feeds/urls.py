from __future__ import annotations

from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path(
        "staff/listings/organisations/<uuid:public_id>/feeds/new/",
        views.link_feed,
        name="link",
    ),
    path("staff/feeds/", views.feeds_index, name="index"),
    path("staff/feeds/<uuid:public_id>/", views.feed, name="feed"),
    path("staff/feeds/<uuid:public_id>/edit/", views.edit_feed, name="edit"),
    path("staff/feeds/<uuid:public_id>/try-again/", views.try_again, name="try_again"),
    path("staff/feeds/<uuid:public_id>/active/", views.stop, name="active"),
    path("staff/feeds/<uuid:public_id>/preview/", views.feed_preview, name="preview"),
]
