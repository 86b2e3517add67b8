from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from unittest import mock

import pytest

from inspiring.directory.materialise import materialise_all
from inspiring.directory.recurrence import LONDON
from tests.personas import Personas

from .builders import Directory, build_directory

# A fixed "today" for the directory tests: a Monday in spring.
TODAY = date(2026, 3, 2)


@pytest.fixture
def directory(personas: Personas) -> Directory:
    built = build_directory(personas, today=TODAY)
    materialise_all(today=TODAY)
    return built


@pytest.fixture
def frozen_today() -> Iterator[None]:
    """Make the clock read 08:00 on TODAY, for pages that start from "now"."""
    now = datetime.combine(TODAY, time(8), tzinfo=LONDON)
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        mock.patch("django.utils.timezone.localdate", return_value=TODAY),
    ):
        yield
