"""The playbook's progress and its tasks, for the working area's coordinators
(Capability.MANAGE_PLAYBOOK): how far the area is, each stage's tasks and what the
platform says of them; change, add, mark done and delete a task. Every change is
audited (actions.do_…); a change saved over someone else's is refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from lib.http import posted

from . import actions, links, rules
from .access import MANAGE, get_stage, get_task, playbook_area
from .defaults import ensure_stages
from .forms_tasks import TaskForm
from .models import Task
from .progress import TaskState, progress, state


@dataclass(frozen=True)
class TaskRow:
    state: TaskState
    link: str | None
    link_label: str


def _quoted(title: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{title}\N{RIGHT SINGLE QUOTATION MARK}"


def _anchor(task: Task) -> str:
    return f"{reverse('playbook:progress')}#task-{task.public_id}"


@never_cache
@require_http_methods(["GET"])
@require_capability(MANAGE)
def progress_page(request: HttpRequest) -> HttpResponse:
    area = playbook_area(request)
    found = progress(area)
    stages = [
        (
            stage,
            [
                TaskRow(
                    task_state,
                    links.evidence_url(task_state.task, area),
                    links.evidence_label(task_state.task),
                )
                for task_state in stage.tasks
            ],
        )
        for stage in found.stages
    ]
    return render(
        request,
        "playbook/progress.html",
        {"area": area, "progress": found, "stages": stages},
    )


@never_cache
@require_POST
@require_capability(MANAGE)
def use_blueprint(request: HttpRequest) -> HttpResponse:
    """Give the area the blueprint's stages and tasks (only if it has none)."""
    area = playbook_area(request)
    made = ensure_stages(area)
    if made:
        audit.record(
            request,
            "playbook.task_added",
            area=area,
            detail={"from": "the blueprint", "tasks": made},
        )
        messages.success(request, f"The playbook is ready: {made} tasks in 4 stages.")
    else:
        messages.info(request, "The playbook already has its stages: nothing was changed.")
    return redirect("playbook:progress")


def _state(task: Task) -> TaskState:
    found = rules.counts(task.stage.area, [task.rule])
    return state(task, found, timezone.localdate())


def _task_page(
    request: HttpRequest, task: Task, form: TaskForm, *, stale: str = ""
) -> HttpResponse:
    area = playbook_area(request)
    return render(
        request,
        "playbook/task_form.html",
        {
            "area": area,
            "task": task,
            "stage": task.stage,
            "form": form,
            "stale": stale,
            "state": _state(task),
            "link": links.evidence_url(task, area),
            "link_label": links.evidence_label(task),
        },
        status=200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def task_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A task: what the platform says of it, marking it done, and changing it."""
    task = get_task(request, public_id)
    area = playbook_area(request)
    # The form changes its own copy as it validates: `task` stays as saved, for the page.
    form = TaskForm(posted(request), instance=Task.objects.get(pk=task.pk), area=area)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_update_task(
                request,
                form.save(commit=False),
                form.changed_data,
                seen_version=form.cleaned_data["version"] or 0,
            )
        except actions.StaleTask as problem:
            # Keep what they typed, now against the version saved meanwhile: saving again
            # is their decision, with what is saved now shown above it.
            task = get_task(request, public_id)
            data = request.POST.copy()
            data["version"] = str(task.version)
            fresh = TaskForm(data, instance=Task.objects.get(pk=task.pk), area=area)
            fresh.is_valid()
            return _task_page(request, task, fresh, stale=str(problem))
        messages.success(
            request,
            f"The task {_quoted(saved.title)} is saved.",
        )
        return redirect(_anchor(saved))
    return _task_page(request, task, form)


@never_cache
@require_POST
@require_capability(MANAGE)
def task_done(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Mark a task done by hand today (done=yes), or not done (done=no)."""
    task = get_task(request, public_id)
    answer = request.POST.get("done", "")
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = -1
    if answer not in ("yes", "no") or seen < 0:
        return HttpResponseBadRequest("Mark the task done or not done from its page.")
    try:
        saved = actions.do_mark_done(request, task, done=answer == "yes", seen_version=seen)
    except actions.StaleTask as problem:
        messages.error(request, str(problem))
        return redirect("playbook:task", public_id=task.public_id)
    if saved.done_on:
        messages.success(
            request,
            f"{_quoted(saved.title)} is marked done.",
        )
    else:
        messages.success(
            request,
            f"{_quoted(saved.title)} is no longer marked done.",
        )
    return redirect("playbook:task", public_id=task.public_id)


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def task_add(request: HttpRequest, code: str) -> HttpResponse:
    stage = get_stage(request, code)
    area = playbook_area(request)
    form = TaskForm(posted(request), instance=Task(stage=stage), area=area)
    if request.method == "POST" and form.is_valid():
        saved = actions.do_add_task(request, stage, form.save(commit=False))
        messages.success(
            request,
            f"The task {_quoted(saved.title)} is added to {stage.title}.",
        )
        return redirect(_anchor(saved))
    return render(
        request,
        "playbook/task_add.html",
        {"area": area, "stage": stage, "form": form},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def task_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    task = get_task(request, public_id)
    if request.method == "POST":
        actions.do_delete_task(request, task)
        messages.success(
            request,
            f"The task {_quoted(task.title)} is deleted.",
        )
        return redirect(f"{reverse('playbook:progress')}#stage-{task.stage.code}")
    return render(
        request,
        "playbook/task_delete.html",
        {"area": playbook_area(request), "task": task, "stage": task.stage},
    )
