"""An area covering several local authority districts (issue 18, item 1: "local
authority district codes"): started so by the page and the command, found by a postcode
in any of them, its figures (population, GP practices) and centre over all of them, and
a district belonging to one area at most."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client as Browser

from inspiring.accounts.models import AuditEntry
from inspiring.areas import figures
from inspiring.areas.geography import area_for_place, resolve_postcode
from inspiring.areas.models import LSOA, Area, AreaDistrict, GPPractice, Postcode
from inspiring.playbook import sharing
from inspiring.playbook.starting import StartRefused, district_codes, start_area
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

GEDLING = "E07000173"
# Broxtowe: the shipped geography has its LSOAs (the deprivation files cover the
# county) but none of its postcodes; the one below is made up for the test.
BROXTOWE = "E07000172"
BROXTOWE_POSTCODE = "NG9 9ZZ"


def start(personas: Personas, districts: object, **changes: object) -> Area:
    details: dict[str, object] = {
        "name": "Gedling and Broxtowe",
        "programme_name": "Inspiring Gedling and Broxtowe",
        "slug": "gedling-broxtowe",
        "districts": districts,
        "lead_organisation": "Gedling and Broxtowe CVS",
        "source": personas.ashfield,
        "by": personas.site_admin,
    }
    details.update(changes)
    return start_area(**details).area  # type: ignore[arg-type]


def broxtowe_geography() -> LSOA:
    lsoa = LSOA.objects.create(
        code="E01999981",
        name="Broxtowe 999A",
        district_code=BROXTOWE,
        latitude=52.93,
        longitude=-1.25,
        imd_decile=3,
        population=2000,
        population_0_15=300,
        population_16_59=1200,
        population_60_plus=500,
    )
    Postcode.objects.create(
        postcode=BROXTOWE_POSTCODE,
        district_code=BROXTOWE,
        latitude=52.93,
        longitude=-1.25,
        lsoa=lsoa,
        lsoa_approximate=False,
    )
    return lsoa


def test_codes_are_read_as_typed() -> None:
    assert district_codes(" e07000173, E07000172;E07000173 \n") == [GEDLING, BROXTOWE]
    assert district_codes([GEDLING, " e07000172 "]) == [GEDLING, BROXTOWE]
    assert district_codes("  ") == []


def test_an_area_starts_with_a_lead_and_a_further_district(personas: Personas) -> None:
    area = start(personas, f"{GEDLING}, {BROXTOWE}")
    assert area.local_authority_code == GEDLING
    assert list(AreaDistrict.objects.filter(area=area).values_list("code", flat=True)) == [BROXTOWE]
    assert area.district_codes() == [GEDLING, BROXTOWE]
    entry = AuditEntry.objects.get(action="area.started", area=area)
    assert entry.detail["districts"] == [GEDLING, BROXTOWE]


def test_the_message_names_every_district(personas: Personas) -> None:
    started = start_area(
        name="Gedling and Broxtowe",
        programme_name="Inspiring Gedling and Broxtowe",
        slug="gedling-broxtowe",
        districts=[GEDLING, BROXTOWE],
        lead_organisation="CVS",
        source=personas.ashfield,
        by=None,
    )
    assert started.message.startswith(
        "Started Inspiring Gedling and Broxtowe (/gedling-broxtowe/) from Ashfield: "
        f"{GEDLING} (Gedling) and {BROXTOWE} (Broxtowe), "
    )
    # A district the geography does not name is given by its code alone.
    other = start(personas, ["E07999999"], name="Made Up", slug="made-up")
    assert other.districts_named() == [("E07999999", "")]


def test_a_postcode_in_a_further_district_finds_the_programme(
    client: Browser, personas: Personas
) -> None:
    broxtowe_geography()
    place = resolve_postcode(BROXTOWE_POSTCODE)
    assert area_for_place(place) is None
    area = start(personas, [GEDLING, BROXTOWE])
    assert area_for_place(place) == area
    page = client.get("/", {"postcode": BROXTOWE_POSTCODE})
    assert page.status_code == 302 and page["Location"] == "/gedling-broxtowe/"


def test_the_same_start_again_changes_nothing_whatever_the_order_of_further_districts(
    personas: Personas,
) -> None:
    start(personas, [GEDLING, BROXTOWE, "E07000176"])
    again = start_area(
        name="Gedling and Broxtowe",
        programme_name="Inspiring Gedling and Broxtowe",
        slug="gedling-broxtowe",
        districts=f"{GEDLING} E07000176 {BROXTOWE}",
        lead_organisation="Gedling and Broxtowe CVS",
        source=personas.ashfield,
        by=None,
    )
    assert not again.created and again.message.startswith("Nothing changed")
    assert AreaDistrict.objects.count() == 2


def test_another_lead_district_or_another_set_is_refused(personas: Personas) -> None:
    start(personas, [GEDLING, BROXTOWE])
    with pytest.raises(StartRefused) as refused:
        start(personas, [BROXTOWE, GEDLING])
    assert list(refused.value.errors) == ["districts"]
    assert f"with its districts “{GEDLING}, {BROXTOWE}”, not “{BROXTOWE}, {GEDLING}”" in (
        str(refused.value)
    )
    with pytest.raises(StartRefused):
        start(personas, [GEDLING])
    assert AreaDistrict.objects.count() == 1


@pytest.mark.parametrize("taken", ["E07000170", BROXTOWE])
def test_a_district_another_area_covers_is_refused_and_nothing_is_made(
    personas: Personas, taken: str
) -> None:
    # Broxtowe is another new area's further district; Ashfield (E07000170) is the
    # Ashfield area's lead district.
    start(personas, ["E07000176", BROXTOWE], name="Rushcliffe", slug="rushcliffe")
    areas = Area.objects.count()
    with pytest.raises(StartRefused) as refused:
        start(personas, [GEDLING, taken])
    (said,) = refused.value.errors["districts"]
    assert said.startswith(f"{taken} is already covered by Inspiring ")
    assert "a district belongs to one area" in said
    assert Area.objects.count() == areas
    assert AreaDistrict.objects.count() == 1


def test_the_models_refuse_a_district_another_area_covers(personas: Personas) -> None:
    area = start(personas, [GEDLING, BROXTOWE])
    further = AreaDistrict(area=personas.mansfield, code=BROXTOWE.lower())
    with pytest.raises(ValidationError) as invalid:
        further.full_clean()
    assert "E07000172 is already covered by Gedling and Broxtowe." in str(invalid.value)
    lead = AreaDistrict(area=personas.mansfield, code="E07000174")
    with pytest.raises(ValidationError) as invalid:
        lead.full_clean()
    assert "this area's lead district already" in str(invalid.value)
    personas.newark.local_authority_code = BROXTOWE
    with pytest.raises(ValidationError) as invalid:
        personas.newark.full_clean()
    assert invalid.value.message_dict["local_authority_code"] == [
        "E07000172 is already covered by Gedling and Broxtowe."
    ]
    # Its own further district is not "another area's".
    AreaDistrict(area=area, code="E07000176").full_clean()


def test_population_and_practices_cover_every_district(personas: Personas) -> None:
    area = start(personas, [GEDLING])
    broxtowe_geography()
    GPPractice.objects.create(
        code="Z99999", name="Beeston Test Practice", district_code=BROXTOWE, list_size=5000
    )
    before_ages = figures.population_by_age_band([area.pk])
    before_quintiles = figures.population_by_imd_quintile([area.pk])
    before_practices = {p.code for p in figures.practices([area.pk])}
    assert "Z99999" not in before_practices

    AreaDistrict.objects.create(area=area, code=BROXTOWE)

    broxtowe = LSOA.objects.filter(district_code=BROXTOWE).aggregate(
        old=Sum("population_60_plus"), young=Sum("population_0_15"), everyone=Sum("population")
    )
    assert broxtowe["old"] > 500  # the shipped LSOAs and the made-up one
    ages = figures.population_by_age_band([area.pk])
    assert ages.counts["60+"] == before_ages.counts["60+"] + broxtowe["old"]
    assert ages.counts["0-15"] == before_ages.counts["0-15"] + broxtowe["young"]
    quintiles = figures.population_by_imd_quintile([area.pk])
    assert quintiles.total == before_quintiles.total + broxtowe["everyone"]
    assert {p.code for p in figures.practices([area.pk])} == before_practices | {"Z99999"}
    # Other areas' figures are untouched.
    assert "Z99999" not in {p.code for p in figures.practices([personas.ashfield.pk])}


def test_the_residents_centre_is_over_every_district(personas: Personas) -> None:
    area = start(personas, [GEDLING])
    gedling_only = sharing.centre(area)
    assert gedling_only is not None
    broxtowe_geography()
    AreaDistrict.objects.create(area=area, code=BROXTOWE)
    both = sharing.centre(area)
    assert both is not None
    broxtowe = LSOA.objects.filter(district_code=BROXTOWE).aggregate(everyone=Sum("population"))
    assert both.residents == gedling_only.residents + broxtowe["everyone"]
    assert both.longitude < gedling_only.longitude  # pulled west, towards Broxtowe


def test_the_command_takes_the_district_again_for_each(personas: Personas) -> None:
    out = StringIO()
    call_command(
        "start_area",
        "--name",
        "Inspiring Gedling and Broxtowe",
        "--slug",
        "gedling-broxtowe",
        "--district",
        GEDLING,
        "--district",
        BROXTOWE,
        "--from",
        "ashfield",
        stdout=out,
    )
    said = out.getvalue()
    area = Area.objects.get(slug="gedling-broxtowe")
    assert area.district_codes() == [GEDLING, BROXTOWE]
    assert f"Geography of {GEDLING}, {BROXTOWE}: " in said
    assert "postcodes of its districts loaded" in said
    # The shipped files have no Broxtowe: the command says so.
    assert f"No postcodes of {BROXTOWE} are in these files" in said


def test_the_page_starts_an_area_over_several_districts(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    response = client.post(
        "/staff/areas/new/",
        {
            "name": "Gedling and Broxtowe",
            "programme_name": "Inspiring Gedling and Broxtowe",
            "slug": "gedling-broxtowe",
            "districts": f"{GEDLING}, {BROXTOWE}",
            "lead_organisation": "Gedling and Broxtowe CVS",
            "source": "ashfield",
        },
    )
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "Districts</dt>" in text
    assert f"Gedling ({GEDLING}), the lead district" in text
    assert f"<li>Broxtowe ({BROXTOWE})</li>" in text
    assert "postcodes of the districts are loaded" in text

    page = client.post(
        "/staff/areas/new/",
        {
            "name": "Mid Notts",
            "programme_name": "Inspiring Mid Notts",
            "slug": "mid-notts",
            "districts": "E07000170 E0700017",
            "lead_organisation": "Mid Notts CVS",
            "source": "ashfield",
        },
    )
    text = page.content.decode()
    assert page.status_code == 200 and 'href="#id_districts"' in text
    assert "E07000170 is already covered by Inspiring Ashfield (/ashfield/)" in text
    assert "“E0700017” is not a GSS code." in text
    assert 'value="E07000170 E0700017"' in text


def test_the_site_administration_lists_further_districts(
    client: Browser, personas: Personas
) -> None:
    area = start(personas, [GEDLING, BROXTOWE])
    sign_in(client, personas.site_admin)
    page = client.get(f"/admin/areas/area/{area.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Further districts the programme covers" in text
    assert f'value="{BROXTOWE}"' in text
