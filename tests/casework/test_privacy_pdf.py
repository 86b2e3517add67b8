"""The subject access PDF reads as words a person uses: every field under a label (its
verbose name, or a plain one where the model gives none), never a raw field name or a
code in lower case; referrals named once; and the audit trail's runs of the same thing
on the same day said once, with how many times."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Assessment
from inspiring.casework.privacy import (
    Block,
    _audit_rows,
    pdf_sections,
    referral_title,
    subject_access_data,
)
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework
from .test_privacy import _fill

pytestmark = pytest.mark.django_db

# Words that are codes: written in capitals when a label uses them.
_CODES = re.compile(r"\b(gp|nhs|id|lsoa|imd|snomed|sms|pdf|url)\b")


def _labels(sections: list[tuple[str, list[Block]]]) -> list[str]:
    labels: list[str] = []
    for title, blocks in sections:
        if title.startswith("Who looked"):
            continue
        for block in blocks:
            labels += [label for label, _ in block.rows]
            # Nested records (a referral's steps) are "Label: value; Label: value".
            for _, text in block.rows:
                labels += re.findall(r"(?:^|; |\n)([A-Z][^:;\n]{0,60}): ", text)
    return labels


def test_every_label_is_words_not_a_field_name(personas: Personas, casework: Casework) -> None:
    _fill(casework.mary, casework, personas)
    labels = _labels(pdf_sections(subject_access_data(casework.mary)))
    assert labels
    for label in labels:
        assert "_" not in label, label
        assert not _CODES.search(label), label
    for plain in (
        "Reference number of this record",
        "SNOMED CT code",
        "Agreed to their GP and referrer being told how it went",
        "Why they were referred",
        "What could stop them",
        "Status since",
    ):
        assert plain in labels, plain
    # A model's own words are kept.
    assert "NHS number" in labels and "What matters to them, in their words" in labels


def test_the_pdf_says_labels_and_names_a_referral_once(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    _fill(casework.mary, casework, personas)
    # The assessment names the referral it followed.
    Assessment.objects.filter(client=casework.mary).update(referral=casework.mary.referrals.get())
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(
        reverse("casework:export", args=[casework.mary.public_id]), {"format": "pdf"}
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for raw in ("Public id", "Consent to inform gp", "Snomed code", "Lsoa approximate"):
        assert raw not in text, raw
    assert "SNOMED CT code" in text
    # Not the referral's __str__ ("GP referral on …", "Self-referral referral on …").
    assert "GP referral on" not in text
    received = casework.mary.referrals.get().received_on
    assert f"Referral from GP on {received:%-d %B %Y}" in text


def test_the_audit_trail_says_a_run_of_the_same_thing_once() -> None:
    def entry(
        at: str, what: str = "Looked at a client's record", by: str = "liam@x"
    ) -> dict[str, str]:
        return {"at": at, "what": what, "by": by}

    rows = _audit_rows(
        [
            entry("2026-12-04T09:12:00+00:00", "Added a client"),
            entry("2026-12-04T09:13:00+00:00"),
            entry("2026-12-04T11:00:00+00:00"),
            entry("2026-12-04T16:40:00+00:00"),
            entry("2026-12-04T16:41:00+00:00", by="chloe@x"),
            entry("2026-12-05T08:00:00+00:00"),
        ]
    )
    assert rows == [
        ("4 December 2026, 09:12", "Added a client (liam@x)"),
        ("4 December 2026, 09:13", "Looked at a client's record, 3 times, 09:13 to 16:40 (liam@x)"),
        ("4 December 2026, 16:41", "Looked at a client's record (chloe@x)"),
        ("5 December 2026, 08:00", "Looked at a client's record (liam@x)"),
    ]


def test_the_json_export_keeps_every_audit_entry(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    for _ in range(5):
        client.get(reverse("casework:client", args=[casework.mary.public_id]))
    data = subject_access_data(casework.mary)
    viewed = [e for e in data["audit"] if e["what"] == "Looked at a client's record"]
    assert len(viewed) == 5
    [trail] = [blocks for title, blocks in pdf_sections(data) if title.startswith("Who looked")]
    assert sum("Looked at" in what for _, what in trail[0].rows) == 1
    assert AuditEntry.objects.filter(action="client.viewed").count() == 5
    assert timezone.now() - timedelta(minutes=5) < AuditEntry.objects.latest("at").at


def test_a_self_referral_is_named_once(casework: Casework) -> None:
    referral = casework.mary.referrals.get()
    referral.source = "self"
    assert referral_title(referral) == f"Self-referral on {referral.received_on:%-d %B %Y}"
