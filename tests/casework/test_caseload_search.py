"""The caseload: what needs doing first comes first, each client's date of birth tells
namesakes apart, and the search finds a client by name, NHS number, postcode, phone
number or a word in their notes (each typed any way), audited, within the area only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection as db
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Assessment, Client, Contact, Task
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

URL = reverse("casework:caseload")


@pytest.fixture
def worker(client: Browser, personas: Personas) -> Browser:
    return sign_in(client, personas.link_worker, area=personas.ashfield)


def _rows(page: str) -> list[str]:
    body = page.split('<tbody class="nhsuk-table__body"', 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr")[1:]


def _names(response: object) -> list[str]:
    page = response.content.decode()  # type: ignore[attr-defined]
    if "<tbody" not in page:
        return []
    return [re.search(r'<a href="[^"]+">([^<]+)</a>', row)[1] for row in _rows(page)]  # type: ignore[index]


def _found(worker: Browser, text: str, **filters: str) -> list[str]:
    response = worker.get(URL, {"q": text, "whose": "all", **filters})
    assert response.status_code == 200, text
    return _names(response)


def _task(client: Client, days: int, *, done: bool = False) -> Task:
    return Task.objects.create(
        client=client,
        title="Ring them",
        due_on=timezone.localdate() + timedelta(days=days),
        done_at=timezone.now() if done else None,
    )


# --- Order --------------------------------------------------------------------------


def test_overdue_first_then_due_soon_then_the_rest_by_name(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    liam = personas.link_worker
    # Mary Jones (the fixture) has no task. Names sort the other way round from the order.
    adams = make_client(personas.ashfield, "Ann", "Adams", worker=liam)  # nothing due
    _task(adams, -3, done=True)  # done: not overdue
    baker = make_client(personas.ashfield, "Bob", "Baker", worker=liam)
    _task(baker, 9)
    clark = make_client(personas.ashfield, "Cat", "Clark", worker=liam)
    _task(clark, 2)
    young = make_client(personas.ashfield, "Yan", "Young", worker=liam)
    _task(young, -1)
    zeta = make_client(personas.ashfield, "Zoe", "Zeta", worker=liam)
    _task(zeta, -5)
    _task(zeta, 1)
    names = _names(worker.get(URL))
    assert names == ["Zoe Zeta", "Yan Young", "Cat Clark", "Bob Baker", "Ann Adams", "Mary Jones"]
    rows = _rows(worker.get(URL).content.decode())
    assert "Overdue" in rows[0] and "Overdue" in rows[1] and "Overdue" not in rows[2]


def test_the_order_holds_across_pages(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    for n in range(26):
        make_client(personas.ashfield, f"Aaron{n:02d}", "Able", worker=personas.link_worker)
    late = make_client(personas.ashfield, "Zed", "Zulu", worker=personas.link_worker)
    _task(late, -1)
    assert _names(worker.get(URL))[0] == "Zed Zulu"
    assert "Zed Zulu" not in _names(worker.get(URL, {"page": "2"}))


def test_namesakes_are_told_apart_by_date_of_birth(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    liam = personas.link_worker
    make_client(personas.ashfield, "Dylan", "Allsop", worker=liam, born=date(1992, 10, 1))
    make_client(personas.ashfield, "Dylan", "Allsop", worker=liam, born=date(1944, 11, 1))
    make_client(personas.ashfield, "Nobody", "Knows", worker=liam, born=None)
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in _rows(worker.get(URL).content.decode())
    ]
    dylans = [row for row in rows if "Dylan Allsop" in row]
    today = timezone.localdate()
    assert any("Born 1 Oct 1992" in row for row in dylans)
    assert any("Born 1 Nov 1944" in row for row in dylans)
    age = today.year - 1944 - ((today.month, today.day) < (11, 1))
    assert any(f"(age {age})" in row for row in dylans)
    assert any("Date of birth not known" in row for row in rows if "Nobody Knows" in row)


# --- Search -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", " 943-476-5919 ", "943 4765919"])
def test_finds_by_nhs_number_however_spaced(
    worker: Browser, casework: Casework, typed: str
) -> None:
    assert _found(worker, typed) == ["Mary Jones"]


def test_an_nhs_number_with_a_wrong_check_digit_says_so(
    worker: Browser, casework: Casework
) -> None:
    page = worker.get(URL, {"q": "943 476 5918", "whose": "all"}).content.decode()
    assert "No client matches" in page
    assert "its last digit does not match" in page


@pytest.mark.parametrize("typed", ["NG17 7AE", "ng177ae", "  ng17  7ae ", "Ng17 7Ae"])
def test_finds_by_postcode_in_any_spacing_or_case(
    worker: Browser, personas: Personas, casework: Casework, typed: str
) -> None:
    elsewhere = make_client(personas.ashfield, "Pat", "Elsewhere")
    Client.objects.filter(pk=elsewhere.pk).update(postcode="NG18 1AA")
    assert _found(worker, typed) == ["Mary Jones"]


def test_a_postcode_district_finds_its_postcodes(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    elsewhere = make_client(personas.ashfield, "Pat", "Elsewhere")
    Client.objects.filter(pk=elsewhere.pk).update(postcode="NG1 7AA")
    assert _found(worker, "ng17") == ["Mary Jones"]
    assert _found(worker, "NG1") == ["Pat Elsewhere"]


@pytest.mark.parametrize(
    "typed",
    ["07700 900982", "07700900982", "+44 7700 900982", "+447700900982", "+44 (0)7700 900 982"],
)
def test_finds_by_phone_number_in_07_or_plus_44_form(
    worker: Browser, personas: Personas, casework: Casework, typed: str
) -> None:
    # As the forms store it (national, spaced) and as an older record may hold it.
    Client.objects.filter(pk=casework.mary.pk).update(phone="07700 900982")
    other = make_client(personas.ashfield, "Una", "Spaced")
    Client.objects.filter(pk=other.pk).update(phone="07700900982")
    make_client(personas.ashfield, "Not", "Her")  # 01632 960001
    assert sorted(_found(worker, typed)) == ["Mary Jones", "Una Spaced"]


def test_finds_a_landline_typed_with_plus_44(worker: Browser, casework: Casework) -> None:
    assert _found(worker, "+44 1632 960001") == ["Mary Jones"]


def test_finds_a_word_in_the_notes(worker: Browser, personas: Personas, casework: Casework) -> None:
    liam = personas.link_worker
    rang = make_client(personas.ashfield, "Rang", "About", worker=liam)
    Contact.objects.create(
        client=rang, kind="phone", on=timezone.now(), notes="Breathless: her copd is worse"
    )
    assessed = make_client(personas.ashfield, "Has", "Assessment", worker=liam)
    Assessment.objects.create(
        client=assessed,
        what_matters="Singing again, COPD permitting",
        assessed_on=timezone.localdate(),
    )
    goals = make_client(personas.ashfield, "Has", "Goals", worker=liam)
    Assessment.objects.create(
        client=goals,
        what_matters="Friends",
        goals="Manage my COPD with a walking group",
        assessed_on=timezone.localdate(),
    )
    referred = make_client(personas.ashfield, "Was", "Referred", worker=liam)
    referred.referrals.update(reason_detail="Lives alone with COPD since her husband died")
    make_client(personas.ashfield, "No", "Copdless", worker=liam)  # the word in a name counts
    found = sorted(_found(worker, "COPD"))
    assert found == ["Has Assessment", "Has Goals", "No Copdless", "Rang About", "Was Referred"]
    # Every word must be found, in the name or the notes.
    assert _found(worker, "copd rang") == ["Rang About"]
    assert _found(worker, "copd husband") == ["Was Referred"]


def test_a_short_word_searches_names_only(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    Contact.objects.create(client=casework.mary, kind="phone", on=timezone.now(), notes="Ok, xy")
    assert _found(worker, "xy") == []


def test_another_areas_client_is_never_found(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    mo = casework.other_area_client
    Client.objects.filter(pk=mo.pk).update(nhs_number="9434765870", phone="07700 900111")
    Contact.objects.create(client=mo, kind="phone", on=timezone.now(), notes="Mo has COPD")
    for typed in ("Mo Khan", "Khan", "9434765870", "943 476 5870", "07700 900111", "COPD"):
        for status in ("any", "open", "closed"):
            assert _found(worker, typed, status=status) == [], typed
    # Nor by a Mansfield coordinator searching for Ashfield's Mary.
    marcus = sign_in(Browser(), personas.mansfield_coordinator, area=personas.mansfield)
    for typed in ("Mary", "9434765919", "NG17 7AE", "01632 960001"):
        page = marcus.get(URL, {"q": typed, "whose": "all", "status": "any"})
        assert "Mary Jones" not in page.content.decode(), typed


def test_an_erased_client_is_never_found(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    Client.objects.filter(pk=casework.mary.pk).update(erased_at=timezone.now())
    assert _found(worker, "9434765919", status="any") == []


def test_a_search_is_audited_as_a_search_without_what_was_typed(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    worker.get(URL, {"q": "943 476 5919", "whose": "all"})
    entry = AuditEntry.objects.filter(action="client.searched").get()
    assert entry.actor == personas.link_worker
    assert entry.area == personas.ashfield
    assert "nhs_number" in entry.detail["as"]
    assert entry.detail["shown"] == [str(casework.mary.public_id)]
    assert "5919" not in str(entry.detail)
    # A list without a search is audited as before.
    worker.get(URL)
    assert AuditEntry.objects.filter(action="client.listed").count() == 1
    assert AuditEntry.objects.filter(action="client.searched").count() == 1


def test_a_search_finds_another_workers_client_and_says_where(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    chloe = sign_in(client, personas.coordinator, area=personas.ashfield)
    page = chloe.get(URL, {"q": "9434765919", "whose": "mine", "status": "open"})
    text = page.content.decode()
    assert "No client matches" in text
    assert "1 client on other link workers' caseloads matches" in text
    assert "whose=all" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("a" * 101, "Search for 100 characters or fewer"),
        ("one two three four five six", "Search for 5 words or fewer"),
    ],
)
def test_a_search_too_long_is_refused_with_a_message(
    worker: Browser, casework: Casework, typed: str, message: str
) -> None:
    response = worker.get(URL, {"q": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'href="#q"' in page  # the error summary links to the box
    assert "Mary Jones</a>" not in page
    entry = AuditEntry.objects.filter(action="client.searched").get()
    assert entry.detail["refused"] is True


@pytest.mark.parametrize(
    "typed",
    [
        "%",
        "_",
        "100%",
        "o'brien",
        '"; drop table casework_client; --',
        "a\x00b",
        "\u202e\u0000",
        "Zoë Ōkawa 💬",
        "+" * 25,
        "0" * 25,
        "((((((((((",
        "\\",
    ],
)
def test_odd_searches_answer_without_an_error(
    worker: Browser, casework: Casework, typed: str
) -> None:
    response = worker.get(URL, {"q": typed})
    assert response.status_code == 200
    assert "Mary Jones</a>" not in response.content.decode()


def test_a_search_costs_the_same_queries_for_few_or_many_clients(
    worker: Browser, personas: Personas, casework: Casework
) -> None:
    def count() -> int:
        with CaptureQueriesContext(db) as queries:
            response = worker.get(URL, {"q": "test", "whose": "all"})
            assert response.status_code == 200
        return len(queries)

    def add(n: int) -> None:
        person = make_client(personas.ashfield, f"Client{n}", "Test", worker=personas.link_worker)
        Contact.objects.create(client=person, kind="phone", on=timezone.now(), notes="a test")
        _task(person, n - 3)

    for n in range(2):
        add(n)
    few = count()
    for n in range(2, 11):
        add(n)
    assert count() == few
