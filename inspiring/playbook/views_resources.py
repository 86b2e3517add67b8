"""Training and resources: the area's resources and the shared ones, read by anyone in
the area's team (any role); added, changed and deleted by the area's coordinators (and
shared ones by site administrators); who completed which training, kept by the
coordinators (Capability.MANAGE_PLAYBOOK). Every change is audited (resources.do_…)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from inspiring.accounts.access import require_capability, staff_context, working_area
from lib.http import posted
from lib.text import render_markdown

from . import access, resources
from .forms_resources import AudienceFilter, ResourceForm, TrainingRecordForm
from .models import Resource, TrainingRecord

MANAGE = access.MANAGE
View = TypeVar("View", bound=Callable[..., HttpResponse])


def require_team(view: View) -> View:
    """Anyone working in an area (any role) may read its resources: every staff role
    holds a capability somewhere, but not one held in the working area by every role,
    so the check is the working area itself (chosen first, if several)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = staff_context(request)
        if context.needs_area_choice:
            url = reverse("accounts:choose_area")
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        if context.area is None:
            raise PermissionDenied("You are not in an area's team.")
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


def _can_manage(request: HttpRequest) -> bool:
    return staff_context(request).can(MANAGE)


def _can_edit(request: HttpRequest, item: Resource) -> bool:
    context = staff_context(request)
    if item.area_id is None:
        return context.is_site_admin
    return context.can(MANAGE)


@never_cache
@require_GET
@require_team
def resource_list(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    chosen = AudienceFilter(request.GET)
    audience = chosen.cleaned_data["audience"] if chosen.is_valid() else ""
    found = access.readable_resources(request).defer("file", "body").select_related("area")
    total = found.count()
    if audience:
        found = found.filter(audience=audience)
    groups = [
        (value, label, [item for item in found if item.audience == value])
        for value, label in Resource.Audience.choices
    ]
    return render(
        request,
        "playbook/resources.html",
        {
            "area": area,
            "filter": chosen,
            "audience": audience,
            "groups": [g for g in groups if g[2]],
            "total": total,
            "can_manage": _can_manage(request),
        },
        status=200 if chosen.is_valid() else 400,
    )


@never_cache
@require_GET
@require_team
def resource_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_resource(request, public_id)
    area = working_area(request)
    completed = None
    if item.is_training and _can_manage(request):
        completed = TrainingRecord.objects.filter(area=area, resource=item).count()
    return render(
        request,
        "playbook/resource.html",
        {
            "area": area,
            "resource": item,
            "page": render_markdown(item.body) if item.body else "",
            "can_edit": _can_edit(request, item),
            "completed": completed,
        },
    )


@never_cache
@require_GET
@require_team
def resource_file(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_resource(request, public_id)
    if not item.file_name or item.file is None:
        raise Http404("This resource has no file")
    response = HttpResponse(bytes(item.file), content_type=item.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{resources.safe_file_name(item.file_name)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(item.file))
    return response


def _form_page(
    request: HttpRequest, form: ResourceForm, item: Resource | None, stale: str = ""
) -> HttpResponse:
    return render(
        request,
        "playbook/resource_form.html",
        {"form": form, "resource": item, "stale": stale, "area": working_area(request)},
    )


def _place(request: HttpRequest, form: ResourceForm, item: Resource) -> None:
    """Shared with every area (site administrators' choice) or kept to the working area."""
    if "shared" in form.fields:
        item.area = None if form.cleaned_data.get("shared") else working_area(request)


@never_cache
@require_capability(MANAGE)
def resource_add(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    form = ResourceForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        instance=Resource(area=area),
        site_admin=staff_context(request).is_site_admin,
    )
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        _place(request, form, item)
        resources.do_create_resource(request, item, upload=form.checked)
        messages.success(request, f"{item.title} is saved.")
        return redirect("playbook:resource", public_id=item.public_id)
    return _form_page(request, form, None)


@never_cache
@require_capability(MANAGE)
def resource_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_resource(request, public_id, edit=True)
    site_admin = staff_context(request).is_site_admin
    files = request.FILES if request.method == "POST" else None
    # The form changes its own copy as it validates: `item` stays as saved, for the page.
    form = ResourceForm(
        posted(request),
        files,
        instance=Resource.objects.get(pk=item.pk),
        site_admin=site_admin,
    )
    stale = ""
    if request.method == "POST" and form.is_valid():
        changed = form.save(commit=False)
        _place(request, form, changed)
        try:
            saved = resources.do_update_resource(
                request,
                changed,
                form.changed_data,
                seen_version=form.cleaned_data["version"] or 0,
                upload=form.checked,
                remove_file=bool(form.cleaned_data.get("remove_file")),
            )
        except resources.StaleResource as problem:
            # Keep what they typed, now against the version saved meanwhile.
            item = access.get_resource(request, public_id, edit=True)
            data = request.POST.copy()
            data["version"] = str(item.version)
            form = ResourceForm(
                data, None, instance=Resource.objects.get(pk=item.pk), site_admin=site_admin
            )
            stale = str(problem)
        else:
            messages.success(request, f"{saved.title} is saved.")
            return redirect("playbook:resource", public_id=saved.public_id)
    return _form_page(request, form, item, stale)


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def resource_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = access.get_resource(request, public_id, edit=True)
    error = ""
    if request.method == "POST":
        try:
            resources.do_delete_resource(request, item)
        except resources.ResourceInUse as problem:
            error = str(problem)
        else:
            messages.success(request, f"{item.title} is deleted.")
            return redirect("playbook:resources")
    completed = TrainingRecord.objects.filter(resource=item).count()
    return render(
        request,
        "playbook/resource_delete.html",
        {"resource": item, "area": working_area(request), "error": error, "completed": completed},
        status=409 if error else 200,
    )


# --- Training records -----------------------------------------------------------------


@never_cache
@require_GET
@require_capability(MANAGE)
def training(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    courses = list(resources.trainings(area))
    records = list(
        access.training_records_for(request)
        .select_related("resource", "person")
        .order_by("resource__title", "-completed_on", "pk")
    )
    by_course = [
        (course, [(r, resources.person_label(r)) for r in records if r.resource_id == course.pk])
        for course in courses
    ]
    return render(
        request,
        "playbook/training.html",
        {
            "area": area,
            "by_course": by_course,
            "total": len(records),
        },
    )


@never_cache
@require_capability(MANAGE)
def training_add(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    initial: dict[str, Any] = {}
    try:
        wanted = uuid.UUID(request.GET.get("training", ""))
    except ValueError:
        pass  # none asked for, or a malformed id: nothing preselected
    else:
        initial["resource"] = resources.trainings(area).filter(public_id=wanted).first()
    form = TrainingRecordForm(
        posted(request), instance=TrainingRecord(area=area), area=area, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        record = resources.do_record_training(request, form.save(commit=False))
        messages.success(
            request,
            f"{resources.person_label(record)} completed {record.resource.title}: recorded.",
        )
        return redirect("playbook:training")
    return render(request, "playbook/training_form.html", {"form": form, "area": area})


@never_cache
@require_http_methods(["GET", "POST"])
@require_capability(MANAGE)
def training_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    record = access.get_training_record(request, public_id)
    if request.method == "POST":
        resources.do_delete_training(request, record)
        messages.success(
            request,
            f"The record of {resources.person_label(record)} completing "
            f"{record.resource.title} is deleted.",
        )
        return redirect("playbook:training")
    return render(
        request,
        "playbook/training_delete.html",
        {"record": record, "name": resources.person_label(record), "area": working_area(request)},
    )
