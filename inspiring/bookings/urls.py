from __future__ import annotations

from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("<slug:slug>/sessions/<uuid:public_id>/book/", views.book, name="book"),
    path("bookings/<str:token>/", views.booking, name="booking"),
]
