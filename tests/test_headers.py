"""Response headers: nothing personal is cached, and unused browser features are off."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.middleware import PrivateResponseMiddleware
from inspiring.accounts.privacy import mark_personal, shows_personal_data
from inspiring.casework.models import Client, RegisterLink
from inspiring.directory.models import Session
from inspiring.ui.middleware import permissions_policy
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def cache_control(response: HttpResponseBase) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


def assert_private(response: HttpResponseBase, url: str) -> None:
    directives = cache_control(response)
    assert {"private", "no-store"} <= directives, (url, response.get("Cache-Control"))
    assert "public" not in directives, url
    assert "Cookie" in response.get("Vary", ""), url


@pytest.fixture
def mary(personas: Personas) -> Client:
    return make_client(personas.ashfield, "Mary", "Jones", worker=personas.link_worker)


def test_every_page_with_clients_on_it_is_private_and_never_stored(
    personas: Personas, mary: Client
) -> None:
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    coordinator = sign_in(Browser(), personas.coordinator, area=personas.ashfield)
    partner = sign_in(Browser(), personas.partner_lead, area=personas.ashfield)
    pages = [
        (worker, reverse("casework:client", args=[mary.public_id])),
        (worker, reverse("casework:details", args=[mary.public_id])),
        (worker, reverse("casework:plan_pdf", args=[mary.public_id])),
        (worker, reverse("casework:message_back_pdf", args=[mary.public_id])),
        (worker, reverse("casework:message_back_json", args=[mary.public_id])),
        (worker, reverse("casework:caseload")),
        (worker, reverse("casework:triage")),
        (coordinator, reverse("casework:safeguarding")),
        (coordinator, reverse("accounts:audit")),
        (coordinator, reverse("accounts:team")),
        (partner, reverse("casework:partner_connections")),
        (partner, reverse("casework:partner_sessions")),
    ]
    for browser, url in pages:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_private(response, url)


def test_a_public_page_seen_by_someone_signed_in_is_private_too(personas: Personas) -> None:
    # The header names who is signed in.
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    url = reverse("directory:whats_on", args=[personas.ashfield.slug])
    response = worker.get(url)
    assert response.status_code == 200
    assert_private(response, url)


def test_public_pages_for_anonymous_visitors_stay_cacheable(
    client: Browser, personas: Personas
) -> None:
    for url in (
        reverse("directory:whats_on", args=[personas.ashfield.slug]),
        reverse("areas:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in cache_control(response), url
        assert "private" not in cache_control(response), url


def test_the_emailed_register_link_is_never_stored(client: Browser, personas: Personas) -> None:
    group = organisation(personas.ashfield, "Kirkby Walking Group", email="walks@example.org")
    walk = activity(group, "Health walk", at=venue(group, "Kirkby Hall", "NG17 7AE"))
    weekly(walk, "TU", time(10), time(11), from_date=timezone.localdate())
    yesterday = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(yesterday, time(10)))
    session = Session(activity=walk, occurrence_date=yesterday)
    session.set_times(start, start + timedelta(hours=1))
    session.save()
    link = RegisterLink.objects.create(
        session=session, email="walks@example.org", expires_at=start + timedelta(days=3)
    )
    url = reverse("casework:group_register", args=[link.token])
    response = client.get(url)
    assert response.status_code == 200
    assert_private(response, url)


def _respond(request: HttpRequest) -> HttpResponse:
    return HttpResponse("First names and notes")


def _through_middleware(view: object, request: HttpRequest) -> HttpResponse:
    request.user = AnonymousUser()
    return PrivateResponseMiddleware(view)(request)  # type: ignore[arg-type]


def test_a_view_marked_personal_is_private_for_anonymous_visitors_too() -> None:
    factory = RequestFactory()
    assert "no-store" not in cache_control(_through_middleware(_respond, factory.get("/")))
    assert_private(
        _through_middleware(shows_personal_data(_respond), factory.get("/")), "decorated"
    )

    def access_helper_marks(request: HttpRequest) -> HttpResponse:
        mark_personal(request)  # what an access helper does when it hands out a record
        return _respond(request)

    assert_private(_through_middleware(access_helper_marks, factory.get("/")), "marked")


def test_a_public_max_age_does_not_survive_for_a_signed_in_user(personas: Personas) -> None:
    # The open data API says "public, max-age=60": not for a response to a signed-in user.
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    response = worker.get("/api/openreferral/services")
    assert response.status_code == 200
    assert_private(response, "api")


def test_every_response_refuses_the_browser_features_the_site_never_uses(
    client: Browser, personas: Personas
) -> None:
    responses = [
        client.get(reverse("areas:index")),
        client.get(reverse("accounts:login")),
        client.get("/no-such-page/"),
        sign_in(Browser(), personas.link_worker, area=personas.ashfield).get(
            reverse("casework:caseload")
        ),
    ]
    for response in responses:
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial"):
            assert f"{feature}=()" in policy, (feature, policy)
        assert "browsing-topics=()" in policy


def test_the_permissions_policy_header_syntax() -> None:
    assert (
        permissions_policy({"camera": [], "geolocation": ["self"], "fullscreen": ["self", '"x"']})
        == 'camera=(), geolocation=(self), fullscreen=(self "x")'
    )
