"""Training and resources' addresses (views_resources)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_resources as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/playbook/resources/", views.resource_list, name="resources"),
    path("staff/playbook/resources/add/", views.resource_add, name="resource_add"),
    path("staff/playbook/resources/<uuid:public_id>/", views.resource_detail, name="resource"),
    path(
        "staff/playbook/resources/<uuid:public_id>/change/",
        views.resource_edit,
        name="resource_edit",
    ),
    path(
        "staff/playbook/resources/<uuid:public_id>/delete/",
        views.resource_delete,
        name="resource_delete",
    ),
    path(
        "staff/playbook/resources/<uuid:public_id>/file/",
        views.resource_file,
        name="resource_file",
    ),
    path("staff/playbook/training/", views.training, name="training"),
    path("staff/playbook/training/add/", views.training_add, name="training_add"),
    path(
        "staff/playbook/training/<uuid:public_id>/delete/",
        views.training_delete,
        name="training_delete",
    ),
]
