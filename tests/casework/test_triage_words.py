"""Triage shows what a self-referrer wrote on the form in their own words (not only the
referral's page), and a referral is named in plain words: "Self-referral on 4 December
2026", never "Self-referral referral"."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client as Browser
from django.urls import reverse

from inspiring.casework.models import Client, Referral
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

THEIR_WORDS = "Since my fall in May I have not been out much and I miss the choir."


def _self_refer(client: Browser) -> Client:
    response = client.post(
        reverse("casework:self_referral", args=["ashfield"]),
        {
            "reasons": ["loneliness"],
            "reason_detail": THEIR_WORDS,
            "first_name": "Sam",
            "last_name": "Hill",
            "postcode": "NG17 7AE",
            "phone": "07700 900982",
            "preferred_contact": "phone",
            "consent_to_hold": "on",
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 302
    return Client.objects.get(first_name="Sam", last_name="Hill")


def _triage_row(page: str, name: str) -> str:
    body = page.split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    [row] = [row for row in body.split("<tr")[1:] if name in row]
    return row


def test_triage_shows_the_self_referrers_own_words(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sam = _self_refer(client)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    row = _triage_row(client.get(reverse("casework:triage")).content.decode(), "Sam Hill")
    assert "In their words" in row
    assert "Since my fall in May I have not been out much and I miss the choir." in row
    referral = sam.referrals.get()
    assert reverse("casework:referral_status", args=[referral.public_id]) in row


def test_triage_shows_what_a_referrer_wrote_and_the_persons_age(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    waiting = make_client(personas.ashfield, "Gail", "Waiting", born=date(1950, 3, 27))
    waiting.referrals.update(reason_detail="Recently bereaved; COPD")
    sign_in(client, personas.link_worker, area=personas.ashfield)
    row = _triage_row(client.get(reverse("casework:triage")).content.decode(), "Gail Waiting")
    assert "The referrer wrote" in row and "Recently bereaved; COPD" in row
    assert "In their words" not in row
    assert "27 Mar 1950" in row


def test_a_long_story_is_shortened_in_triage_and_whole_on_the_referral(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    waiting = make_client(personas.ashfield, "Long", "Story")
    story = " ".join(f"word{n}" for n in range(100))
    waiting.referrals.update(reason_detail=story, source="self")
    sign_in(client, personas.link_worker, area=personas.ashfield)
    row = _triage_row(client.get(reverse("casework:triage")).content.decode(), "Long Story")
    assert "word59" in row and "word60" not in row
    referral = waiting.referrals.get()
    whole = client.get(reverse("casework:referral_status", args=[referral.public_id]))
    assert "word99" in whole.content.decode()


def test_the_referral_page_names_a_self_referral_once(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sam = _self_refer(client)
    sign_in(client, personas.link_worker, area=personas.ashfield)
    referral: Referral = sam.referrals.get()
    page = client.get(reverse("casework:referral_status", args=[referral.public_id]))
    heading = page.content.decode().split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Self-referral referral" not in heading
    assert f"Self-referral on {referral.received_on:%-d %B %Y}" in heading
    gp = casework.mary.referrals.get()
    page = client.get(reverse("casework:referral_status", args=[gp.public_id]))
    heading = page.content.decode().split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert f"Referral from GP on {gp.received_on:%-d %B %Y}" in heading
