"""Clients and referrals: bad input refused at the field with nothing saved, duplicates,
concurrent edits, statuses, self-referral, escaping and the caseload's queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection as db
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspiring.casework.models import Client, Connection, Referral, ReferralStatusChange, Task
from lib.identifiers import IdentifierError, normalise_nhs_number
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db


def _new(**changes: Any) -> dict[str, Any]:
    data = {
        "person-first_name": "Alan",
        "person-last_name": "Price",
        "person-date_of_birth": "1948-05-02",
        "person-nhs_number": "",
        "person-postcode": "NG17 7AE",
        "person-phone": "01632 960002",
        "person-consent_to_hold": "on",
        "referral-source": "gp",
        "referral-reasons": ["loneliness"],
        "referral-received_on": timezone.localdate().isoformat(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def worker(client: Browser, personas: Personas) -> Browser:
    return sign_in(client, personas.link_worker, area=personas.ashfield)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("9434765918", None),  # wrong check digit
        ("12345", None),
        ("abcdefghij", None),
    ],
)
def test_nhs_numbers_are_checked_with_modulus_11(value: str, valid: str | None) -> None:
    if valid is None:
        with pytest.raises(IdentifierError):
            normalise_nhs_number(value)
    else:
        assert normalise_nhs_number(value) == valid


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"person-nhs_number": "943 476 5918"}, "its last digit does not match"),
        ({"person-consent_to_hold": None}, "without their consent nothing can be recorded"),
        ({"person-first_name": ""}, "Enter their first name"),
        (
            {"person-date_of_birth": "2999-01-01"},
            "Their date of birth must be today or in the past",
        ),
        ({"person-date_of_birth": "1850-01-01"}, "Enter a date of birth within the last 120 years"),
        ({"person-date_of_birth": "31/02/1950"}, "Enter their date of birth as a real date"),
        ({"person-postcode": "NOT A CODE"}, "postcode"),
        ({"person-email": "mary-at-home"}, "Enter an email address in the correct format"),
        ({"referral-reasons": None}, "Select at least one reason for the referral"),
        ({"referral-source": "astrologer"}, "Select a valid choice"),
        ({"referral-received_on": "2999-01-01"}, "The date received must be today or in the past"),
    ],
)
def test_a_new_referral_with_bad_input_saves_nothing(
    worker: Browser, changes: dict[str, Any], message: str
) -> None:
    response = worker.post(reverse("casework:new_referral"), _new(**changes))
    assert response.status_code == 200
    assert message in _errors(response)
    assert "There is a problem" in _errors(response)
    assert not Client.objects.filter(first_name="Alan").exists()
    assert not Referral.objects.exists()


def test_a_possible_duplicate_is_shown_before_anything_is_saved(
    worker: Browser, casework: Casework
) -> None:
    same_nhs = _new(**{"person-nhs_number": "9434765919"})
    response = worker.post(reverse("casework:new_referral"), same_nhs)
    assert response.status_code == 200
    assert "This may be someone already known" in _errors(response)
    assert casework.mary.get_absolute_url() in _errors(response)
    assert not Client.objects.filter(first_name="Alan").exists()
    # Not them: added as new, and flagged for a check.
    response = worker.post(reverse("casework:new_referral"), {**same_nhs, "confirm_new": "1"})
    alan = Client.objects.get(first_name="Alan")
    assert alan.possible_duplicate_of == casework.mary
    assert "Possibly the same person" in worker.get(alan.get_absolute_url()).content.decode()


def test_same_name_and_birthday_is_a_possible_duplicate(
    worker: Browser, casework: Casework
) -> None:
    twin = _new(**{"person-first_name": "mary", "person-last_name": "JONES"})
    twin["person-date_of_birth"] = "1950-03-27"
    assert "This may be someone already known" in _errors(
        worker.post(reverse("casework:new_referral"), twin)
    )


def test_two_people_editing_at_once_cannot_overwrite_each_other(
    worker: Browser, casework: Casework
) -> None:
    url = reverse("casework:details", args=[casework.mary.public_id])
    form = worker.get(url).context["form"]
    seen = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and not isinstance(value, bool)
    }
    seen["version"] = form.fields["version"].initial
    # Someone else saves first.
    first = {**seen, "phone": "01632 960111"}
    assert worker.post(url, first).status_code == 302
    # The second save, from the same (now old) page, is refused and changes nothing.
    second = {**seen, "phone": "01632 960222"}
    response = worker.post(url, second)
    assert response.status_code == 200
    assert "Someone else changed these details" in _errors(response)
    casework.mary.refresh_from_db()
    assert casework.mary.phone == "01632 960111"
    assert casework.mary.version == 2


def test_referral_steps_follow_the_lifecycle_with_reasons_and_codes(
    worker: Browser, casework: Casework
) -> None:
    referral = casework.mary.referrals.get()
    url = reverse("casework:referral_status", args=[referral.public_id])
    today = timezone.localdate().isoformat()
    # Not a next step from "received".
    response = worker.post(url, {"status": "active", "on": today})
    assert "Select a valid choice" in _errors(response)
    # Declining needs the reason, and is coded.
    response = worker.post(url, {"status": "declined", "on": today, "reason": ""})
    assert "Give the reason" in _errors(response)
    response = worker.post(url, {"status": "declined", "on": today, "reason": "Feels fine now"})
    assert response.status_code == 302
    change = ReferralStatusChange.objects.get(referral=referral, status="declined")
    assert change.snomed_code == "871711000000103"
    casework.mary.refresh_from_db()
    assert casework.mary.closed_at is not None  # no open referral left
    assert "no further steps" in worker.get(url).content.decode()


def test_closing_needs_an_outcome(worker: Browser, casework: Casework) -> None:
    referral = casework.mary.referrals.get()
    referral.status = Referral.Status.ACTIVE
    referral.save()
    url = reverse("casework:referral_status", args=[referral.public_id])
    response = worker.post(
        url, {"status": "closed", "on": timezone.localdate().isoformat(), "reason": "Settled"}
    )
    assert "Select the outcome" in _errors(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACTIVE


def test_free_text_is_escaped_on_the_case_page(worker: Browser, casework: Casework) -> None:
    worker.post(
        reverse("casework:assessment", args=[casework.mary.public_id]),
        {
            "what_matters": "<script>alert('x')</script> seeing my <b>grandchildren</b>",
            "assessed_on": timezone.localdate().isoformat(),
        },
    )
    page = worker.get(casework.mary.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("miles", "message"),
    [("-1", "Enter a distance from 0 to 100 miles"), ("far", "as a number of miles")],
)
def test_an_assessment_with_bad_input_saves_nothing(
    worker: Browser, casework: Casework, miles: str, message: str
) -> None:
    response = worker.post(
        reverse("casework:assessment", args=[casework.mary.public_id]),
        {"what_matters": "Company", "max_travel_miles": miles, "assessed_on": "2026-01-01"},
    )
    assert message in _errors(response)
    assert not casework.mary.assessments.exists()


def test_an_introduction_needs_the_clients_agreement_and_a_signpost_shares_nothing(
    worker: Browser, casework: Casework
) -> None:
    url = reverse("casework:connect_to", args=[casework.mary.public_id, casework.walk.public_id])
    response = worker.post(url, {"level": "introduction", "shared_note": "Mary"})
    assert "ask whether they agree, or choose a signpost" in _errors(response)
    assert not Connection.objects.exists()
    response = worker.post(
        url, {"level": "signpost", "share_consent": "on", "shared_note": "Mary, nervous"}
    )
    assert response.status_code == 302
    signpost = Connection.objects.get()
    assert (signpost.share_consent, signpost.shared_note) == (False, "")
    assert not signpost.shares_with_group


def test_stopping_prompts_the_link_worker_to_re_engage(worker: Browser, casework: Casework) -> None:
    url = reverse("casework:connect_to", args=[casework.mary.public_id, casework.walk.public_id])
    worker.post(url, {"level": "signpost", "agreed": "on"})
    connection = Connection.objects.get()
    step = reverse("casework:connection", args=[connection.public_id])
    today = timezone.localdate().isoformat()
    worker.post(step, {"status": "attended_first", "on": today})
    worker.post(step, {"status": "attending", "on": today})
    response = worker.post(step, {"status": "stopped", "on": today, "reason": ""})
    assert "Give the reason" in _errors(response)
    worker.post(
        step,
        {"status": "stopped", "on": today, "reason": "Too far to walk", "reason_code": "transport"},
    )
    prompt = Task.objects.get(title__contains="stopped going")
    assert prompt.assigned_to == casework.mary.worker
    assert "re-engage, or try something else" in prompt.title
    assert prompt.due_on == timezone.localdate() + timedelta(weeks=4)  # as usual after stopping


def test_a_self_referral_arrives_in_triage(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    url = reverse("casework:self_referral", args=["ashfield"])
    response = client.post(url, {"first_name": "Sam", "last_name": "Hill", "postcode": "NG17 7AE"})
    page = _errors(response)
    assert "Select at least one thing you would like help with" in page
    assert "Tick to agree to us keeping your details" in page
    assert "Enter a phone number or an email address" in page
    assert not Client.objects.filter(first_name="Sam").exists()
    response = client.post(
        url,
        {
            "first_name": "Sam",
            "last_name": "Hill",
            "postcode": "NG17 7AE",
            "email": "sam@example.org",
            "preferred_contact": "email",
            "reasons": ["loneliness"],
            "consent_to_hold": "on",
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 302
    sam = Client.objects.get(first_name="Sam")
    assert sam.area == personas.ashfield and sam.worker is None
    assert sam.referrals.get().source == "self"
    sign_in(client, personas.link_worker, area=personas.ashfield)
    triage = client.get(reverse("casework:triage")).content.decode()
    assert "Sam Hill" in triage
    client.post(reverse("casework:take", args=[sam.public_id]))
    sam.refresh_from_db()
    assert sam.worker == personas.link_worker
    assert "No new referral is waiting" in client.get(reverse("casework:triage")).content.decode()


def test_the_caseload_costs_the_same_queries_for_3_or_12_clients(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    def count() -> int:
        with CaptureQueriesContext(db) as queries:
            assert worker.get(reverse("casework:caseload"), {"whose": "all"}).status_code == 200
        return len(queries)

    for n in range(2):
        make_client(personas.ashfield, f"Client{n}", "Test", worker=personas.link_worker)
    few = count()
    for n in range(2, 11):
        make_client(personas.ashfield, f"Client{n}", "Test", worker=personas.link_worker)
    assert count() == few


def test_the_caseload_filters(worker: Browser, personas: Personas, casework: Casework) -> None:
    quiet = make_client(personas.ashfield, "Quiet", "Person", worker=personas.link_worker)
    Task.objects.create(client=quiet, title="Ring", due_on=timezone.localdate() - timedelta(days=2))
    url = reverse("casework:caseload")
    assert "Quiet Person" in worker.get(url, {"overdue": "1"}).content.decode()
    assert "Mary Jones" not in worker.get(url, {"overdue": "1"}).content.decode()
    assert "Mary Jones" in worker.get(url, {"q": "jon"}).content.decode()
    assert "No client matches" in worker.get(url, {"q": "zzz"}).content.decode()
    assert "Mary Jones" in worker.get(url, {"quiet": "14"}).content.decode()


def _waiting_since(area: object, first: str, days: int) -> Client:
    """A client nobody has taken, referred `days` ago."""
    waiting = make_client(area, first, "Waiting")
    waiting.referrals.update(received_on=timezone.localdate() - timedelta(days=days))
    return waiting


def test_triage_shows_each_referrals_age_oldest_first_and_flags_the_overdue(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    _waiting_since(personas.ashfield, "Fresh", 0)
    _waiting_since(personas.ashfield, "Week", 7)
    _waiting_since(personas.ashfield, "Eight", 8)
    _waiting_since(personas.ashfield, "Ancient", 64)
    page = worker.get(reverse("casework:triage")).content.decode()
    rows = page.split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows_by_name = {
        name: row
        for row in rows.split("<tr")[1:]
        for name in ("Fresh", "Week", "Eight", "Ancient")
        if f"{name} Waiting" in row
    }
    # Oldest first.
    assert [rows.index(f"{n} Waiting") for n in ("Ancient", "Eight", "Week", "Fresh")] == sorted(
        rows.index(f"{n} Waiting") for n in ("Ancient", "Eight", "Week", "Fresh")
    )
    assert "received 9 weeks ago" in rows_by_name["Ancient"]
    assert "received 8 days ago" in rows_by_name["Eight"]
    assert "received today" in rows_by_name["Fresh"]
    # Overdue past a week, what the public is told; a week to the day is not yet.
    overdue = {name for name, row in rows_by_name.items() if "Overdue" in row}
    assert overdue == {"Ancient", "Eight"}
    assert "4 waiting, 2 overdue" in page
    # Each with the reference the person was given.
    ancient = Referral.objects.get(client__first_name="Ancient")
    reference = ancient.public_id.hex[:8].upper()
    assert f"{reference[:4]} {reference[4:]}" in rows_by_name["Ancient"]


def test_the_staff_home_counts_referrals_waiting_and_overdue(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    home = worker.get(reverse("accounts:home")).content.decode()
    assert "No new referral is waiting." in home
    _waiting_since(personas.ashfield, "Fresh", 1)
    _waiting_since(personas.ashfield, "Old", 30)
    _waiting_since(personas.mansfield, "Elsewhere", 30)  # another area: not counted
    home = worker.get(reverse("accounts:home")).content.decode()
    assert "2 new referrals waiting, 1 overdue (waiting more than a week)." in home
    assert f'href="{reverse("casework:triage")}"' in home
    # A partner lead has no triage card.
    sign_in(worker, personas.partner_lead, area=personas.ashfield)
    assert "new referral" not in worker.get(reverse("accounts:home")).content.decode()


def test_triage_costs_the_same_queries_for_2_or_10_referrals(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    def count() -> int:
        with CaptureQueriesContext(db) as queries:
            assert worker.get(reverse("casework:triage")).status_code == 200
        return len(queries)

    for n in range(2):
        _waiting_since(personas.ashfield, f"A{n}", n * 5)
    few = count()
    for n in range(2, 10):
        _waiting_since(personas.ashfield, f"A{n}", n * 5)
    assert count() == few
