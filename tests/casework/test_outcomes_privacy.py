"""Outcomes are personal data: in the registry (every client-linked model), in the
subject access export in words, and erased with the rest (links deleted)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import personal_data
from inspiring.casework.actions.outcomes import do_record_administration
from inspiring.casework.actions.privacy import do_erase_client
from inspiring.casework.models import Administration, Client, OutcomeLink
from inspiring.casework.models.outcomes import hash_token
from inspiring.measures import library
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework
from .test_privacy import _fill, _rows

pytestmark = pytest.mark.django_db


def _outcomes_of(request: Any, mary: Client) -> OutcomeLink:
    instrument = library.get("ons4")
    assert instrument is not None
    do_record_administration(
        request,
        mary,
        instrument,
        {"life_satisfaction": 4, "worthwhile": 5, "happiness": 3},
        timepoint="baseline",
        on=timezone.localdate(),
    )
    return OutcomeLink.objects.create(
        client=mary,
        instrument_code="ons4",
        instrument_version=instrument.version,
        timepoint="follow_up",
        token_hash=hash_token("a-token"),
        expires_at=timezone.now() + timedelta(days=14),
    )


def test_outcomes_are_in_the_personal_data_registry(
    request_as_liam: Any, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    _fill(mary, casework, personas)
    _outcomes_of(request_as_liam, mary)
    met = {type(row) for row in _rows(Client.objects.get(pk=mary.pk))}
    assert {Administration, OutcomeLink} <= met
    missing = sorted(m._meta.label for m in met if personal_data.holding_for(m) is None)
    assert missing == []
    for model in (Administration, OutcomeLink):
        holding = personal_data.holding_for(model)
        assert holding is not None and holding.rows(mary).exists()


def test_the_export_has_the_answers_in_words_and_no_token(
    client: Browser, request_as_liam: Any, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    _outcomes_of(request_as_liam, mary)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(reverse("casework:export", args=[mary.public_id]), {"format": "json"})
    data = json.loads(response.content)
    [measure] = data["outcomes"]
    assert measure["instrument_code"] == "ONS personal wellbeing (ONS4)"
    assert measure["answers"]["Overall, how satisfied are you with your life nowadays?"] == "4"
    assert measure["scores"]["Life satisfaction"] == 4
    assert measure["bands"]["Life satisfaction"] == "Low"
    assert measure["complete"] is False and "anxiety: not answered" in measure["problems"]
    [link] = data["outcome_links"]
    assert "token_hash" not in link and hash_token("a-token") not in response.content.decode()
    pdf = client.post(reverse("casework:export", args=[mary.public_id]), {"format": "pdf"})
    assert pdf.status_code == 200


def test_erasure_keeps_the_scores_and_deletes_the_links(
    request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    _outcomes_of(request_as_liam, mary)
    do_erase_client(None, mary, reason="She asked us to")
    assert not OutcomeLink.objects.exists()
    # What remains identifies nobody: scores, dates and the instrument, kept for evaluation.
    kept = Administration.objects.get()
    assert kept.scores["life_satisfaction"] == 4
