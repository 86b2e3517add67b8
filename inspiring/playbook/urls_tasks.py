"""The playbook's progress and its tasks (views_tasks.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_tasks

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/playbook/", views_tasks.progress_page, name="progress"),
    path("staff/playbook/blueprint/", views_tasks.use_blueprint, name="use_blueprint"),
    path("staff/playbook/tasks/<uuid:public_id>/", views_tasks.task_page, name="task"),
    path("staff/playbook/tasks/<uuid:public_id>/done/", views_tasks.task_done, name="task_done"),
    path(
        "staff/playbook/tasks/<uuid:public_id>/delete/",
        views_tasks.task_delete,
        name="task_delete",
    ),
    path("staff/playbook/stages/<slug:code>/tasks/new/", views_tasks.task_add, name="task_add"),
]
