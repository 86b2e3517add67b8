from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from tests.directory.builders import Directory
from tests.directory.conftest import TODAY, directory  # noqa: F401

PLACES = 3


@dataclass
class Bookable:
    activity: Activity  # Knit and Natter: 3 places a session, anyone may book online
    session: Session  # its next session
    later: Session  # the one after


@pytest.fixture
def bookable(directory: Directory) -> Bookable:  # noqa: F811
    knitting = directory.knitting
    Schedule.objects.filter(activity=knitting).update(places=PLACES)
    knitting.public_booking = True
    knitting.save()
    materialise_all(today=TODAY)
    upcoming = list(
        Session.objects.filter(activity=knitting, start__gt=timezone.now()).order_by("start")[:2]
    )
    assert all(s.places == PLACES and s.booked == 0 for s in upcoming)
    return Bookable(knitting, upcoming[0], upcoming[1])
