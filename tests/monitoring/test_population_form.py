"""The area's population figures: one form, every group, blank for not recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from inspiring.accounts.models import AuditEntry
from inspiring.monitoring.models import PopulationFigure
from inspiring.monitoring.population import DEFAULT_SOURCE, GROUPS, population_shares
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

URL = "monitoring:population"


@pytest.fixture
def chloe(client: Browser, personas: Personas) -> Browser:
    return sign_in(client, personas.coordinator)


def test_the_form_offers_every_group_but_prefer_not_to_say(chloe: Browser) -> None:
    page = chloe.get(reverse(URL)).content.decode()
    assert 'name="sex__female"' in page and 'name="ethnic_group__white_roma"' in page
    assert "prefer_not" not in page
    assert f'value="{DEFAULT_SOURCE}"' in page
    assert "Deprivation and age need nothing here" in page


def test_figures_are_saved_blank_is_not_recorded_and_audited(
    chloe: Browser, personas: Personas
) -> None:
    response = chloe.post(
        reverse(URL),
        {"source": DEFAULT_SOURCE, "sex__female": "65,400", "sex__male": "62 100"},
    )
    assert response.status_code == 302
    saved = {(f.dimension, f.group): f.count for f in PopulationFigure.objects.all()}
    assert saved == {("sex", "female"): 65400, ("sex", "male"): 62100}
    assert PopulationFigure.objects.filter(updated_by=personas.coordinator).count() == 2
    assert AuditEntry.objects.filter(action="population.recorded").count() == 1
    shares = population_shares([personas.ashfield.pk], "sex")
    assert shares is not None and shares.counts == {"female": 65400, "male": 62100}
    assert population_shares([personas.ashfield.pk], "ethnic_group") is None
    page = chloe.get(reverse(URL)).content.decode()
    assert 'value="65400"' in page

    # Blanking a figure removes it; saving the same again changes nothing.
    chloe.post(reverse(URL), {"source": DEFAULT_SOURCE, "sex__female": "65400"})
    assert list(PopulationFigure.objects.values_list("group", flat=True)) == ["female"]
    chloe.post(reverse(URL), {"source": DEFAULT_SOURCE, "sex__female": "65400"})
    assert AuditEntry.objects.filter(action="population.recorded").count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "The number of residents for Female must be 0 or more"),
        ("12.5", "Enter the number of residents for Female as a whole number"),
        ("lots", "Enter the number of residents for Female as a whole number"),
        ("9" * 30, "The number of residents for Female is too large"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_saved(
    chloe: Browser, value: str, message: str
) -> None:
    response = chloe.post(
        reverse(URL), {"source": DEFAULT_SOURCE, "sex__female": value, "sex__male": "100"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not PopulationFigure.objects.exists()


def test_a_source_is_needed(chloe: Browser) -> None:
    response = chloe.post(reverse(URL), {"source": " ", "sex__female": "100"})
    assert "Enter where the figures come from" in response.content.decode()
    assert not PopulationFigure.objects.exists()


def test_each_area_records_its_own(client: Browser, personas: Personas) -> None:
    PopulationFigure.objects.create(
        area=personas.ashfield, dimension="sex", group="female", count=10, source="Census"
    )
    sign_in(client, personas.mansfield_coordinator)
    assert 'value="10"' not in client.get(reverse(URL)).content.decode()
    client.post(reverse(URL), {"source": "Census", "sex__female": "20"})
    assert PopulationFigure.objects.get(area=personas.ashfield).count == 10
    assert PopulationFigure.objects.get(area=personas.mansfield).count == 20


def _record(area: Any, dimension: str, counts: dict[str, int]) -> None:
    for group, count in counts.items():
        PopulationFigure.objects.create(
            area=area, dimension=dimension, group=group, count=count, source="Census"
        )


def test_a_dimension_is_compared_only_once_every_group_is_recorded(
    personas: Personas,
) -> None:
    ashfield, mansfield = personas.ashfield.pk, personas.mansfield.pk
    _record(personas.ashfield, "sex", {"female": 100})
    # One group only: its share would be 100%.
    assert population_shares([ashfield], "sex") is None
    # A 0 is a recorded figure.
    _record(personas.ashfield, "sex", {"male": 0})
    shares = population_shares([ashfield], "sex")
    assert shares is not None and shares.counts == {"female": 100, "male": 0}
    # Every area asked, every group: Mansfield has one group only.
    _record(personas.mansfield, "sex", {"female": 50})
    assert population_shares([ashfield, mansfield], "sex") is None
    _record(personas.mansfield, "sex", {"male": 40})
    shares = population_shares([ashfield, mansfield], "sex")
    assert shares is not None and shares.counts == {"female": 150, "male": 40}
    # Ethnic group: all but one of its groups is not enough.
    groups = [code for code, _ in GROUPS["ethnic_group"]]
    _record(personas.ashfield, "ethnic_group", dict.fromkeys(groups[:-1], 10))
    assert population_shares([ashfield], "ethnic_group") is None
    _record(personas.ashfield, "ethnic_group", {groups[-1]: 0})
    assert population_shares([ashfield], "ethnic_group") is not None
    assert population_shares([], "sex") is None


def test_the_page_says_which_groups_are_missing(chloe: Browser, personas: Personas) -> None:
    page = chloe.get(reverse(URL)).content.decode()
    assert "Sex: no group recorded yet" in page and "Ethnic group: no group recorded yet" in page
    chloe.post(reverse(URL), {"source": DEFAULT_SOURCE, "sex__female": "100"})
    page = chloe.get(reverse(URL)).content.decode()
    assert "The dashboard leaves out these comparisons until their groups are recorded" in page
    assert "Sex: 1 group not recorded (Male)" in page
    data = {"source": DEFAULT_SOURCE, "sex__female": "100", "sex__male": "0"}
    data |= {f"ethnic_group__{code}": "7" for code, _ in GROUPS["ethnic_group"]}
    chloe.post(reverse(URL), data)
    page = chloe.get(reverse(URL)).content.decode()
    assert "leaves out these comparisons" not in page
    assert "Every group is recorded" in page
    assert population_shares([personas.ashfield.pk], "ethnic_group") is not None
