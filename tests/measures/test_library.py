"""What other apps ask: get(code, version), usable(), is_usable(code), and the actions
that switch instruments on."""

from __future__ import annotations

import pytest

from inspiring.accounts.models import AuditEntry
from inspiring.measures import library
from inspiring.measures.actions import (
    InstrumentRefused,
    do_confirm_template,
    do_record_licence,
    do_withdraw_licence,
)
from inspiring.measures.models import InstrumentLicence
from tests.personas import Personas


@pytest.mark.django_db
def test_out_of_the_box_only_the_free_published_instruments_are_usable() -> None:
    assert [i.code for i in library.usable()] == ["ons4", "ons-loneliness"]
    assert library.is_usable("ons4")
    assert not library.is_usable("swemwbs")
    assert not library.is_usable("group-memberships")
    assert not library.is_usable("unknown")


@pytest.mark.django_db
def test_get_finds_any_shipped_instrument_at_its_version_usable_or_not() -> None:
    swemwbs = library.get("swemwbs")
    assert swemwbs is not None and swemwbs.code == "swemwbs"
    assert library.get("swemwbs", "1") is swemwbs
    assert library.get("swemwbs", "2") is None
    assert library.get("nope") is None


def test_only_a_site_admin_may_record_a_licence(personas: Personas) -> None:
    with pytest.raises(InstrumentRefused, match="Only a site administrator"):
        do_record_licence(
            None, "swemwbs", holder="X", registration_reference="Y", by=personas.coordinator
        )
    with pytest.raises(InstrumentRefused, match="does not need a licence"):
        do_record_licence(
            None, "ons4", holder="X", registration_reference="Y", by=personas.site_admin
        )
    assert not InstrumentLicence.objects.exists()


def test_a_licence_is_recorded_once_and_withdrawn_keeping_its_history(
    personas: Personas,
) -> None:
    admin = personas.site_admin
    do_record_licence(None, "swemwbs", holder="A", registration_reference="1", by=admin)
    with pytest.raises(InstrumentRefused, match="already recorded"):
        do_record_licence(None, "swemwbs", holder="B", registration_reference="2", by=admin)
    assert library.is_usable("swemwbs")
    do_withdraw_licence(None, "swemwbs", by=admin)
    assert not library.is_usable("swemwbs")
    with pytest.raises(InstrumentRefused, match="No licence"):
        do_withdraw_licence(None, "swemwbs", by=admin)
    # Recorded again after a withdrawal: a second row, the first kept.
    do_record_licence(None, "swemwbs", holder="C", registration_reference="3", by=admin)
    assert InstrumentLicence.objects.count() == 2
    assert library.is_usable("swemwbs")
    assert list(
        AuditEntry.objects.filter(action__startswith="instrument_licence.")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    ) == [
        "instrument_licence.recorded",
        "instrument_licence.withdrawn",
        "instrument_licence.recorded",
    ]


def test_confirming_a_template_makes_it_usable(personas: Personas) -> None:
    with pytest.raises(InstrumentRefused, match="not a template"):
        do_confirm_template(None, "ons4", citation="x", by=personas.coordinator)
    with pytest.raises(InstrumentRefused, match="Enter the published paper"):
        do_confirm_template(None, "group-memberships", citation=" ", by=personas.coordinator)
    do_confirm_template(
        None, "group-memberships", citation="Haslam et al. (2008)", by=personas.coordinator
    )
    assert library.is_usable("group-memberships")
    assert "group-memberships" in [i.code for i in library.usable()]
    entry = AuditEntry.objects.get(action="instrument_template.confirmed")
    assert entry.actor == personas.coordinator
    assert entry.detail["citation"] == "Haslam et al. (2008)"
