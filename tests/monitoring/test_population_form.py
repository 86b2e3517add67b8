"""The area's population figures: one form, every group, blank for not recorded."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse

from inspiring.accounts.models import AuditEntry
from inspiring.monitoring.models import PopulationFigure
from inspiring.monitoring.population import DEFAULT_SOURCE, population_shares
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
