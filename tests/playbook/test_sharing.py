"""Sharing across areas: the figures (residents' centres, distances, what another area
offers that this one lacks, by category and by day) on a small made-up directory; the
proposals' life (propose, accept, decline, withdraw), answered twice at once, one open
proposal a pair, and who may see and do what."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, User
from inspiring.areas.models import LSOA, Area
from inspiring.directory.materialise import materialise_all
from inspiring.playbook import rules, sharing
from inspiring.playbook.models import ShareProposal, Task
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def build(personas: Personas, today: date) -> None:
    """Ashfield: arts and crafts on Tuesdays. Mansfield: arts and crafts on Tuesdays and
    Thursdays, walking on Saturdays, a draft choir, and sessions 9 weeks away (outside
    the window). Newark and Sherwood: music on Thursdays."""
    knit = organisation(personas.ashfield, "Kirkby Knit")
    hall = venue(knit, "Kirkby Hall", "NG17 7AE")
    weekly(
        activity(knit, "Knit", at=hall, categories=("arts-and-crafts",)),
        "TU",
        time(10),
        time(12),
        from_date=today,
    )
    group = organisation(personas.mansfield, "Mansfield Makers")
    place = venue(group, "Mansfield Hall", "NG18 1AA")
    crafts = activity(group, "Crafts", at=place, categories=("arts-and-crafts",))
    weekly(crafts, "TU", time(10), time(12), from_date=today)
    weekly(crafts, "TH", time(10), time(12), from_date=today)
    weekly(
        activity(group, "Walk", at=place, categories=("walking",)),
        "SA",
        time(9),
        time(11),
        from_date=today,
    )
    weekly(
        activity(group, "Draft choir", at=place, categories=("music",), status="draft"),
        "MO",
        time(19),
        time(20),
        from_date=today,
    )
    weekly(
        activity(group, "Later gardening", at=place, categories=("gardening",)),
        "WE",
        time(10),
        time(11),
        from_date=today + timedelta(weeks=9),
    )
    choir = organisation(personas.newark, "Newark Choir")
    church = venue(choir, "Church Hall", "NG24 1AA")
    weekly(
        activity(choir, "Choir", at=church, categories=("music",)),
        "TH",
        time(19),
        time(21),
        from_date=today,
    )
    materialise_all(today=today)


# --- The figures ----------------------------------------------------------------------


def test_a_centre_is_weighted_by_residents() -> None:
    area = Area.objects.create(
        slug="madeup",
        name="Made Up",
        programme_name="Inspiring Made Up",
        local_authority_code="E07999999",
        lead_organisation="Made Up CVS",
    )
    LSOA.objects.create(
        code="E01999991",
        name="A",
        district_code="E07999999",
        latitude=53.0,
        longitude=-1.0,
        population=100,
    )
    LSOA.objects.create(
        code="E01999992",
        name="B",
        district_code="E07999999",
        latitude=54.0,
        longitude=-2.0,
        population=300,
    )
    found = sharing.centre(area)
    assert found is not None
    assert found.latitude == pytest.approx(53.75)
    assert found.longitude == pytest.approx(-1.75)
    assert found.residents == 400
    # Without populations, each neighbourhood counts the same.
    LSOA.objects.filter(district_code="E07999999").update(population=None)
    unweighted = sharing.centre(area)
    assert unweighted is not None and unweighted.latitude == pytest.approx(53.5)
    # No neighbourhoods: no centre, no distance.
    LSOA.objects.filter(district_code="E07999999").delete()
    assert sharing.centre(area) is None
    assert sharing.miles(None, unweighted) is None


def test_what_each_area_offers_over_the_next_eight_weeks(personas: Personas) -> None:
    today = date(2026, 3, 2)  # a Monday
    build(personas, today)
    offered = sharing.offers([personas.ashfield, personas.mansfield, personas.newark], today)
    assert offered[personas.ashfield.pk] == {"arts-and-crafts": {1}}
    # The draft choir and the gardening 9 weeks away are not offered.
    assert offered[personas.mansfield.pk] == {"arts-and-crafts": {1, 3}, "walking": {5}}
    assert offered[personas.newark.pk] == {"music": {3}}


def test_the_lacking_categories_and_days_nearest_area_first(personas: Personas) -> None:
    today = date(2026, 3, 2)
    build(personas, today)
    # Newark and Sherwood shares with nobody here; Mansfield shares with Ashfield.
    rows = sharing.neighbours(personas.ashfield, today)
    assert [row.area for row in rows] == [personas.mansfield, personas.newark]
    mansfield, newark = rows
    assert mansfield.miles is not None and newark.miles is not None
    assert 0 < mansfield.miles < newark.miles < 40
    assert [(lack.category.slug, lack.whole, lack.day_names) for lack in mansfield.lacks] == [
        ("walking", True, ["Saturday"]),
        ("arts-and-crafts", False, ["Thursday"]),
    ]
    assert [lack.category.slug for lack in mansfield.categories] == ["walking"]
    assert [lack.category.slug for lack in mansfield.on_other_days] == ["arts-and-crafts"]
    assert mansfield.shared and mansfield.shares_back
    assert [(lack.category.slug, lack.day_names) for lack in newark.lacks] == [
        ("music", ["Thursday"])
    ]
    assert not newark.shared and not newark.shares_back
    # From Newark and Sherwood: Mansfield is nearer than Ashfield, and both lack music.
    from_newark = sharing.neighbours(personas.newark, today)
    assert [row.area for row in from_newark] == [personas.mansfield, personas.ashfield]
    assert from_newark[1].categories[0].category.slug == "arts-and-crafts"


def test_an_area_without_neighbourhoods_comes_last(personas: Personas) -> None:
    elsewhere = Area.objects.create(
        slug="aardvark",
        name="Aardvark",
        programme_name="Inspiring Aardvark",
        local_authority_code="E07999998",
        lead_organisation="Aardvark CVS",
    )
    rows = sharing.neighbours(personas.ashfield)
    assert rows[-1].area == elsewhere and rows[-1].miles is None


def test_whole_categories_lacking_come_before_days_lacking() -> None:
    here = {"walking": {0}}
    there = {"walking": {0, 2}, "music": {4}}
    from inspiring.directory.models import Category

    categories = {c.slug: c for c in Category.objects.order_by("order", "name")}
    found = sharing.lacking(here, there, categories)
    assert [(lack.category.slug, lack.whole, lack.days) for lack in found] == [
        ("music", True, (4,)),
        ("walking", False, (2,)),
    ]
    assert sharing.lacking(there, here, categories) == []


# --- Proposals ------------------------------------------------------------------------


def request_as(user: User) -> HttpRequest:
    request = RequestFactory().post("/")
    request.user = user
    return request


def test_propose_accept_adds_sharing(client: Browser, personas: Personas) -> None:
    build(personas, timezone.localdate())
    sign_in(client, personas.coordinator)
    page = client.get(reverse("playbook:sharing")).content.decode()
    assert "Newark and Sherwood" in page and "Already shared" in page
    form = client.get(reverse("playbook:sharing_propose", args=["newark-and-sherwood"]))
    assert "Music (on Thursdays)" not in form.content.decode()
    assert 'value="music"' in form.content.decode()
    nothing = client.post(reverse("playbook:sharing_propose", args=["newark-and-sherwood"]), {})
    assert "Choose at least one kind of activity" in nothing.content.decode()
    sent = client.post(
        reverse("playbook:sharing_propose", args=["newark-and-sherwood"]),
        {"categories": ["music"], "message": "Our residents ask for a choir."},
    )
    assert sent.status_code == 302
    proposal = ShareProposal.objects.get()
    assert (proposal.asking, proposal.offering) == (personas.ashfield, personas.newark)
    assert proposal.categories == ["music"] and proposal.proposed_by == personas.coordinator
    assert AuditEntry.objects.filter(action="sharing.proposed", area=personas.ashfield).exists()
    # The proposer cannot answer their own proposal.
    mine = client.get(reverse("playbook:sharing_proposal", args=[proposal.public_id]))
    assert "Withdraw the proposal" in mine.content.decode()
    assert "Send the answer" not in mine.content.decode()
    # Newark's coordinator sees it and accepts.
    newark = User.objects.create_user("nadia@newark.test", None, full_name="Nadia Hughes")
    newark.memberships.create(area=personas.newark, role="coordinator")
    sign_in(client, newark)
    listed = client.get(reverse("playbook:sharing")).content.decode()
    assert "Asked of Newark and Sherwood" in listed and "Waiting for an answer" in listed
    shown = client.get(reverse("playbook:sharing_proposal", args=[proposal.public_id]))
    assert "Our residents ask for a choir." in shown.content.decode()
    assert "Music" in shown.content.decode()
    accepted = client.post(
        reverse("playbook:sharing_proposal", args=[proposal.public_id]),
        {"action": "answer", "decision": "accept", "answer": "", "version": "1"},
    )
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ShareProposal.Status.ACCEPTED
    assert proposal.answered_by == newark and proposal.answered_at is not None
    assert personas.newark.shares_with.filter(pk=personas.ashfield.pk).exists()
    assert AuditEntry.objects.filter(action="sharing.answered", area=personas.newark).exists()
    assert rules.count(personas.ashfield, Task.Rule.SHARING_AGREED) == 1
    assert rules.count(personas.newark, Task.Rule.SHARING_AGREED) == 1
    # Newark's activities are now in Ashfield's calendar: marked as shared.
    sign_in(client, personas.coordinator)
    row = sharing.neighbour(personas.ashfield, personas.newark)
    assert row.shared


def test_decline_needs_a_reason_and_withdraw_keeps_the_history(
    client: Browser, personas: Personas
) -> None:
    proposal = sharing.do_propose(
        request_as(personas.coordinator),
        personas.ashfield,
        personas.newark,
        categories=["music"],
        message="",
    )
    sign_in(client, personas.site_admin, area=personas.newark)
    url = reverse("playbook:sharing_proposal", args=[proposal.public_id])
    no_reason = client.post(url, {"action": "answer", "decision": "decline", "version": "1"})
    assert no_reason.status_code == 400
    assert "Say why you are declining" in no_reason.content.decode()
    declined = client.post(
        url,
        {"action": "answer", "decision": "decline", "answer": "Not this year.", "version": "1"},
    )
    assert declined.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ShareProposal.Status.DECLINED and proposal.answer == "Not this year."
    assert not personas.newark.shares_with.filter(pk=personas.ashfield.pk).exists()
    # A new proposal may follow; the proposer withdraws it while it waits.
    again = sharing.do_propose(
        request_as(personas.coordinator),
        personas.ashfield,
        personas.newark,
        categories=[],
        message="Please think again.",
    )
    sign_in(client, personas.coordinator)
    withdrawn = client.post(
        reverse("playbook:sharing_proposal", args=[again.public_id]),
        {"action": "withdraw", "version": "1"},
    )
    assert withdrawn.status_code == 302
    again.refresh_from_db()
    assert again.status == ShareProposal.Status.WITHDRAWN
    # Withdrawn again: told, nothing changes.
    twice = client.post(
        reverse("playbook:sharing_proposal", args=[again.public_id]),
        {"action": "withdraw", "version": "1"},
    )
    assert twice.status_code == 409
    assert "withdrawn by someone else" in twice.content.decode()
    # History kept: both proposals, each with its end.
    assert ShareProposal.objects.count() == 2
    page = client.get(reverse("playbook:sharing")).content.decode()
    assert "Declined" in page and "Withdrawn" in page
    assert AuditEntry.objects.filter(action="sharing.withdrawn").count() == 1


def test_a_proposal_answered_twice_at_once_one_wins_and_the_other_is_told(
    client: Browser, personas: Personas
) -> None:
    proposal = ShareProposal.objects.create(asking=personas.newark, offering=personas.ashfield)
    first = sharing.do_answer(
        request_as(personas.coordinator),
        proposal,
        accept=True,
        answer="",
        seen_version=1,
    )
    assert first.status == ShareProposal.Status.ACCEPTED
    with pytest.raises(sharing.StaleProposal, match="accepted by someone else"):
        sharing.do_answer(
            request_as(personas.site_admin),
            proposal,
            accept=False,
            answer="No.",
            seen_version=1,
        )
    proposal.refresh_from_db()
    assert proposal.status == ShareProposal.Status.ACCEPTED and proposal.version == 2
    # Through the page: the second answer is told, and shown the proposal as it is now.
    sign_in(client, personas.coordinator)
    told = client.post(
        reverse("playbook:sharing_proposal", args=[proposal.public_id]),
        {"action": "answer", "decision": "decline", "answer": "No.", "version": "1"},
    )
    assert told.status_code == 409
    assert "accepted by someone else" in told.content.decode()
    assert AuditEntry.objects.filter(action="sharing.answered").count() == 1


def test_one_open_proposal_a_pair(client: Browser, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    url = reverse("playbook:sharing_propose", args=["newark-and-sherwood"])
    assert client.post(url, {"message": "First."}).status_code == 302
    # The form now says one is waiting.
    assert "is waiting for an answer" in client.get(url).content.decode()
    # Sent again (two tabs): refused with a clear message, by the database's constraint.
    second = client.post(url, {"message": "Second."})
    assert second.status_code == 409
    assert "Only one proposal between two areas can wait at a time" in second.content.decode()
    assert ShareProposal.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareProposal.objects.create(asking=personas.ashfield, offering=personas.newark)
    # The other direction is another pair.
    ShareProposal.objects.create(asking=personas.newark, offering=personas.ashfield)
    # Asking an area that shares already is refused.
    with pytest.raises(sharing.ProposalRefused, match="already shares"):
        sharing.do_propose(
            request_as(personas.coordinator),
            personas.ashfield,
            personas.mansfield,
            categories=[],
            message="",
        )


def test_another_areas_proposal_is_404_and_a_link_worker_403(
    client: Browser, personas: Personas
) -> None:
    theirs = ShareProposal.objects.create(asking=personas.mansfield, offering=personas.newark)
    sign_in(client, personas.coordinator)
    url = reverse("playbook:sharing_proposal", args=[theirs.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "withdraw", "version": "1"}).status_code == 404
    assert client.get(reverse("playbook:sharing_propose", args=["ashfield"])).status_code == 404
    assert client.get(reverse("playbook:sharing_propose", args=["nowhere"])).status_code == 404
    # The offering side does not withdraw; the asking side does not answer.
    ours = ShareProposal.objects.create(asking=personas.newark, offering=personas.ashfield)
    refused = client.post(
        reverse("playbook:sharing_proposal", args=[ours.public_id]),
        {"action": "withdraw", "version": "1"},
    )
    assert refused.status_code == 400
    ours.refresh_from_db()
    assert ours.status == ShareProposal.Status.PROPOSED
    sign_in(client, personas.link_worker)
    for address in (
        reverse("playbook:sharing"),
        reverse("playbook:sharing_propose", args=["newark-and-sherwood"]),
        reverse("playbook:sharing_proposal", args=[ours.public_id]),
    ):
        assert client.get(address).status_code == 403, address
