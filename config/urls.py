"""URL configuration.

Every view requires a signed-in user (LoginRequiredMiddleware) unless it is
marked @login_not_required; tests/test_url_access.py walks this configuration
to prove it. Area pages come last: /<area-slug>/ matches any unclaimed first
segment (inspiring.areas.models.RESERVED_SLUGS keeps areas off the others).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.http import urlencode

from inspiring.ops import views as ops_views
from inspiring.ui import views as ui_views

admin.site.site_header = "Inspiring site administration"
admin.site.site_title = "Inspiring"


@login_not_required
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The admin site signs in through the same page (and two-factor check) as everyone."""
    next_url = request.GET.get("next", "/admin/")
    return redirect(f"/accounts/sign-in/?{urlencode({'next': next_url})}")


handler403 = "inspiring.ui.views.permission_denied"
handler404 = "inspiring.ui.views.page_not_found"
handler500 = "inspiring.ui.views.server_error"

urlpatterns = [
    path("health/", ui_views.health, name="health"),
    path("health/ready/", ops_views.ready, name="ready"),
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
    path("", include("inspiring.accounts.urls")),
    path("", include("inspiring.directory.urls")),
    path("", include("inspiring.feeds.urls")),
    path("", include("inspiring.bookings.urls")),
    path("", include("inspiring.opendata.urls")),
    path("", include("inspiring.casework.urls")),
    path("", include("inspiring.matching.urls")),
    path("", include("inspiring.measures.urls")),
    path("", include("inspiring.surveys.urls")),
    path("", include("inspiring.evaluation.urls")),
    path("", include("inspiring.monitoring.urls")),
    path("", include("inspiring.playbook.urls")),
    path("", include("inspiring.areas.urls")),
]
