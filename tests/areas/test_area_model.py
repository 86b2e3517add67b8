"""Areas: validation of their web address and code, and who sees whose activities."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inspiring.areas.models import Area
from tests.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["staff", "admin", "accounts", "static", "api", "invitations"])
def test_an_area_cannot_take_a_web_address_the_site_uses(slug: str) -> None:
    area = Area(
        name="X",
        programme_name="Inspiring X",
        slug=slug,
        local_authority_code="E07000170",
        lead_organisation="X CVS",
    )
    with pytest.raises(ValidationError) as error:
        area.full_clean()
    assert "used by the site itself" in str(error.value)


@pytest.mark.parametrize("code", ["E0700017", "07000170", "e07000170", "E07000170X"])
def test_the_local_authority_code_must_be_a_gss_code(code: str) -> None:
    area = Area(
        name="X",
        programme_name="Inspiring X",
        slug="x",
        local_authority_code=code,
        lead_organisation="X CVS",
    )
    with pytest.raises(ValidationError, match="Enter a GSS code"):
        area.full_clean()


def test_sharing_is_one_way_and_chosen_by_the_sharing_area(personas: Personas) -> None:
    # Ashfield shares with Mansfield; Mansfield shares with Ashfield and Newark.
    seen_in_newark = set(Area.objects.sharing_with(personas.newark))
    assert seen_in_newark == {personas.newark, personas.mansfield}
    seen_in_mansfield = set(Area.objects.sharing_with(personas.mansfield))
    assert seen_in_mansfield == {personas.mansfield, personas.ashfield}
    seen_in_ashfield = set(Area.objects.sharing_with(personas.ashfield))
    assert seen_in_ashfield == {personas.ashfield, personas.mansfield}


def test_an_area_knows_its_district(personas: Personas) -> None:
    district = personas.mansfield.district()
    assert district is not None and district.name == "Mansfield"


def test_a_reserved_web_address_is_refused_whatever_its_case() -> None:
    area = Area(
        name="X",
        programme_name="Inspiring X",
        slug="Staff",
        local_authority_code="E07000170",
        lead_organisation="X CVS",
    )
    with pytest.raises(ValidationError, match="used by the site itself"):
        area.full_clean()
