"""Handing a link worker's caseload to colleagues: nobody is ticked to start with ("Select
all" works without JavaScript), each client shows what tells them apart, only their open
clients move, each move is audited against the client's record and shown on their
timeline, their open tasks go with them, their plan is signed by the new worker, and
only the area's own people are offered."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, Membership, User
from inspiring.accounts.roles import Role
from inspiring.casework.models import Client, Connection, Handover, Task
from inspiring.casework.plan import build_plan, email_text
from inspiring.casework.privacy import subject_access_data
from inspiring.casework.timeline import timeline
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db


def _member(email: str, name: str, personas: Personas) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    Membership.objects.create(user=user, area=personas.ashfield, role=Role.LINK_WORKER)
    return user


@pytest.fixture
def colleagues(personas: Personas) -> tuple[User, User]:
    return _member("sam@ashfield.test", "Sam Able", personas), _member(
        "olga@ashfield.test", "Olga Baker", personas
    )


def _url(user: User) -> str:
    return reverse("casework:handover_from", args=[user.public_id])


def _membership(user: User) -> str:
    return str(Membership.objects.get(user=user).public_id)


def test_a_caseload_is_shared_between_colleagues_in_turn(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, olga = colleagues
    liam = personas.link_worker
    mary = casework.mary
    alan = make_client(personas.ashfield, "Alan", "Adams", worker=liam)
    bea = make_client(personas.ashfield, "Bea", "Brown", worker=liam)
    closed = make_client(personas.ashfield, "Cal", "Closed", worker=liam)
    Client.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    sams_own = make_client(personas.ashfield, "Dee", "Davies", worker=sam)
    task = Task.objects.create(
        client=mary, title="Ring her", due_on=timezone.localdate(), assigned_to=liam
    )
    done = Task.objects.create(
        client=mary,
        title="Sent the plan",
        due_on=timezone.localdate() - timedelta(days=3),
        assigned_to=liam,
        done_at=timezone.now(),
    )

    sign_in(client, personas.coordinator, area=personas.ashfield)
    choose = client.get(reverse("casework:handover")).content.decode()
    assert _url(liam) in choose
    assert "Marcus Reid" not in choose and "Priya Patel" not in choose

    page = client.get(_url(liam)).content.decode()
    for name in ("Mary Jones", "Alan Adams", "Bea Brown"):
        assert name in page
    assert "Cal Closed" not in page and "Dee Davies" not in page
    assert "Marcus Reid" not in page and "Priya Patel" not in page
    assert "Liam Walsh (link worker)" not in page  # not offered their own clients back

    response = client.post(
        _url(liam),
        {
            "clients": [str(c.public_id) for c in (mary, alan, bea)],
            "colleagues": [_membership(sam), _membership(olga)],
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 clients are handed over: 2 to Olga Baker and 1 to Sam Able." in body

    # In turn (colleagues by name, clients by surname): Adams to Olga, Brown to Sam, Jones
    # to Olga.
    chosen = Client.objects.filter(pk__in=[mary.pk, alan.pk, bea.pk])
    assert {c.first_name: c.worker for c in chosen} == {"Alan": olga, "Bea": sam, "Mary": olga}
    assert Client.objects.get(pk=closed.pk).worker == liam
    assert Client.objects.get(pk=sams_own.pk).worker == sam
    task.refresh_from_db()
    done.refresh_from_db()
    assert task.assigned_to == olga and done.assigned_to == liam
    # Each move is in the audit log, against the client's record; their history stays.
    for moved, to in ((mary, olga), (alan, olga), (bea, sam)):
        entry = AuditEntry.objects.get(action="client.handed_over", object_id=str(moved.public_id))
        assert entry.actor == personas.coordinator and entry.detail["to"] == to.email
    assert mary.referrals.count() == 1
    assert "has no open clients" in client.get(_url(liam)).content.decode()


def test_only_the_chosen_clients_move(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    alan = make_client(personas.ashfield, "Alan", "Adams", worker=personas.link_worker)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(
        _url(personas.link_worker),
        {"clients": [str(casework.mary.public_id)], "colleagues": [_membership(sam)]},
    )
    assert response.status_code == 302
    assert Client.objects.get(pk=casework.mary.pk).worker == sam
    assert Client.objects.get(pk=alan.pk).worker == personas.link_worker
    assert AuditEntry.objects.filter(action="client.handed_over").count() == 1


def test_bad_input_moves_nothing(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = _url(personas.link_worker)
    mary = str(casework.mary.public_id)
    other_area = Membership.objects.get(user=personas.mansfield_coordinator)
    someone_elses = make_client(personas.ashfield, "Dee", "Davies", worker=sam)
    cases = [
        ({"clients": [mary]}, "Select who to hand the clients to"),
        ({"colleagues": [_membership(sam)]}, "Select the clients to hand over"),
        ({"clients": [mary], "colleagues": [str(other_area.public_id)]}, "Select people from"),
        (
            {"clients": [str(someone_elses.public_id)], "colleagues": [_membership(sam)]},
            "Select only clients on this person",
        ),
        (
            {
                "clients": [str(casework.other_area_client.public_id)],
                "colleagues": [_membership(sam)],
            },
            "Select only clients on this person",
        ),
    ]
    for data, message in cases:
        page = client.post(url, data)
        assert page.status_code == 200, data
        body = page.content.decode()
        assert message in body and "nhsuk-error-message" in body, data
    assert Client.objects.get(pk=casework.mary.pk).worker == personas.link_worker
    assert Client.objects.get(pk=someone_elses.pk).worker == sam
    assert not AuditEntry.objects.filter(action="client.handed_over").exists()


def test_another_areas_people_and_roles_without_oversight(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(_url(personas.mansfield_coordinator)).status_code == 404
    assert client.get(_url(personas.partner_lead)).status_code == 404
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.get(_url(personas.link_worker)).status_code == 404
    sign_in(client, personas.link_worker, area=personas.ashfield)
    assert client.get(reverse("casework:handover")).status_code == 403
    assert client.get(_url(personas.link_worker)).status_code == 403


def test_someone_who_left_the_team_can_still_have_their_clients_handed_over(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    Membership.objects.filter(user=personas.link_worker).delete()
    sign_in(client, personas.coordinator, area=personas.ashfield)
    choose = client.get(reverse("casework:handover")).content.decode()
    assert "No longer in the team" in choose and _url(personas.link_worker) in choose
    client.post(
        _url(personas.link_worker),
        {"clients": [str(casework.mary.public_id)], "colleagues": [_membership(sam)]},
    )
    assert Client.objects.get(pk=casework.mary.pk).worker == sam


# --- Choosing whom to hand over (issue 14, point 13) -----------------------------------


def _checked(page: str) -> set[str]:
    """The values of the ticked boxes named "clients" on the page."""
    return set(re.findall(r'name="clients" type="checkbox" value="([^"]+)"[^>]*\schecked', page))


def _boxes(page: str) -> set[str]:
    return set(re.findall(r'name="clients" type="checkbox" value="([^"]+)"', page))


def test_the_list_starts_with_nobody_ticked_and_shows_what_tells_clients_apart(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    liam = personas.link_worker
    today = timezone.localdate()
    Task.objects.create(
        client=casework.mary, title="Ring her", due_on=today - timedelta(days=2), assigned_to=liam
    )
    Task.objects.create(
        client=casework.mary, title="Later", due_on=today + timedelta(days=9), assigned_to=liam
    )
    dylan = make_client(personas.ashfield, "Dylan", "Allsop", worker=liam, born=date(1990, 1, 2))
    make_client(personas.ashfield, "Dylan", "Allsop", worker=liam, born=None)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    page = client.get(_url(liam)).content.decode()
    assert len(_boxes(page)) == 3 and _checked(page) == set()
    assert "Select all 3" in page
    mary_age = casework.mary.age_on(today)
    assert f"Age {mary_age} · Referral: received · Next task: Ring her, due " in page
    assert "Overdue" in page
    assert f"Age {dylan.age_on(today)} · Referral: received · No task due" in page
    assert "Age not known" in page


def test_select_all_ticks_every_client_and_keeps_the_colleagues_chosen(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    liam = personas.link_worker
    alan = make_client(personas.ashfield, "Alan", "Adams", worker=liam)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    everyone = {str(casework.mary.public_id), str(alan.public_id)}
    # A plain submit button: works without JavaScript; nothing is handed over.
    page = client.post(
        _url(liam), {"select": "all", "colleagues": [_membership(sam)]}
    ).content.decode()
    assert _checked(page) == everyone
    assert re.search(rf'value="{_membership(sam)}"[^>]*\schecked', page)
    assert "nhsuk-error-message" not in page
    assert "Untick all" in page and "Select all" not in page
    assert Client.objects.filter(worker=liam).count() == 2
    assert not AuditEntry.objects.filter(action="client.handed_over").exists()
    page = client.post(_url(liam), {"select": "none", "clients": list(everyone)}).content.decode()
    assert _checked(page) == set() and "Select all 2" in page

    # Then "Hand them over" moves them all.
    response = client.post(
        _url(liam), {"clients": list(everyone), "colleagues": [_membership(sam)]}
    )
    assert response.status_code == 302
    assert Client.objects.filter(worker=sam).count() == 2


def test_one_client_is_handed_over_in_three_clicks_and_shown_on_their_timeline(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    liam = personas.link_worker
    for n in range(33):
        make_client(personas.ashfield, f"Person{n}", "Test", worker=liam)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    page = client.get(_url(liam)).content.decode()
    assert len(_boxes(page)) == 34 and _checked(page) == set()
    # Tick Mary, tick Sam, press the button: three clicks.
    clicks = {"clients": [str(casework.mary.public_id)], "colleagues": [_membership(sam)]}
    response = client.post(_url(liam), clicks, follow=True)
    assert "1 client is handed over: 1 to Sam Able." in response.content.decode()
    assert Client.objects.get(pk=casework.mary.pk).worker == sam
    assert Client.objects.filter(worker=liam).count() == 33

    handover = Handover.objects.get()
    assert (handover.client, handover.from_worker, handover.to_worker, handover.by) == (
        casework.mary,
        liam,
        sam,
        personas.coordinator,
    )
    # On the case page's timeline: from whom, to whom, by whom and when.
    sign_in(client, sam, area=personas.ashfield)
    case = client.get(casework.mary.get_absolute_url()).content.decode()
    assert "Handed over from Liam Walsh to Sam Able" in case
    when = timezone.localtime(handover.at)
    assert f"{when:%-d %B %Y, %H:%M}</time> · Chloe" in case
    entry = next(
        e for e in timeline(Client.objects.get(pk=casework.mary.pk)) if e.kind == "handover"
    )
    assert entry.title == "Handed over from Liam Walsh to Sam Able"
    # And in what a subject access export holds.
    data = subject_access_data(Client.objects.get(pk=casework.mary.pk))
    assert data["handovers"][0]["from_worker"] == str(liam)
    assert data["handovers"][0]["to_worker"] == str(sam)


def test_the_plan_is_signed_by_the_current_link_worker_after_a_handover(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    mary = casework.mary
    connection = Connection.objects.create(
        client=mary,
        activity=casework.walk,
        level="introduction",
        support=["accompany"],
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
        created_by=personas.link_worker,  # Liam made the connection
    )
    assert build_plan(mary).worker == "Liam"
    sign_in(client, personas.coordinator, area=personas.ashfield)
    client.post(
        _url(personas.link_worker),
        {"clients": [str(mary.public_id)], "colleagues": [_membership(sam)]},
    )
    plan = build_plan(Client.objects.select_related("worker", "area").get(pk=mary.pk))
    assert plan.worker == "Sam"
    assert email_text(plan).endswith("Sam, Inspiring Ashfield")
    assert "Sam will meet you there" in email_text(plan)
    assert "Liam" not in email_text(plan)
    assert connection.created_by == personas.link_worker
