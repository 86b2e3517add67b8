"""The instrument library's staff pages: who sees them, building, licences, templates."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inspiring.accounts.home import CARDS
from inspiring.accounts.models import AuditEntry
from inspiring.accounts.roles import Capability, Role, capabilities_for
from inspiring.measures import library
from inspiring.measures.actions import do_save_custom_instrument
from inspiring.measures.models import CustomInstrument, InstrumentLicence, TemplateConfirmation
from tests.conftest import sign_in
from tests.personas import Personas

BUILD = {
    "code": "needs-satisfaction",
    "title": "Neighbourhood needs satisfaction",
    "introduction": "How far do you agree with each statement?",
    "items": (
        "My neighbourhood gives me a sense of belonging\nI feel safe here\nI feel unwelcome here"
    ),
    "reverse": "3",
    "option_labels": "Strongly disagree\nDisagree\nNeither\nAgree\nStrongly agree",
    "first_value": "1",
    "rule": "mean",
    "min_answered": "2",
    "bands": "1 to 2.99: Low\n3 to 5: High",
}


def _as(signed_in: Any, user: Any, personas: Personas) -> Client:
    """The test's client, signed in as `user` working in Ashfield."""
    client: Client = signed_in(user, area=personas.ashfield)
    return client


def test_the_library_lists_every_instrument_with_its_status(
    signed_in: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    for n in range(3):
        do_save_custom_instrument(
            None,
            code=f"scale-{n}",
            title=f"Scale {n}",
            introduction="",
            items=[("One", False), ("Two", True)],
            option_labels=["No", "Yes"],
            rule="sum",
            min_answered=None,
            bands=[],
        )
    do_save_custom_instrument(
        None,
        code="scale-0",
        title="Scale 0, changed",
        introduction="",
        items=[("One", False), ("Two", True)],
        option_labels=["No", "Yes"],
        rule="sum",
        min_answered=None,
        bands=[],
    )
    client.get(reverse("measures:library"))  # warm the session and area caches
    # Session, user, OTP device, memberships; the licences, the confirmations and the
    # custom instruments' latest versions, whatever their number; then the session saved
    # (SESSION_SAVE_EVERY_REQUEST: a savepoint, the update, its release).
    with django_assert_num_queries(10):
        response = client.get(reverse("measures:library"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "ONS personal wellbeing (ONS4)" in page
    assert "Needs a licence" in page  # SWEMWBS
    assert page.count("To confirm") == 2
    assert "Custom v2" in page and page.count("Custom v1") == 2
    assert "Scale 0, changed" in page

    for n in range(3, 8):
        do_save_custom_instrument(
            None,
            code=f"scale-{n}",
            title=f"Scale {n}",
            introduction="",
            items=[("One", False), ("Two", True)],
            option_labels=["No", "Yes"],
            rule="mean",
            min_answered=1,
            bands=[(1, 1.5, "Low"), (1.6, 2, "High")],
        )
    with django_assert_num_queries(10):
        assert client.get(reverse("measures:library")).content.decode().count("Custom v1") == 7


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "commissioner"])
def test_staff_who_do_not_build_instruments_are_refused(
    signed_in: Any, personas: Personas, who: str
) -> None:
    client = _as(signed_in, getattr(personas, who), personas)
    for url in (
        reverse("measures:library"),
        reverse("measures:instrument", kwargs={"code": "ons4"}),
        reverse("measures:build"),
        reverse("measures:confirm", kwargs={"code": "group-memberships"}),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("measures:build"), BUILD).status_code == 403
    assert not CustomInstrument.objects.exists()


def test_an_unknown_instrument_is_404(signed_in: Any, personas: Personas) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    assert client.get(reverse("measures:instrument", kwargs={"code": "nope"})).status_code == 404
    assert (
        client.get(reverse("measures:version", kwargs={"code": "ons4", "version": 1})).status_code
        == 404
    )
    assert client.get(reverse("measures:change", kwargs={"code": "ons4"})).status_code == 404


def test_the_instrument_page_shows_wording_scoring_and_notice(
    signed_in: Any, personas: Personas
) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    page = client.get(reverse("measures:instrument", kwargs={"code": "swemwbs"})).content.decode()
    assert "I&#x27;ve been feeling optimistic about the future" in page
    assert "None of the time: scores 1" in page
    assert "© NHS Health Scotland" in page
    assert "32.55" in page  # the conversion table
    assert "Needs a licence" in page
    # Only a site administrator is offered the licence form.
    assert "Record the licence" not in page

    url = reverse("measures:instrument", kwargs={"code": "ons-loneliness"})
    text = client.get(url).content.decode()
    assert "Conventional: used in the literature" in text
    assert "6 or more" in text
    assert "Official: published by the instrument" in text


@pytest.mark.parametrize("who", ["coordinator", "researcher"])
def test_a_coordinator_or_researcher_builds_an_instrument(
    signed_in: Any, personas: Personas, who: str
) -> None:
    user = getattr(personas, who)
    client = _as(signed_in, user, personas)
    assert client.get(reverse("measures:build")).status_code == 200
    response = client.post(reverse("measures:build"), BUILD)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "measures:instrument", kwargs={"code": "needs-satisfaction"}
    )
    saved = CustomInstrument.objects.get()
    assert (saved.version, saved.created_by, saved.rule, saved.min_answered) == (
        1,
        user,
        "mean",
        2,
    )
    assert [item["reverse"] for item in saved.items] == [False, False, True]
    assert saved.bands == [[1.0, 2.99, "Low"], [3.0, 5.0, "High"]]
    page = client.get(response["Location"]).content.decode()
    assert "Custom v1" in page and "Reverse keyed" in page
    assert library.is_usable("needs-satisfaction")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": "Only one item", "reverse": ""}, "Enter at least 2 items"),
        ({"option_labels": "Yes"}, "Enter at least 2 answers to choose from"),
        ({"min_answered": "0"}, "must be between 1 and 3"),
        ({"min_answered": "4"}, "must be between 1 and 3"),
        ({"reverse": "7"}, "There is no item 7"),
        ({"bands": "low to high"}, "Write each band as its lowest score"),
        ({"code": "ons4"}, "An instrument with the code ons4 exists"),
        ({"rule": ""}, "Choose whether the score is the mean or the sum"),
        ({"bands": "0 to 2: Low"}, "The bands must lie within the possible scores, 1 to 5"),
    ],
)
def test_a_bad_instrument_is_refused_with_a_clear_error(
    signed_in: Any, personas: Personas, changes: dict[str, str], message: str
) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    response = client.post(reverse("measures:build"), {**BUILD, **changes})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not CustomInstrument.objects.exists()


def test_every_problem_with_an_instrument_shows_at_once(signed_in: Any, personas: Personas) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    data = {
        **BUILD,
        "code": "Not a code",
        "items": "One\nTwo",
        "reverse": "",
        "option_labels": "Yes",
    }
    page = client.post(reverse("measures:build"), data).content.decode()
    assert "Enter a code of lower-case letters" in page
    assert "Enter at least 2 answers to choose from" in page
    assert not CustomInstrument.objects.exists()


def test_changing_saves_a_new_version_and_no_change_keeps_it(
    signed_in: Any, personas: Personas
) -> None:
    client = _as(signed_in, personas.coordinator, personas)
    client.post(reverse("measures:build"), BUILD)
    change = reverse("measures:change", kwargs={"code": "needs-satisfaction"})
    form = client.get(change).content.decode()
    assert "I feel unwelcome here" in form and "Save a new version" in form

    unchanged = {k: v for k, v in BUILD.items() if k != "code"}
    client.post(change, unchanged)
    assert CustomInstrument.objects.count() == 1

    response = client.post(change, {**unchanged, "rule": "sum"})
    assert "The bands must lie within the possible scores, 3 to 15" in response.content.decode()
    assert CustomInstrument.objects.count() == 1
    client.post(change, {**unchanged, "rule": "sum", "bands": "3 to 8: Low\n9 to 15: High"})
    assert list(CustomInstrument.objects.values_list("version", "rule")) == [
        (1, "mean"),
        (2, "sum"),
    ]
    old = client.get(
        reverse("measures:version", kwargs={"code": "needs-satisfaction", "version": 1})
    ).content.decode()
    assert "This is version 1" in old and "The mean of the values of 3 items" in old


def test_only_a_site_admin_records_the_licence_and_then_swemwbs_is_usable(
    signed_in: Any, personas: Personas
) -> None:
    url = reverse("measures:licence", kwargs={"code": "swemwbs"})
    data = {"holder": "Ashfield Voluntary Action", "registration_reference": "WEMWBS-1234"}
    # Two people at once: a client each.
    coordinator = sign_in(Client(), personas.coordinator, area=personas.ashfield)
    assert coordinator.get(url).status_code == 403
    assert coordinator.post(url, data).status_code == 403
    assert not library.is_usable("swemwbs")
    assert "swemwbs" not in [i.code for i in library.usable()]

    admin = sign_in(Client(), personas.site_admin, area=personas.ashfield)
    page = admin.get(reverse("measures:instrument", kwargs={"code": "swemwbs"})).content.decode()
    assert "Record the licence" in page
    response = admin.post(url, {"holder": "", "registration_reference": ""})
    assert "Enter who holds the licence" in response.content.decode()
    response = admin.post(url, data)
    assert response.status_code == 302
    assert library.is_usable("swemwbs")
    assert "swemwbs" in [i.code for i in library.usable()]
    licence = InstrumentLicence.objects.get()
    assert (licence.recorded_by, licence.holder) == (personas.site_admin, data["holder"])
    assert AuditEntry.objects.filter(action="instrument_licence.recorded").count() == 1

    withdraw = reverse("measures:withdraw_licence", kwargs={"code": "swemwbs"})
    assert coordinator.post(withdraw).status_code == 403
    assert admin.post(withdraw).status_code == 302
    assert not library.is_usable("swemwbs")
    assert InstrumentLicence.objects.get().withdrawn_by == personas.site_admin


def test_a_builder_confirms_a_template_which_becomes_usable(
    signed_in: Any, personas: Personas
) -> None:
    assert not library.is_usable("neighbourhood-identification")
    client = _as(signed_in, personas.researcher, personas)
    url = reverse("measures:confirm", kwargs={"code": "neighbourhood-identification"})
    page = client.get(url).content.decode()
    assert "could not be verified here" in page
    response = client.post(url, {"citation": "Postmes, Haslam & Jans (2013)"})
    assert "Confirm that you checked the wording against the paper" in response.content.decode()
    assert not TemplateConfirmation.objects.exists()

    response = client.post(url, {"citation": "Postmes, Haslam & Jans (2013)", "checked": "on"})
    assert response.status_code == 302
    assert library.is_usable("neighbourhood-identification")
    assert not library.is_usable("group-memberships")
    page = client.get(response["Location"]).content.decode()
    assert "Confirmed by Rosa Bennett" in page
    # Confirming again is refused, not a second record.
    response = client.post(url, {"citation": "Again", "checked": "on"})
    assert "already confirmed" in response.content.decode()
    assert TemplateConfirmation.objects.count() == 1
    # Only templates are confirmed.
    assert client.get(reverse("measures:confirm", kwargs={"code": "ons4"})).status_code == 404


def test_the_home_card_is_for_those_who_build_instruments(personas: Personas) -> None:
    card = next(card for card in CARDS if card.url_name == "measures:library")
    assert card.capability == Capability.BUILD_INSTRUMENTS
    assert reverse(card.url_name) == "/staff/measures/"
    assert Capability.BUILD_INSTRUMENTS in capabilities_for(Role.COORDINATOR)
    assert Capability.BUILD_INSTRUMENTS in capabilities_for(Role.RESEARCHER)
    assert Capability.BUILD_INSTRUMENTS not in capabilities_for(Role.LINK_WORKER)
