from __future__ import annotations

from django.urls import path

from . import views

app_name = "areas"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.home, name="home"),
]
