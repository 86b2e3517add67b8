"""Safeguarding concerns: only the area's designated lead and deputy and whoever raised a
concern see it (anyone else gets 404), the lead and deputy are emailed a link with nothing
about the person, coordinators are warned until both are named, the staff home counts
what waits (never what it says), the case page flags an open concern only to those who
may open it, and every raise, view and handling is audited."""

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
# What the concern form takes besides the text.
ANSWERS = {"category": "financial", "urgency": "24_hours", "referral_consent": "yes"}


@dataclass
class Team:
    lead: User  # Sam, a link worker named as the safeguarding lead
    other_worker: User  # Olga, another link worker of Ashfield
    deputy: User  # Dee, a link worker named as the deputy safeguarding lead


def _member(email: str, name: str, personas: Personas, role: str = Role.LINK_WORKER) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    Membership.objects.create(user=user, area=personas.ashfield, role=role)
    return user


@pytest.fixture
def team(personas: Personas) -> Team:
    return Team(
        lead=_member("sam@ashfield.test", "Sam Lead", personas),
        other_worker=_member("olga@ashfield.test", "Olga Other", personas),
        deputy=_member("dee@ashfield.test", "Dee Deputy", personas),
    )


def _membership(user: User, personas: Personas) -> str:
    return str(Membership.objects.get(user=user, area=personas.ashfield).public_id)


def _name_lead(browser: Browser, personas: Personas, user: User, deputy: User) -> None:
    sign_in(browser, personas.coordinator, area=personas.ashfield)
    response = browser.post(
        reverse("casework:safeguarding_lead"),
        {"lead": _membership(user, personas), "deputy": _membership(deputy, personas)},
    )
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
    _name_lead(client, personas, team.lead, team.deputy)
    named = SafeguardingLead.objects.get(area=personas.ashfield)
    assert named.user == team.lead and named.deputy == team.deputy
    assert AuditEntry.objects.get(action="safeguarding.lead_named").detail == {
        "lead": "sam@ashfield.test",
        "deputy": "dee@ashfield.test",
    }

    sign_in(client, personas.link_worker, area=personas.ashfield)
    mary = casework.mary
    page = client.get(mary.get_absolute_url()).content.decode()
    url = reverse("casework:raise_concern", args=[mary.public_id])
    assert url in page
    form = client.get(url).content.decode()
    assert "Sam Lead" in form and "Dee Deputy" in form
    response = client.post(url, {"concern": TEXT, **ANSWERS})
    concern = SafeguardingConcern.objects.get()
    concern_url = reverse("casework:concern", args=[concern.public_id])
    assert response.status_code == 302 and response["Location"] == concern_url
    assert concern.raised_by == personas.link_worker and concern.client == mary

    # The lead and deputy are emailed a link (how soon to act, but nothing about the
    # person or the concern), and the raiser told who has it.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["sam@ashfield.test", "dee@ashfield.test"]
    assert concern_url in email.body
    assert "within 24 hours" in email.subject
    for secret in ("Mary", "Jones", "nephew", "pension", "9434765919", "NG17", "financial"):
        assert secret not in email.body and secret not in email.subject
    said = client.get(concern_url).content.decode()
    assert (
        "Your concern is sent to Sam Lead, the safeguarding lead, and Dee Deputy, the deputy "
        "safeguarding lead." in said
    )
    assert AuditEntry.objects.filter(
        action="safeguarding.raised", object_id=str(mary.public_id)
    ).exists()

    # Who sees it: the raiser, the lead and deputy; everyone else 404 (or 403 without the
    # role).
    expected = {
        personas.link_worker: 200,
        team.lead: 200,
        team.deputy: 200,
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
    assert {entry.actor for entry in views} == {personas.link_worker, team.lead, team.deputy}

    # The lists: the lead's and deputy's hold every concern; others' only what they raised.
    for user, shown in (
        (team.lead, True),
        (team.deputy, True),
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
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead, deputy=team.deputy)
    concern = SafeguardingConcern.objects.create(
        client=casework.mary, concern=TEXT, raised_by=personas.link_worker, **ANSWERS
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
    assert "Referred to the council" not in page and "Rang adult social care" not in page
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

    response = client.post(
        url,
        {
            "concern": "She seemed very confused and had no coat.",
            "category": "self_neglect",
            "urgency": "routine",
            "referral_consent": "not_asked",
            "referral_consent_note": "I am not the right person to ask her.",
        },
    )
    concern = SafeguardingConcern.objects.get()
    concern_url = reverse("casework:concern", args=[concern.public_id])
    assert response["Location"] == concern_url
    assert concern.raised_by == personas.partner_lead
    assert concern.referral_consent_note == "I am not the right person to ask her."
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
    form = client.get(reverse("casework:raise_concern", args=[casework.mary.public_id]))
    assert "tell a coordinator about it yourself" not in form.content.decode().lower()
    response = client.post(
        reverse("casework:raise_concern", args=[casework.mary.public_id]),
        {"concern": TEXT, **ANSWERS},
        follow=True,
    )
    body = response.content.decode()
    assert "Nobody is named as the safeguarding lead yet, so the coordinators have been" in body
    assert "yourself" not in body
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
        reverse("casework:raise_concern", args=[casework.mary.public_id]),
        {"concern": "  ", **ANSWERS},
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
        refused = client.post(
            url, {"lead": membership.public_id, "deputy": _membership(team.deputy, personas)}
        )
        assert refused.status_code == 200
        assert "Select a link worker or coordinator of this programme" in refused.content.decode()
    assert not SafeguardingLead.objects.exists()

    # Only coordinators name the lead.
    sign_in(client, personas.link_worker, area=personas.ashfield)
    assert client.get(url).status_code == 403


# --- The lead and deputy: both required, coordinators warned until named --------------


def _home(user: User, personas: Personas) -> str:
    browser = sign_in(Browser(), user, area=personas.ashfield)
    response = browser.get(reverse("accounts:home"))
    assert response.status_code == 200
    return response.content.decode()


def _page(user: User, personas: Personas, url: str) -> str:
    browser = sign_in(Browser(), user, area=personas.ashfield)
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_lead_and_the_deputy_are_both_required_and_two_people(
    client: Browser, personas: Personas, team: Team
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("casework:safeguarding_lead")
    lead, deputy = _membership(team.lead, personas), _membership(team.deputy, personas)
    cases = [
        ({"lead": lead}, "Select who is the deputy safeguarding lead"),
        ({"deputy": deputy}, "Select who is the safeguarding lead"),
        (
            {"lead": lead, "deputy": lead},
            "Select someone else as the deputy: the lead and the deputy must be two people",
        ),
        (
            {"lead": lead, "deputy": _membership(personas.partner_lead, personas)},
            "Select a link worker or coordinator of this programme",
        ),
    ]
    for data, message in cases:
        refused = client.post(url, data)
        assert refused.status_code == 200, data
        body = refused.content.decode()
        assert message in body and "nhsuk-error-summary" in body, data
    assert not SafeguardingLead.objects.exists()
    assert not AuditEntry.objects.filter(action="safeguarding.lead_named").exists()

    # Named, then changed: the form shows who is named now.
    assert client.post(url, {"lead": lead, "deputy": deputy}).status_code == 302
    page = client.get(url).content.decode()
    assert f'value="{lead}" checked' in page.replace("\n", "")
    assert f'value="{deputy}" checked' in page.replace("\n", "")


WARNING = "a concern may wait with nobody to read it"


def test_coordinators_are_warned_until_a_lead_and_deputy_are_named(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    coordinator, worker = personas.coordinator, personas.link_worker
    raise_url = reverse("casework:raise_concern", args=[casework.mary.public_id])
    lists = reverse("casework:safeguarding")
    name_url = reverse("casework:safeguarding_lead")

    # Nobody named: the coordinators' home and safeguarding pages warn, with the way to name.
    assert "Name the safeguarding lead and their deputy." in _home(coordinator, personas)
    for url in (lists, raise_url):
        page = _page(coordinator, personas, url)
        assert "Name a safeguarding lead and a deputy" in page and name_url in page, url
    # A link worker is told where concerns go, without the coordinators' warning.
    assert WARNING not in _home(worker, personas)
    page = _page(worker, personas, raise_url)
    assert "Nobody is named as the safeguarding lead yet" in page
    assert "Name a safeguarding lead and a deputy" not in page

    # A lead named before deputies were required: still warned, for the deputy.
    named = SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead)
    assert "Name a deputy safeguarding lead." in _home(coordinator, personas)
    assert "No deputy is named" in _page(coordinator, personas, lists)

    # Both named: no warning anywhere.
    named.deputy = team.deputy
    named.save()
    assert WARNING not in _home(coordinator, personas)
    for url in (lists, raise_url):
        page = _page(coordinator, personas, url)
        assert "Name a safeguarding lead and a deputy" not in page, url
        assert "Sam Lead" in page and "Dee Deputy" in page, url

    # The deputy leaves the team: named, but no longer holding the clients, so warned again
    # (and concerns go to the lead alone).
    Membership.objects.filter(user=team.deputy).delete()
    assert "Name a deputy safeguarding lead." in _home(coordinator, personas)
    assert "no longer holds the programme's clients" in _page(coordinator, personas, lists)
    sign_in(client, worker, area=personas.ashfield)
    client.post(raise_url, {"concern": TEXT, **ANSWERS})
    assert mail.outbox[-1].to == ["sam@ashfield.test"]


def test_a_concern_goes_to_the_deputy_who_handles_it_while_the_lead_is_away(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead, deputy=team.deputy)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    client.post(
        reverse("casework:raise_concern", args=[casework.mary.public_id]),
        {"concern": TEXT, **ANSWERS, "urgency": "today"},
    )
    concern = SafeguardingConcern.objects.get()
    assert mail.outbox[0].to == ["sam@ashfield.test", "dee@ashfield.test"]
    assert "to act on today" in mail.outbox[0].subject
    raised = AuditEntry.objects.get(action="safeguarding.raised")
    assert raised.detail["urgency"] == "today" and "financial" not in str(raised.detail)

    url = reverse("casework:concern", args=[concern.public_id])
    sign_in(client, team.deputy, area=personas.ashfield)
    page = client.get(url).content.decode()
    assert "nephew" in page and "Financial or material abuse" in page
    response = client.post(url, {"status": "handled", "handling": "Referred to adult care."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "handled" and concern.handled_by == team.deputy


def test_waiting_concerns_are_counted_on_the_homes_without_their_content(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead, deputy=team.deputy)
    for home_of in (team.lead, team.deputy, personas.coordinator):
        assert "No concern is waiting." in _home(home_of, personas)
    for urgency in ("today", "routine"):
        SafeguardingConcern.objects.create(
            client=casework.mary,
            concern=TEXT,
            raised_by=personas.link_worker,
            **{**ANSWERS, "urgency": urgency},
        )
    handled = SafeguardingConcern.objects.create(
        client=casework.mary, concern="An old worry", raised_by=personas.link_worker
    )
    SafeguardingConcern.objects.filter(pk=handled.pk).update(status="handled")
    # Another area's concern is not counted.
    SafeguardingConcern.objects.create(
        client=casework.other_area_client, concern="Elsewhere", raised_by=None
    )

    lists = reverse("casework:safeguarding")
    for home_of in (team.lead, team.deputy, personas.coordinator):
        home = _home(home_of, personas)
        assert "2 concerns waiting, 1 marked urgent." in home, home_of.email
        assert lists in home
        for secret in ("Mary", "Jones", "nephew", "pension", "Financial", "Liam Walsh"):
            assert secret not in home, (home_of.email, secret)
    # The coordinator's list counts them too, without listing them (they raised none).
    page = _page(personas.coordinator, personas, lists)
    assert "2 concerns waiting" in page and "nephew" not in page and "Mary" not in page
    # Other link workers (the raiser included) get no count on their home.
    for home_of in (team.other_worker, personas.link_worker):
        assert "concerns waiting" not in _home(home_of, personas)
    assert "concerns waiting" not in _home(personas.partner_lead, personas)


def _raise(client: Browser, casework: Casework, **data: str) -> str:
    url = reverse("casework:raise_concern", args=[casework.mary.public_id])
    response = client.post(url, {"concern": TEXT, **data})
    assert response.status_code == 200, data
    return response.content.decode()


def test_the_kind_how_soon_and_consent_are_asked_saved_and_checked(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("casework:raise_concern", args=[casework.mary.public_id])
    page = client.get(url).content.decode()
    for label in (
        "What kind of harm are you worried about?",
        "Financial or material abuse",
        "Self-neglect",
        "Modern slavery",
        "Neglect or acts of omission",
        "How soon does the safeguarding lead need to act?",
        "Within 24 hours",
        "Did the person consent to a referral to the council&#x27;s adult safeguarding team?",
        "Not asked",
    ):
        assert label in page, label

    body = _raise(client, casework)
    for message in (
        "Select what kind of harm you are worried about",
        "Select how soon the safeguarding lead needs to act",
        "Select whether the person consented to a referral to the council&#x27;s adult "
        "safeguarding team",
    ):
        assert message in body, message
    assert TEXT in body  # what they wrote is kept on the page
    answers = {"category": "physical", "urgency": "today"}
    assert "Enter why they did not consent to a referral" in _raise(
        client, casework, **answers, referral_consent="no", referral_consent_note="  "
    )
    assert "Enter why you did not ask them" in _raise(
        client, casework, **answers, referral_consent="not_asked"
    )
    wrong = _raise(client, casework, category="bruises", urgency="never", referral_consent="maybe")
    for message in (
        "Select what kind of harm you are worried about",
        "Select how soon the safeguarding lead needs to act",
        "Select whether the person consented",
    ):
        assert message in wrong, message
    assert "must be 1,000 characters or fewer" in _raise(
        client, casework, **answers, referral_consent="no", referral_consent_note="x" * 1001
    )
    assert not SafeguardingConcern.objects.exists() and not mail.outbox

    response = client.post(
        url,
        {
            "concern": TEXT,
            **answers,
            "referral_consent": "no",
            "referral_consent_note": " She has capacity and said no. ",
        },
    )
    assert response.status_code == 302
    concern = SafeguardingConcern.objects.get()
    assert (concern.category, concern.urgency, concern.referral_consent) == (
        "physical",
        "today",
        "no",
    )
    assert concern.referral_consent_note == "She has capacity and said no."
    # "Yes" needs no reason, and any given is not kept.
    client.post(url, {"concern": TEXT, **ANSWERS, "referral_consent_note": "Stray text"})
    assert (
        SafeguardingConcern.objects.filter(referral_consent="yes").get().referral_consent_note == ""
    )
    # The raiser sees what they answered.
    page = client.get(reverse("casework:concern", args=[concern.public_id])).content.decode()
    assert "Physical abuse" in page and "She has capacity and said no." in page


FLAG = "Safeguarding concern open"


def test_the_case_page_flags_an_open_concern_only_to_those_who_may_open_it(
    client: Browser, personas: Personas, casework: Casework, team: Team
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=team.lead, deputy=team.deputy)
    mary = casework.mary
    case = mary.get_absolute_url()
    assert FLAG not in _page(personas.link_worker, personas, case)
    concern = SafeguardingConcern.objects.create(
        client=mary, concern=TEXT, raised_by=personas.link_worker, **ANSWERS
    )
    concern_url = reverse("casework:concern", args=[concern.public_id])
    for user, flagged in (
        (personas.link_worker, True),  # raised it
        (team.lead, True),
        (team.deputy, True),
        (team.other_worker, False),  # sees Mary's record, not that a concern is open
        (personas.coordinator, False),
    ):
        page = _page(user, personas, case)
        assert (FLAG in page) is flagged, user.email
        assert (concern_url in page) is flagged, user.email
        assert "nephew" not in page and "Financial" not in page, user.email
        # Opening the concern is as the flag says: 200 for them, 404 for the rest.
        assert _status(user, concern_url, personas) == (200 if flagged else 404), user.email
    # Another area's coordinator gets 404 for the case itself.
    assert _status(personas.mansfield_coordinator, case, personas) == 404
    # Handled: no flag.
    SafeguardingConcern.objects.filter(pk=concern.pk).update(status="handled")
    assert FLAG not in _page(team.lead, personas, case)
    # Reading the case page is audited as before (the flag is no read of the concern).
    assert not AuditEntry.objects.filter(
        action="safeguarding.viewed", actor=team.other_worker
    ).exists()
