"""Suggestions on the case page, one-click proposals, the command, the gaps view and the
barrier table, with their access rules."""

from __future__ import annotations

import json
from datetime import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Assessment, Client, Connection
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Category, SupportFeature
from inspiring.matching.models import BarrierRule
from tests.casework.conftest import Casework, make_client
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.directory.conftest import TODAY
from tests.directory.conftest import directory as directory  # the directory fixture
from tests.directory.conftest import frozen_today as frozen_today  # the fixed clock
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def assess(client: Client, **values: Any) -> Assessment:
    interests = values.pop("interests", ())
    assessment = Assessment.objects.create(
        client=client,
        what_matters="Company",
        assessed_on=timezone.localdate(),
        **values,
    )
    assessment.interests.set(Category.objects.filter(slug__in=interests))
    return assessment


@pytest.fixture
def choir(casework: Casework, personas: Personas) -> Any:
    singers = organisation(personas.ashfield, "Kirkby Singers")
    hall = venue(singers, "Kirkby Methodist Hall", "NG17 7AE")
    item = activity(singers, "Community choir", at=hall, features=("come-alone-welcome",))
    item.categories.set(Category.objects.filter(slug="music"))
    weekly(item, "TH", time(14), time(15), from_date=timezone.localdate())
    materialise_all()
    return item


def test_suggestions_with_reasons_and_one_click_to_propose(
    client: Browser, personas: Personas, casework: Casework, choir: Any
) -> None:
    assess(casework.mary, barriers=["anxiety"], interests=["music"], max_travel_miles=3)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("matching:suggestions", args=[casework.mary.public_id])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Community choir") < html.index("Health walk")
    assert "&#x27;come alone welcome&#x27; helps with anxiety or low confidence" in html
    assert AuditEntry.objects.filter(
        action="suggestions.viewed", object_id=str(casework.mary.public_id)
    ).exists()
    response = client.post(
        reverse("matching:propose", args=[casework.mary.public_id]),
        {"activity": str(choir.public_id), "query": "only_free=on"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?only_free=on")
    connection = Connection.objects.get(client=casework.mary)
    assert (connection.activity, connection.status, connection.level) == (
        choir,
        "suggested",
        "signpost",
    )
    # Proposing again does nothing new; an activity of nowhere is ignored.
    client.post(
        reverse("matching:propose", args=[casework.mary.public_id]),
        {"activity": [str(choir.public_id), "not-a-uuid", "00000000-0000-0000-0000-000000000000"]},
    )
    assert Connection.objects.filter(client=casework.mary).count() == 1
    assert "Already connected" in client.get(url).content.decode()
    # Agreed on the call: straight onto the client's plan.
    client.post(
        reverse("matching:propose", args=[casework.mary.public_id]),
        {"activity": str(casework.walk.public_id), "agreed": "1"},
    )
    walk = Connection.objects.get(client=casework.mary, activity=casework.walk)
    assert walk.status == "agreed"
    plan = client.get(reverse("casework:plan", args=[casework.mary.public_id])).content.decode()
    assert "Health walk" in plan and "Community choir" not in plan


def test_refining_narrows_and_an_empty_result_says_what_to_do(
    client: Browser, personas: Personas, casework: Casework, choir: Any
) -> None:
    assess(casework.mary)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("matching:suggestions", args=[casework.mary.public_id])
    page = client.get(url, {"days": ["TH"]}).content.decode()
    assert "Community choir" in page and "Health walk" not in page
    page = client.get(url, {"days": ["SU"]}).content.decode()
    assert "No activity fits every limit and what you narrowed it to" in page


def test_the_suggest_command_prints_what_the_link_worker_sees(
    casework: Casework, choir: Any
) -> None:
    assess(
        casework.mary,
        barriers=["anxiety"],
        interests=["music"],
        max_travel_miles=2,
        availability={"TH": ["afternoon"]},
    )
    out = StringIO()
    call_command("suggest", str(casework.mary.public_id), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["client"] == str(casework.mary.public_id)
    assert result["limits"]["max_miles"] == 2.0
    assert result["limits"]["availability"] == {"TH": ["afternoon"]}
    assert result["limits"]["age"] == casework.mary.age_on(timezone.localdate())
    assert result["limits"]["cost_barrier"] is False
    (only,) = result["suggestions"]  # the Tuesday walk is outside their week
    assert only["activity"] == str(choir.public_id)
    assert only["title"] == "Community choir"
    assert only["next_session_start"].endswith(("+00:00", "+01:00"))
    assert only["miles"] == 0.0 and only["score"] > 0
    assert "'come alone welcome' helps with anxiety or low confidence" in only["reasons"]
    assert result["week"] == [str(choir.public_id)]
    # The activity id is the one the Open Referral API uses for the service.
    service = Browser().get(f"/api/openreferral/services/{only['activity']}")
    assert service.status_code == 200
    with pytest.raises(CommandError, match="not a client id"):
        call_command("suggest", "mary")
    with pytest.raises(CommandError, match="No client has the id"):
        call_command("suggest", "00000000-0000-0000-0000-000000000000")


def test_the_barrier_table_is_the_areas_to_change(
    client: Browser, personas: Personas, casework: Casework, choir: Any
) -> None:
    assess(casework.mary, barriers=["anxiety"])
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("matching:barrier_rules")
    page = client.get(url)
    assert page.status_code == 200
    # Anxiety is answered by nothing in this area from now on.
    data: dict[str, Any] = {"cost": ["free"]}
    assert client.post(url, data).status_code == 302
    assert BarrierRule.objects.table_for(personas.ashfield.pk)["anxiety"] == frozenset()
    assert BarrierRule.objects.table_for(personas.mansfield.pk)["anxiety"]  # the defaults
    html = client.get(reverse("matching:suggestions", args=[casework.mary.public_id])).content
    assert b"helps with anxiety" not in html
    assert SupportFeature.objects.filter(code="come-alone-welcome").exists()


def test_the_gaps_view_shows_demand_beside_supply_with_small_numbers_hidden(
    client: Browser, personas: Personas, casework: Casework, choir: Any
) -> None:
    for n in range(6):
        assess(
            make_client(personas.ashfield, f"Evening{n}", "Person"),
            availability={"WE": ["evening"]},
            barriers=["transport"],
        )
    assess(casework.mary, interests=["music"])
    sign_in(client, personas.coordinator, area=personas.ashfield)
    html = client.get(reverse("matching:gaps")).content.decode()
    row = html[html.index("Wednesday evening") :][:400]
    assert ">6<" in row and "Few options" in row  # six want Wednesday evenings, none on
    music = html[html.index(">Music<") :][:400]
    assert "&lt;5" in music  # one client: suppressed


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("matching:suggestions", {"coordinator", "link_worker"}),
        ("matching:gaps", {"coordinator"}),
        ("matching:barrier_rules", {"coordinator"}),
    ],
)
def test_who_may_use_which_page(
    name: str, allowed: set[str], personas: Personas, casework: Casework
) -> None:
    kwargs = {"public_id": casework.mary.public_id} if name.endswith("suggestions") else {}
    for role in ("coordinator", "link_worker", "partner_lead", "researcher", "commissioner"):
        browser = sign_in(Browser(), getattr(personas, role), area=personas.ashfield)
        status = browser.get(reverse(name, kwargs=kwargs)).status_code
        assert status == (200 if role in allowed else 403), (name, role)
    other = sign_in(Browser(), personas.mansfield_coordinator, area=personas.mansfield)
    if kwargs:
        assert other.get(reverse(name, kwargs=kwargs)).status_code == 404
        propose = reverse("matching:propose", kwargs=kwargs)
        assert other.post(propose, {"activity": str(casework.walk.public_id)}).status_code == 404


def test_the_gaps_view_counts_supply_as_programme_planning_does(
    client: Browser, personas: Personas, directory: Any, frozen_today: None
) -> None:
    # The directory tests' calendar: Tuesday-morning knitting (Ashfield) and the Saturday walk
    # (Mansfield, shared with Ashfield), plus a Tuesday-evening quiz: 52 a year, 1 a week.
    quiz = activity(directory.knit, "Quiz Night", at=directory.hall)
    weekly(quiz, "TU", time(19), time(21), from_date=TODAY)
    materialise_all(today=TODAY)
    for n in range(6):
        assess(
            make_client(personas.ashfield, f"Tuesday{n}", "Person"),
            availability={"TU": ["evening"], "SU": ["morning"]},
        )
    sign_in(client, personas.coordinator, area=personas.ashfield)
    planning = client.get(reverse("directory:planning")).context
    assert dict(planning["day_rows"])["Tuesday"][2] == 52
    html = client.get(reverse("matching:gaps")).content.decode()
    tuesday = html[html.index("Tuesday evening") :][:500]
    assert ">1<" in tuesday and "Nothing on" not in tuesday
    assert "Few options" in tuesday  # six people, one session a week
    sunday = html[html.index("Sunday morning") :][:500]
    assert ">0<" in sunday and "Nothing on" in sunday
    saturday = html[html.index("Saturday morning") :][:500]
    assert ">1<" in saturday  # the shared walk counts, as on planning
