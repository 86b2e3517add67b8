"""Error pages and the health check, in the site's layout."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever failed may fail again while rendering.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


@login_not_required
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Nothing else is asked (not even the database), so
    a database restart never gets a healthy web process restarted; readiness, with the
    database, migrations and heartbeats, is /health/ready/ (inspiring.ops.views)."""
    return JsonResponse({"status": "ok"})
