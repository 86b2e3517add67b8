"""Casework fixtures: a client of Ashfield with a referral, and an activity to connect to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone

from inspiring.areas.geography import resolve_postcode
from inspiring.casework.actions.clients import do_create_client
from inspiring.casework.models import Client, Referral
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas


@dataclass
class Casework:
    mary: Client  # a client of Ashfield, on Liam's caseload
    walk: Activity  # a published weekly activity in Ashfield
    other_area_client: Client  # a client of Mansfield


def make_client(
    area_client_of: object,
    first: str = "Mary",
    last: str = "Jones",
    *,
    worker: object = None,
    born: date | None = date(1950, 3, 27),
    nhs_number: str = "",
) -> Client:
    place = resolve_postcode("NG17 7AE")
    client = Client(
        latitude=place.latitude,
        longitude=place.longitude,
        lsoa_code=place.lsoa_code or "",
        imd_decile=place.imd_decile,
        area=area_client_of,  # type: ignore[misc]
        first_name=first,
        last_name=last,
        date_of_birth=born,
        nhs_number=nhs_number,
        postcode="NG17 7AE",
        phone="01632 960001",
        consent_to_hold=True,
        consent_to_contact=True,
        worker=worker,
    )
    referral = Referral(
        source="gp",
        referrer_organisation="Kirkby Health Centre",
        reasons=["loneliness"],
        received_on=timezone.localdate(),
    )
    return do_create_client(None, client, referral, recorded_by=worker)  # type: ignore[arg-type]


@pytest.fixture
def casework(personas: Personas) -> Casework:
    group = organisation(personas.ashfield, "Kirkby Walking Group", email="walks@example.org")
    group.leads.add(personas.partner_lead)
    hall = venue(group, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    walk = activity(group, "Health walk", at=hall)
    weekly(walk, "TU", time(10), time(11), from_date=timezone.localdate())
    materialise_all()
    return Casework(
        mary=make_client(personas.ashfield, worker=personas.link_worker, nhs_number="9434765919"),
        walk=walk,
        other_area_client=make_client(personas.mansfield, "Mo", "Khan"),
    )


@pytest.fixture
def signed_in(client: Browser, personas: Personas) -> Browser:
    """The test client, signed in as Liam, Ashfield's link worker."""
    sign_in(client, personas.link_worker, area=personas.ashfield)
    return client


@pytest.fixture
def request_as_liam(rf: Any, personas: Personas) -> Any:
    """A POST request from Liam, for calling actions directly."""
    request = rf.post("/")
    request.user = personas.link_worker
    return request
