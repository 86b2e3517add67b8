"""Safeguarding concerns: only the area's designated lead and whoever raised a concern see
it (anyone else gets 404), the lead is emailed a link with nothing about the person, and
every raise, view and handling is audited."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, Membership, User
from inspiring.accounts.roles import Role
from inspiring.casework.models import Connection, SafeguardingConcern, SafeguardingLead
from inspiring.directory.models import Activity
from tests.conftest import sign_in
from tests.directory.builders import activity
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

TEXT = "Mary said her nephew takes her pension and she is frightened of him."


@dataclass
class Team:
    lead: User  # Sam, a link worker named as the safeguarding lead
    other_worker: User  # Olga, another link worker of Ashfield


def _member(email: str, name: str, personas: Personas, role: str = Role.LINK_WORKER) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    Membership.objects.create(user=user, area=personas.ashfield, role=role)
    return user


@pytest.fixture
def team(personas: Personas) -> Team:
    return Team(
        lead=_member("sam@ashfield.test", "Sam Lead", personas),
        other_worker=_member("olga@ashfield.test", "Olga Other", personas),
    )


def _name_lead(browser: Browser, personas: Personas, user: User) -> None:
    sign_in(browser, personas.coordinator, area=personas.ashfield)
    membership = Membership.objects.get(user=user, area=personas.ashfield)
    response = browser.post(reverse("casework:safeguarding_lead"), {"lead": membership.public_id})
    assert response.status_code == 302


def _connection(
    casework: Casework, level: str = "introduction", activity: Activity | None = None
) -> Connection:
    return Connection.objects.create(
        client=casework.mary,
        activity=activity or casework.walk,
        level=level,
        share_consent=level != "signpost",
        shared_note="Mary, a little nervous" if level != "signpost" else "",
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
    )


def _status(user: User, url: str, personas: Personas) -> int:
    browser = Browser()
    area = personas.mansfield if user == personas.mansfield_coordinator else personas.ashfield
    sign_in(browser, user, area=area)
    return browser.get(url).status_code


def test_a_link_worker_raises_a_concern_that_only_they_and_the_lead_see(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    _name_lead(client, personas, team.lead)
    assert SafeguardingLead.objects.get(area=personas.ashfield).user == team.lead
    assert AuditEntry.objects.filter(action="safeguarding.lead_named").exists()

    sign_in(client, personas.link_worker, area=personas.ashfield)
    mary = casework.mary
    page = client.get(mary.get_absolute_url()).content.decode()
    url = reverse("casework:raise_concern", args=[mary.public_id])
    assert url in page
    assert "Sam Lead" in client.get(url).content.decode()
    response = client.post(url, {"concern": TEXT})
    concern = SafeguardingConcern.objects.get()
    concern_url = reverse("casework:concern", args=[concern.public_id])
    assert response.status_code == 302 and response["Location"] == concern_url
    assert concern.raised_by == personas.link_worker and concern.client == mary

    # The lead is emailed a link, and nothing about the person or the concern.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["sam@ashfield.test"]
    assert concern_url in email.body
    for secret in ("Mary", "Jones", "nephew", "pension", "9434765919", "NG17"):
        assert secret not in email.body and secret not in email.subject
    assert AuditEntry.objects.filter(
        action="safeguarding.raised", object_id=str(mary.public_id)
    ).exists()

    # Who sees it: the raiser and the lead; everyone else 404 (or 403 without the role).
    expected = {
        personas.link_worker: 200,
        team.lead: 200,
        team.other_worker: 404,
        personas.coordinator: 404,  # a coordinator who is not the lead
        personas.partner_lead: 404,
        personas.mansfield_coordinator: 404,
        personas.researcher: 403,
        personas.commissioner: 403,
    }
    for user, status in expected.items():
        assert _status(user, concern_url, personas) == status, user.email
    views = AuditEntry.objects.filter(action="safeguarding.viewed", object_id=str(mary.public_id))
    assert {entry.actor for entry in views} == {personas.link_worker, team.lead}

    # The lists: the lead's holds every concern; others' only what they raised.
    for user, shown in (
        (team.lead, True),
        (personas.link_worker, True),
        (team.other_worker, False),
        (personas.coordinator, False),
    ):
        browser = Browser()
        sign_in(browser, user, area=personas.ashfield)
        body = browser.get(reverse("casework:safeguarding")).content.decode()
        assert (concern_url in body) is shown, user.email


def test_the_lead_records_the_handling_and_the_raiser_sees_only_that_it_is_handled(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead)
    concern = SafeguardingConcern.objects.create(
        client=casework.mary, concern=TEXT, raised_by=personas.link_worker
    )
    url = reverse("casework:concern", args=[concern.public_id])
    sign_in(client, team.lead, area=personas.ashfield)
    page = client.get(url).content.decode()
    assert "nephew" in page and "Liam Walsh" in page and "Mary Jones" in page

    refused = client.post(url, {"status": "", "handling": " "})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "Select whether the concern is handled" in body
    assert "Enter what was done" in body
    concern.refresh_from_db()
    assert concern.status == "open" and concern.handling == ""

    assert (
        client.post(url, {"status": "open", "handling": "Rang adult social care."}).status_code
        == 302
    )
    response = client.post(url, {"status": "handled", "handling": "Referred to the council."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "handled" and concern.handled_by == team.lead
    assert concern.handled_at is not None
    # Each entry is kept, dated and signed.
    assert "Rang adult social care." in concern.handling
    assert "Referred to the council." in concern.handling
    assert concern.handling.count("Sam Lead") == 2
    assert (
        AuditEntry.objects.filter(
            action="safeguarding.handled", object_id=str(casework.mary.public_id)
        ).count()
        == 2
    )

    # The raiser follows it, but not the lead's notes; and cannot record handling.
    sign_in(client, personas.link_worker, area=personas.ashfield)
    page = client.get(url).content.decode()
    assert "Handled" in page and "nephew" in page
    assert "council" not in page
    client.post(url, {"status": "open", "handling": "Overwritten?"})
    concern.refresh_from_db()
    assert concern.status == "handled" and "Overwritten" not in concern.handling


def test_a_partner_lead_raises_a_concern_from_a_connection_they_see(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead)
    connection = _connection(casework)
    # (Another activity: one open connection per client and activity.)
    other_walk = activity(casework.walk.organisation, "Nordic walk", at=casework.walk.venue)
    signpost = _connection(casework, level="signpost", activity=other_walk)
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    start = client.get(reverse("casework:safeguarding_partner")).content.decode()
    url = reverse("casework:raise_concern_connection", args=[connection.public_id])
    assert url in start and "Mary" in start and "Jones" not in start
    page = client.get(url).content.decode()
    assert "Health walk" in page and "Jones" not in page
    # Not a connection they may see: nothing to raise it on.
    signpost_url = reverse("casework:raise_concern_connection", args=[signpost.public_id])
    assert client.get(signpost_url).status_code == 404
    # Nor a client's page.
    assert (
        client.get(reverse("casework:raise_concern", args=[casework.mary.public_id])).status_code
        == 403
    )

    response = client.post(url, {"concern": "She seemed very confused and had no coat."})
    concern = SafeguardingConcern.objects.get()
    concern_url = reverse("casework:concern", args=[concern.public_id])
    assert response["Location"] == concern_url
    assert concern.raised_by == personas.partner_lead
    raised = AuditEntry.objects.get(action="safeguarding.raised")
    assert raised.detail["connection"] == str(connection.public_id)
    page = client.get(concern_url).content.decode()
    assert "no coat" in page and "Jones" not in page
    assert mail.outbox[0].to == ["sam@ashfield.test"]

    assert _status(team.lead, concern_url, personas) == 200
    assert _status(personas.link_worker, concern_url, personas) == 404  # Mary's own worker
    assert _status(personas.coordinator, concern_url, personas) == 404


def test_with_no_lead_named_the_coordinators_are_asked_to_name_one(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    response = client.post(
        reverse("casework:raise_concern", args=[casework.mary.public_id]),
        {"concern": TEXT},
        follow=True,
    )
    assert "nobody is named as the safeguarding lead" in response.content.decode()
    assert SafeguardingConcern.objects.count() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["chloe@ashfield.test"]
    assert reverse("casework:safeguarding_lead") in email.body
    assert "Mary" not in email.body and "nephew" not in email.body


def test_bad_input_saves_nothing(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    refused = client.post(
        reverse("casework:raise_concern", args=[casework.mary.public_id]), {"concern": "  "}
    )
    assert refused.status_code == 200
    assert "Describe what you are worried about" in refused.content.decode()
    assert not SafeguardingConcern.objects.exists() and not mail.outbox

    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("casework:safeguarding_lead")
    page = client.get(url).content.decode()
    assert "Sam Lead" in page and "Priya Patel" not in page  # partner leads are not offered
    assert "Select who is the safeguarding lead" in client.post(url, {}).content.decode()
    other_area = Membership.objects.get(user=personas.mansfield_coordinator)
    priya = Membership.objects.get(user=personas.partner_lead)
    for membership in (other_area, priya):
        refused = client.post(url, {"lead": membership.public_id})
        assert refused.status_code == 200
        assert "Select a link worker or coordinator of this programme" in refused.content.decode()
    assert not SafeguardingLead.objects.exists()

    # Only coordinators name the lead.
    sign_in(client, personas.link_worker, area=personas.ashfield)
    assert client.get(url).status_code == 403
