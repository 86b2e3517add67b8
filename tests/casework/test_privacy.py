"""Subject access exports, erasure and retention: everything held comes out, and erasure
leaves nothing that identifies the person anywhere in their records or the audit log."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import ForeignObjectRel
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inspiring.accounts import personal_data
from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions.privacy import apply_retention
from inspiring.casework.models import (
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
    Referral,
    ReferralStatusChange,
    SafeguardingConcern,
    SafeguardingLead,
    SentMessage,
    Task,
)
from inspiring.casework.privacy import SEPARATE_NOTE, WITHHELD_NOTE
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

# Everything that identifies Mary, as it could appear in anything typed about her.
PERSONAL = [
    "Mary",
    "Jones",
    "9434765919",
    "943 476 5919",
    "01632 960001",
    "mary.jones@example.org",
    "NG17 7AE",
    "NG177AE",
    "Station Road",
    "1950-03-27",
]


def _fill(mary: Client, casework: Casework, personas: Personas) -> Connection:
    """A record of each kind about Mary, each with something identifying her in it."""
    Client.objects.filter(pk=mary.pk).update(
        email="mary.jones@example.org",
        address_line_1="1 Station Road",
        town="Kirkby-in-Ashfield",
        preferred_name="Mary",
        contact_times="Mornings",
        gp_practice="Kirkby Health Centre",
        sex="female",
        lsoa_code="E01028000",
        imd_decile=3,
    )
    mary.refresh_from_db()
    referral = mary.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        referrer_name="Dr Shah",
        referrer_email="shah@example.nhs.uk",
        reason_detail="Mary Jones lives alone at 1 Station Road since her husband died.",
    )
    ReferralStatusChange.objects.create(
        referral=referral,
        status="contacted",
        on=timezone.localdate(),
        reason="Mary rang back on 01632 960001",
        by=personas.link_worker,
    )
    assessment = Assessment.objects.create(
        client=mary,
        what_matters="Mary Jones wants to sing again",
        needs="Mary needs a lift",
        goals="Mary to join a choir",
        barriers=["transport"],
        assessed_on=timezone.localdate(),
        by=personas.link_worker,
    )
    assessment.interests.set([])
    GroupMembership.objects.create(
        client=mary,
        name="Mary's chapel friends",
        kind="faith",
        importance=5,
        positivity=4,
        contact="weekly",
    )
    connection = Connection.objects.create(
        client=mary,
        activity=casework.walk,
        level="introduction",
        share_consent=True,
        shared_note="Mary Jones, a little nervous",
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
        reason="Mary chose it",
    )
    ConnectionStep.objects.create(
        connection=connection, status="agreed", on=timezone.localdate(), reason="Mary agreed"
    )
    session = casework.walk.sessions.order_by("start").first()
    assert session is not None
    Attendance.objects.create(
        connection=connection, session=session, attended=True, recorded_by_name="Walk leader"
    )
    Contact.objects.create(
        client=mary,
        kind="phone",
        on=timezone.now(),
        minutes=20,
        notes="Rang Mary Jones on 01632 960001; email mary.jones@example.org",
        by=personas.link_worker,
    )
    Task.objects.create(
        client=mary, title="Ring Mary Jones", due_on=timezone.localdate(), connection=connection
    )
    SentMessage.objects.create(
        client=mary,
        kind=SentMessage.Kind.PLAN_EMAIL,
        to="mary.jones@example.org",
        body="Dear Mary Jones, your walk is on Tuesday. NHS number 943 476 5919.",
        by=personas.link_worker,
    )
    SafeguardingConcern.objects.create(
        client=mary,
        concern="Mary Jones had bruises on her arm",
        raised_by=personas.link_worker,
        handling="Spoke to Mary at 1 Station Road",
    )
    return connection


def _rows(obj: models.Model, seen: set[tuple[str, Any]] | None = None) -> Iterator[models.Model]:
    """The record and every row that hangs off it, found from the models themselves (so a
    model added later is searched too)."""
    seen = set() if seen is None else seen
    key = (obj._meta.label, obj.pk)
    if key in seen:
        return
    seen.add(key)
    yield obj
    for relation in obj._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
            continue
        model = relation.related_model
        assert isinstance(model, type)
        for row in model._default_manager.filter(**{relation.field.name: obj}):
            yield from _rows(row, seen)


def _text_of(row: models.Model) -> str:
    parts = []
    for field in row._meta.concrete_fields:
        if field.is_relation:
            continue
        parts.append(json.dumps(getattr(row, field.attname), default=str))
    return " ".join(parts)


def _found(text: str) -> list[str]:
    return [value for value in PERSONAL if value.lower() in text.lower()]


def test_the_export_holds_everything(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    _fill(mary, casework, personas)
    # Chloe is the safeguarding lead too, so the concerns go in.
    SafeguardingLead.objects.create(area=personas.ashfield, user=personas.coordinator)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("casework:export", args=[mary.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "Mary" not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["client"]["first_name"] == "Mary"
    assert data["client"]["nhs_number"] == "9434765919"
    assert data["client"]["email"] == "mary.jones@example.org"
    assert data["client"]["sex"] == "Female"
    assert data["client"]["worker"] == "Liam Walsh"
    referral = data["referrals"][0]
    assert referral["reason_detail"].startswith("Mary Jones lives alone")
    assert referral["reasons"] == ["Loneliness or isolation"]
    assert [c["status"] for c in referral["changes"]] == ["Received", "Contacted"]
    assert data["assessments"][0]["what_matters"] == "Mary Jones wants to sing again"
    assert data["assessments"][0]["barriers"] == ["Transport or distance"]
    assert data["groups"][0]["name"] == "Mary's chapel friends"
    connection = data["connections"][0]
    assert connection["activity"] == "Health walk"
    assert connection["shared_note"] == "Mary Jones, a little nervous"
    assert connection["steps"][0]["reason"] == "Mary agreed"
    assert connection["attendance"][0]["attended"] is True
    assert data["contacts"][0]["notes"].startswith("Rang Mary Jones")
    assert data["tasks"][0]["title"] == "Ring Mary Jones"
    assert data["messages"][0]["to"] == "mary.jones@example.org"
    assert data["safeguarding_concerns"][0]["concern"] == "Mary Jones had bruises on her arm"
    assert data["notes"] == []
    whats = {entry["what"] for entry in data["audit"]}
    assert {"Added a client", "Looked at a client's record"} <= whats
    assert AuditEntry.objects.filter(
        action="client.exported", object_id=str(mary.public_id)
    ).exists()


def test_a_message_back_with_its_letter_exports_as_json_and_pdf(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    # The outbox keeps the PDF letter with the message: the export says it is there.
    mary = casework.mary
    SentMessage.objects.create(
        client=mary,
        kind=SentMessage.Kind.MESSAGE_BACK,
        to="gp@example.org",
        subject="Social prescribing: message back",
        body="Mary Jones came to the walk.",
        attachment=b"%PDF-1.7 letter",
        attachment_name="message-back-1234.pdf",
        status=SentMessage.Status.SENT,
    )
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("casework:export", args=[mary.public_id])
    data = json.loads(client.post(url, {"format": "json"}).content)
    [message] = data["messages"]
    assert message["attachment"] == "A file of 15 bytes, kept with this record"
    assert message["body"] == "Mary Jones came to the walk."
    pdf = client.post(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_registry_erases_only_what_is_about_that_kind_of_subject() -> None:
    assert personal_data.holdings(of=Client)
    assert all(holding.of is Client for holding in personal_data.holdings(of=Client))
    assert personal_data.holdings(of=AuditEntry) == []


def test_the_pdf_export_is_a_real_pdf(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    _fill(casework.mary, casework, personas)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(
        reverse("casework:export", args=[casework.mary.public_id]), {"format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Mary" in text and "Jones" in text
    assert "Health walk" in text


def test_only_the_safeguarding_lead_puts_concerns_in_an_export(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    _fill(mary, casework, personas)
    SafeguardingLead.objects.create(area=personas.ashfield, user=personas.link_worker)
    url = reverse("casework:export", args=[mary.public_id])

    # A coordinator who is not the lead: no concerns, nor the audit entries about them.
    sign_in(client, personas.coordinator, area=personas.ashfield)
    data = json.loads(client.post(url, {"format": "json"}).content)
    assert data["safeguarding_concerns"] == []
    assert data["notes"] == [SEPARATE_NOTE]
    assert "bruises" not in json.dumps(data)

    # The lead (a link worker) may export, and withhold them with a reason.
    sign_in(client, personas.link_worker, area=personas.ashfield)
    page = client.post(url, {"format": "json", "withhold": "on", "withhold_reason": " "})
    assert page.status_code == 200
    assert "Enter why the safeguarding concerns are withheld" in page.content.decode()
    data = json.loads(
        client.post(
            url, {"format": "json", "withhold": "on", "withhold_reason": "Risk from a relative"}
        ).content
    )
    assert data["safeguarding_concerns"] == [] and data["notes"] == [WITHHELD_NOTE]
    assert all("safeguarding" not in entry["what"].lower() for entry in data["audit"])
    exported = AuditEntry.objects.filter(action="client.exported").order_by("-pk").first()
    assert exported is not None and exported.detail["safeguarding"] == "withheld"


def test_a_link_worker_who_is_not_the_lead_cannot_export_or_erase(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    mary = casework.mary
    assert client.get(reverse("casework:export", args=[mary.public_id])).status_code == 403
    assert client.get(reverse("casework:erase", args=[mary.public_id])).status_code == 403
    page = client.get(mary.get_absolute_url()).content.decode()
    assert reverse("casework:erase", args=[mary.public_id]) not in page
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.get(reverse("casework:erase", args=[mary.public_id])).status_code == 404


def test_erasure_leaves_nothing_that_identifies_them(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    mary = casework.mary
    _fill(mary, casework, personas)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    client.get(mary.get_absolute_url())
    before = {_text_of(row) for row in _rows(Client.objects.get(pk=mary.pk))}
    assert any(_found(text) for text in before)  # the search finds what is there

    url = reverse("casework:erase", args=[mary.public_id])
    assert "This cannot be undone" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Mary Jones asked us to erase her data by email"})
    assert response.status_code == 302 and response["Location"] == reverse("casework:caseload")

    erased = Client.objects.get(pk=mary.pk)  # the tombstone
    assert erased.erased_at is not None and erased.closed_at is not None
    assert erased.display_name == "Erased client"
    for row in _rows(erased):
        assert _found(_text_of(row)) == [], (row._meta.label, _text_of(row))
    # What is kept for monitoring identifies nobody.
    assert erased.imd_decile == 3
    assert erased.referrals.get().status == Referral.Status.CLOSED
    assert erased.connections.get().status == Connection.Status.AGREED
    assert erased.contacts.get().minutes == 20
    assert erased.safeguarding_concerns.count() == 1
    # The audit log never held their name; the reason is kept, without it.
    for entry in AuditEntry.objects.all():
        text = " ".join([entry.object_repr, json.dumps(entry.detail), entry.path])
        assert _found(text) == [], (entry.action, text)
    entry = AuditEntry.objects.get(action="client.erased")
    assert entry.actor == personas.coordinator
    assert entry.object_id == str(mary.public_id)
    assert entry.detail["reason"] == "[removed] [removed] asked us to erase her data by email"
    # Their pages are gone.
    for name in ("client", "details", "export", "erase", "raise_concern"):
        assert client.get(reverse(f"casework:{name}", args=[mary.public_id])).status_code == 404
    caseload = client.get(reverse("casework:caseload"), {"whose": "all", "status": "any"})
    assert "Erased client" not in caseload.content.decode()


def test_every_record_that_hangs_off_a_client_is_in_the_personal_data_registry(
    personas: Personas, casework: Casework
) -> None:
    """A model added later that holds something about a client fails here until its app
    registers it (and says what erasure blanks), so export and erasure cannot miss it."""
    mary = casework.mary
    _fill(mary, casework, personas)
    met = {type(row) for row in _rows(Client.objects.get(pk=mary.pk))}
    assert len(met) >= 12  # the walk reaches every kind of record _fill makes
    missing = sorted(m._meta.label for m in met if personal_data.holding_for(m) is None)
    assert missing == []
    # And each registered holding reaches this client's rows through its path.
    for holding in personal_data.holdings():
        if holding.model in met:
            assert holding.rows(mary).exists(), holding.model._meta.label
    # Every export section is a registered model.
    for section in personal_data.sections():
        assert personal_data.holding_for(section.model) is not None, section.key


def test_erasure_needs_a_reason(client: Browser, personas: Personas, casework: Casework) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = reverse("casework:erase", args=[casework.mary.public_id])
    for reason in ("", "   "):
        page = client.post(url, {"reason": reason})
        assert page.status_code == 200
        body = page.content.decode()
        assert "Enter why their data is being erased" in body
        assert "nhsuk-error-message" in body
    mary = Client.objects.get(pk=casework.mary.pk)
    assert mary.erased_at is None and mary.first_name == "Mary"
    assert not AuditEntry.objects.filter(action="client.erased").exists()


def _age(client: Client, days: int, now: Any) -> None:
    Client.objects.filter(pk=client.pk).update(last_activity_at=now - timedelta(days=days))


def test_retention_erases_only_clients_quiet_for_the_period(
    personas: Personas, casework: Casework, settings: Any
) -> None:
    settings.CASEWORK_RETENTION_YEARS = 6
    now = timezone.now()
    old_open = casework.mary
    old_closed = make_client(personas.ashfield, "Alan", "Price")
    Client.objects.filter(pk=old_closed.pk).update(closed_at=now - timedelta(days=2600))
    recent = make_client(personas.ashfield, "Bea", "Cole")
    _age(old_open, 6 * 366, now)
    _age(old_closed, 7 * 365, now)
    _age(recent, 6 * 365 - 30, now)  # not quite six years

    assert apply_retention(now, dry_run=True) == {"erased": 2, "closed": 1, "years": 6}
    assert Client.objects.filter(erased_at__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action="client.erased").exists()

    assert apply_retention(now) == {"erased": 2, "closed": 1, "years": 6}
    old_open.refresh_from_db()
    old_closed.refresh_from_db()
    recent.refresh_from_db()
    assert old_open.erased_at == now and old_open.first_name == ""
    assert old_open.referrals.get().status == Referral.Status.CLOSED
    assert old_closed.erased_at == now
    assert recent.erased_at is None and recent.first_name == "Bea"
    entries = AuditEntry.objects.filter(action="client.erased")
    assert entries.count() == 2 and all(e.actor is None for e in entries)
    # Run again: nothing more to do.
    assert apply_retention(now)["erased"] == 0


def test_the_retention_command_and_its_dry_run(
    personas: Personas, casework: Casework, settings: Any
) -> None:
    settings.CASEWORK_RETENTION_YEARS = 2
    _age(casework.mary, 3 * 365, timezone.now())
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Would erase 1 client" in out.getvalue()
    assert Client.objects.get(pk=casework.mary.pk).erased_at is None
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Erased 1 client" in out.getvalue()
    assert Client.objects.get(pk=casework.mary.pk).erased_at is not None
    assert Client.objects.get(pk=casework.other_area_client.pk).erased_at is None
