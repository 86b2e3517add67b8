"""OpenActive: the RPDE feeds and the dataset page that describes them (public)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from inspiring.directory.models import Activity, Session

from . import activity_list, openactive
from .api import ApiError, json_response, open_endpoint
from .oruk import absolute


@open_endpoint
def feed(request: HttpRequest, feed: str) -> HttpResponse:
    if feed not in openactive.FEEDS:
        raise ApiError(f"There is no feed called {feed}", status=404)
    try:
        position = openactive.Position.parse(
            request.GET.get("afterTimestamp", "").strip(), request.GET.get("afterId", "").strip()
        )
    except openactive.RpdeError as problem:
        raise ApiError(str(problem)) from None
    data = openactive.page(feed, position)
    response = json_response(data)
    # RPDE: the last page is polled for changes, so it is cached briefly; the rest are stable.
    response["Cache-Control"] = "public, max-age=8" if not data["items"] else "public, max-age=3600"
    return response


def dataset(request: HttpRequest) -> dict[str, Any]:
    """The schema.org Dataset (with OpenActive's distribution list) for the dataset page."""
    distribution = [
        {
            "@type": "DataDownload",
            "name": kind,
            "additionalType": f"https://openactive.io/{kind}",
            "encodingFormat": "application/vnd.openactive.rpde+json; version=1",
            "contentUrl": absolute(reverse("opendata:openactive_feed", kwargs={"feed": feed})),
            "identifier": kind,
        }
        for feed, kind in openactive.FEEDS.items()
    ]
    return {
        "@context": ["https://schema.org/", "https://openactive.io/"],
        "@type": "Dataset",
        "@id": absolute(reverse("opendata:openactive_dataset")),
        "url": absolute(reverse("opendata:openactive_dataset")),
        "name": "Inspiring activities",
        "description": "Community activities in Nottinghamshire (arts, sport, culture and "
        "community groups) that social prescribing link workers connect people to.",
        "keywords": ["social prescribing", "community activities", "Nottinghamshire"],
        "license": openactive.LICENSE,
        "inLanguage": ["en-GB"],
        "schemaVersion": "https://openactive.io/modelling-opportunity-data/2.0/",
        "dateModified": timezone.now().isoformat(timespec="seconds"),
        "publisher": {"@type": "Organization", "name": "Inspiring", "url": absolute("/")},
        "distribution": distribution,
        # Dataset API Discovery: where other sites book places (openbooking.py).
        "accessService": {
            "@type": "WebAPI",
            "name": "Open Booking API",
            "description": "Book free places at sessions of activities that anyone can "
            "book online, with the group's approval where it asks for it. Booking "
            "partners need a key: ask the site's operators.",
            "documentation": "https://permalink.openactive.io/dataset-site/open-booking-api-documentation",
            "conformsTo": ["https://openactive.io/open-booking-api/EditorsDraft/"],
            "endpointURL": absolute(reverse("opendata:openbooking_base")),
            "landingPage": absolute(reverse("opendata:openactive_dataset")),
        },
    }


def _series_count() -> int:
    """Published activities that are OpenActive opportunities (those on its activity list)."""
    slugs: dict[int, list[str]] = {}
    links = Activity.categories.through.objects.filter(activity__in=Activity.objects.published())
    for activity_id, slug in links.values_list("activity_id", "category__slug"):
        slugs.setdefault(activity_id, []).append(slug)
    return sum(
        1
        for pk, title in Activity.objects.published().values_list("pk", "title")
        if activity_list.concepts_for(title, slugs.get(pk, []))
    )


@login_not_required
@require_GET
def dataset_page(request: HttpRequest) -> HttpResponse:
    data = dataset(request)
    # JSON-LD in the page; "<", ">" and "&" escaped so the data cannot close the script.
    json_ld = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": data,
            "json_ld": json_ld,
            "series_count": _series_count(),
            "session_count": Session.objects.upcoming().count(),
            "oruk_url": reverse("opendata:oruk_index"),
        },
    )
