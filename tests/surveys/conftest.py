"""The surveys' shared fixtures: Ashfield's survey built from the template and opened,
and a known postcode in Ashfield (from the geography the project ships)."""

from __future__ import annotations

import pytest

from inspiring.areas.geography import Place, resolve_postcode
from inspiring.areas.models import Postcode
from inspiring.surveys.actions import do_create_from_template, do_open
from inspiring.surveys.models import Survey
from tests.personas import Personas


@pytest.fixture
def draft_survey(personas: Personas) -> Survey:
    """Ashfield's survey as the template builds it, still a draft (Chloe made it)."""
    return do_create_from_template(None, personas.ashfield, by=personas.coordinator)


@pytest.fixture
def ashfield_survey(draft_survey: Survey) -> Survey:
    """Ashfield's survey from the template, open to residents."""
    do_open(None, draft_survey)
    draft_survey.refresh_from_db()
    return draft_survey


@pytest.fixture
def ashfield_place(db: None) -> Place:
    """A postcode in Ashfield with a known neighbourhood and deprivation decile."""
    postcode = (
        Postcode.objects.filter(
            district_code="E07000170", lsoa__isnull=False, lsoa__imd_decile__isnull=False
        )
        .order_by("postcode")
        .values_list("postcode", flat=True)
        .first()
    )
    assert postcode is not None, "the shipped geography has postcodes in Ashfield"
    return resolve_postcode(postcode)
