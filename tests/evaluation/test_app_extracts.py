"""Extracts: pseudonymous rows, nothing identifying, pseudonyms stable within an analysis
and different between analyses, only areas in scope, every extract audited.

The builders here (`survey_with_responses`, `outcomes_clients`) are the evaluation app
tests' deterministic data sets, imported by the other test_app_* modules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from inspiring.accounts.models import AuditEntry
from inspiring.areas.models import Area
from inspiring.casework.models import Administration, Client, Connection, GroupMembership
from inspiring.evaluation import extracts
from inspiring.surveys.actions import do_create_from_template, do_open, do_record_response
from inspiring.surveys.models import Survey
from tests.directory.builders import activity, organisation
from tests.personas import Personas

IDENTIFYING = {
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "nhs_number",
    "postcode",
    "lsoa_code",
    "date_of_birth",
    "public_id",
    "submitted_on",
    "administered_on",
}


def survey_with_responses(personas: Personas, n: int = 40) -> Survey:
    """Ashfield's template survey, open, with `n` deterministic responses: wellbeing
    rises with neighbourhood identification, loneliness falls with groups."""
    survey = do_create_from_template(None, personas.ashfield, by=personas.coordinator)
    do_open(None, survey)
    survey.refresh_from_db()
    for i in range(n):
        identify = 1 + i % 7
        groups = i % 5
        do_record_response(
            survey,
            {
                "categories": {"knows": [0, 1], "uses": [0] if i % 3 else [], "wants": [1]},
                "barriers": ["awareness", "cost"] if i % 2 else ["time"],
                "measures": {
                    "ons4": {
                        "life_satisfaction": min(10, 2 + identify + (i % 3)),
                        "worthwhile": min(10, 3 + identify),
                        "happiness": min(10, 1 + identify + (i % 2)),
                        "anxiety": 10 - identify,
                    },
                    "ons-loneliness": {
                        "lack_companionship": 3 - min(2, groups // 2),
                        "left_out": 3 - min(2, (groups + i % 2) // 2),
                        "isolated": 3 - min(2, groups // 3),
                        "lonely": 1 + i % 5,
                    },
                },
                "groups_count": groups,
                "age_band": "25_34" if i % 2 else "65_74",
                "sex": "female" if i % 3 else "male",
                "lsoa_code": "",
            },
            "paper",
            entered_by=personas.coordinator,
        )
    return survey


def _client(area: Area, i: int, *, consent_to_research: bool = True) -> Client:
    return Client.objects.create(
        area=area,
        first_name=f"Person{i}",
        last_name="Example",
        date_of_birth=date(1950 + i % 40, 1 + i % 12, 1 + i % 27),
        nhs_number=f"94347659{i % 100:02d}",
        postcode="NG17 7AE",
        lsoa_code="E01028000",
        imd_decile=1 + i % 10,
        phone="01632 960001",
        email=f"person{i}@example.org",
        sex="female" if i % 2 else "male",
        consent_to_hold=True,
        consent_to_research=consent_to_research,
    )


def outcomes_clients(personas: Personas, n: int = 24, area: Area | None = None) -> list[Client]:
    """`n` clients of Ashfield with an ONS4 baseline and (all but every sixth) a
    follow-up 12 weeks later, life satisfaction up by i % 4; groups joined between."""
    area = area or personas.ashfield
    group = organisation(area, f"{area.name} Walkers")
    walk = activity(group, "Health walk", at=None, categories=("walking",))
    clients = []
    start = date(2026, 1, 5)
    for i in range(n):
        client = _client(area, i)
        clients.append(client)
        base = 3 + i % 5
        Administration.objects.create(
            client=client,
            instrument_code="ons4",
            instrument_version="1",
            timepoint="baseline",
            answers={"life_satisfaction": base, "worthwhile": 5, "happiness": 4, "anxiety": 6},
            administered_on=start,
            how="call",
        )
        GroupMembership.objects.create(
            client=client,
            name="Family",
            kind="family",
            importance=5,
            positivity=4,
            contact="weekly",
            joined_on=date(2020, 1, 1),
        )
        if i % 6 == 5:
            continue
        Administration.objects.create(
            client=client,
            instrument_code="ons4",
            instrument_version="1",
            timepoint="follow_up",
            answers={
                "life_satisfaction": base + i % 4,
                "worthwhile": 6,
                "happiness": 5,
                "anxiety": 5,
            },
            administered_on=start + timedelta(weeks=12),
            how="call",
        )
        if i % 2:
            GroupMembership.objects.create(
                client=client,
                name="Walking group",
                kind="hobby",
                importance=4,
                positivity=5,
                contact="weekly",
                joined_on=start + timedelta(weeks=4),
            )
            Connection.objects.create(
                client=client,
                activity=walk,
                status="attending",
                status_changed_on=start + timedelta(weeks=4),
            )
    return clients


def test_survey_extract_has_the_agreed_columns_and_nothing_identifying(
    personas: Personas,
) -> None:
    survey = survey_with_responses(personas, n=12)
    frame = extracts.survey_extract(survey, "salt-a")
    assert len(frame) == 12
    columns = list(frame.columns)
    assert columns[:9] == [
        "pseudonym",
        "synthetic",
        "imd_decile",
        "imd_quintile",
        "age_band",
        "sex",
        "ethnic_group",
        "disability",
        "groups_count",
    ]
    for name in (
        "knows_walking",
        "uses_walking",
        "wants_walking",
        "barrier_awareness",
        "barrier_cost",
        "took_part",
        "ons4_life_satisfaction",
        "ons4_anxiety",
        "ons_loneliness_lack_companionship",
        "ons_loneliness_ucla3",
        "ons_loneliness_direct",
    ):
        assert name in columns, name
    assert not IDENTIFYING & set(columns)
    assert columns == [c.name for c in extracts.survey_columns(survey)]
    # Scores from the instruments: the UCLA-3 sum of its three items.
    items = frame[
        ["ons_loneliness_lack_companionship", "ons_loneliness_left_out", "ons_loneliness_isolated"]
    ].sum(axis=1)
    assert (frame["ons_loneliness_ucla3"] == items).all()
    assert set(frame["barrier_awareness"]) == {0, 1}
    assert sorted(frame["took_part"].tolist()) == sorted(0 if i % 3 == 0 else 1 for i in range(12))
    assert frame["pseudonym"].tolist() == sorted(frame["pseudonym"])  # not arrival order


def test_pseudonyms_are_stable_within_an_analysis_and_differ_between_analyses(
    personas: Personas,
) -> None:
    survey = survey_with_responses(personas, n=5)
    first = extracts.survey_extract(survey, "salt-a")
    again = extracts.survey_extract(survey, "salt-a")
    other = extracts.survey_extract(survey, "salt-b")
    assert first["pseudonym"].tolist() == again["pseudonym"].tolist()
    assert extracts.fingerprint(first) == extracts.fingerprint(again)
    assert not set(first["pseudonym"]) & set(other["pseudonym"])
    # Nothing in the pseudonym is the response's own id.
    ids = {str(pk) for pk in survey.responses.values_list("public_id", flat=True)}
    assert not any(p[1:] in i for p in first["pseudonym"] for i in ids)


def test_outcomes_extract_one_row_per_client_with_a_baseline(personas: Personas) -> None:
    clients = outcomes_clients(personas, n=12)
    # Not counted: no consent to research, no baseline, another area.
    _client(personas.ashfield, 90, consent_to_research=False)
    _client(personas.ashfield, 91)
    outcomes_clients(personas, n=3, area=personas.mansfield)
    frame = extracts.outcomes_extract([personas.ashfield], "salt-a")
    assert len(frame) == len(clients) == 12
    assert not IDENTIFYING & set(frame.columns)
    for name in (
        "pseudonym",
        "area",
        "imd_quintile",
        "age_band",
        "sex",
        "groups_baseline",
        "groups_followup",
        "groups_change",
        "connections",
        "attended",
        "cat_walking",
        "baseline_ons4_life_satisfaction",
        "followup_ons4_life_satisfaction",
        "change_ons4_life_satisfaction",
    ):
        assert name in frame.columns, name
    assert set(frame["area"]) == {"ashfield"}
    assert set(frame["age_band"]) <= {"45_54", "55_64", "65_74", "75_plus"}
    by_change = frame.dropna(subset=["change_ons4_life_satisfaction"])
    assert len(by_change) == 10  # every sixth has no follow-up
    assert (
        by_change["followup_ons4_life_satisfaction"] - by_change["baseline_ons4_life_satisfaction"]
        == by_change["change_ons4_life_satisfaction"]
    ).all()
    assert sorted(frame["groups_baseline"].unique().tolist()) == [1.0]
    joined = frame[frame["cat_walking"] == 1]
    assert (joined["groups_change"] == 1).all() and (joined["attended"] == 1).all()
    assert (joined["connections"] == 1).all()


def test_every_extract_is_audited(personas: Personas) -> None:
    survey = survey_with_responses(personas, n=3)
    outcomes_clients(personas, n=2)
    before = AuditEntry.objects.filter(action="evaluation.extracted").count()
    extracts.survey_extract(survey, "s", actor=personas.researcher)
    extracts.outcomes_extract([personas.ashfield], "s", actor=personas.researcher)
    entries = AuditEntry.objects.filter(action="evaluation.extracted").order_by("pk")
    assert entries.count() == before + 2
    assert {e.actor for e in entries} == {personas.researcher}
    assert {e.area for e in entries} == {personas.ashfield}


@pytest.mark.parametrize("slug", ["ashfield", "mansfield"])
def test_a_spec_names_its_data_set(personas: Personas, slug: str) -> None:
    source, areas = extracts.resolve_dataset({"dataset": {"source": "outcomes", "areas": [slug]}})
    assert source == "outcomes" and [a.slug for a in areas] == [slug]
    with pytest.raises(LookupError):
        extracts.resolve_dataset({"dataset": {"source": "outcomes", "areas": ["nowhere"]}})
