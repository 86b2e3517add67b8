"""The NHS channels end to end over NHS England's MESH sandbox on loopback (no mocks):
a referral put into an area's mailbox by a GP practice arrives in triage; the message
back goes to the registered practice as a GP Connect Send Document message, is read
back from the practice's mailbox and validates as FHIR STU3 with its SNOMED CT codes;
a malformed message is kept for the coordinators and nothing is half-saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse
from fhir.resources.STU3.bundle import Bundle

from inspiring.accounts.models import AuditEntry
from inspiring.areas.models import GPPractice
from inspiring.casework.actions.mesh import receive_referrals, track_sent
from inspiring.casework.actions.messages import send_waiting_messages
from inspiring.casework.fhir_samples import TEST_NHS_NUMBER, sample_referral_bundle
from inspiring.casework.models import Client, InboundMessage, Referral, SentMessage
from lib import mesh
from tests.conftest import sign_in
from tests.mesh_sandbox import (  # noqa: F401 (fixtures)
    AREA,
    CONSULT_REPORT,
    OTHER_PRACTICE_ODS,
    PRACTICE,
    PRACTICE_ODS,
    REFERRAL,
    REFERRER,
    SITE,
    MeshSandbox,
    empty_mesh_sandbox,
    mesh_sandbox,
)
from tests.personas import Personas

from .conftest import Casework, make_client
from .test_message_back import close_marys_case

pytestmark = pytest.mark.django_db

REFERRAL_CODE = "871731000000106"


@pytest.fixture
def sandbox(empty_mesh_sandbox: MeshSandbox, settings: Any) -> MeshSandbox:  # noqa: F811
    """MESH on: the site's mailbox, and Ashfield's own."""
    for name, value in empty_mesh_sandbox.settings(SITE, areas={"ashfield": AREA}).items():
        setattr(settings, name, value)
    return empty_mesh_sandbox


def _refer(sandbox: MeshSandbox, to: str = AREA, payload: bytes | None = None) -> str:
    """A GP practice sends a referral to `to` through MESH."""
    return mesh.send(
        sandbox.mailbox(REFERRER),
        to,
        REFERRAL,
        payload if payload is not None else sample_referral_bundle(),
        subject="Social prescribing referral",
        local_id="GP-REF-0001",
        filename="referral.json",
        content_type="application/fhir+json",
    )


def _content_free(entries: Any) -> None:
    """Audit entries of MESH messages say ids and mailboxes, never what the message says."""
    for entry in entries:
        text = json.dumps(entry.detail) + entry.object_repr
        for said in ("Joan", "Sample", TEST_NHS_NUMBER, "Lonely", "NG17"):
            assert said not in text, (entry.action, text)


# --- Referrals in ---------------------------------------------------------------------


def test_a_referral_sent_to_an_areas_mailbox_arrives_in_its_triage(
    sandbox: MeshSandbox, personas: Personas
) -> None:
    message_id = _refer(sandbox)
    call_command("exchange_mesh")

    client = Client.objects.get(nhs_number=TEST_NHS_NUMBER)
    assert client.area == personas.ashfield
    assert (client.first_name, client.last_name, client.postcode) == ("Joan", "Sample", "NG17 7AE")
    assert client.lsoa_code  # placed from the postcode, as the form does
    assert client.consent_to_hold and client.possible_duplicate_of is None
    referral = client.referrals.get()
    assert referral.status == Referral.Status.RECEIVED and client.worker_id is None
    assert referral.source == "gp"
    assert "Lonely since her husband died" in referral.reason_detail
    inbound = InboundMessage.objects.get(message_id=message_id)
    assert inbound.status == InboundMessage.Status.IMPORTED and inbound.referral == referral
    assert inbound.payload is None and inbound.sender == REFERRER
    # Acknowledged: gone from the inbox, and the practice sees it collected.
    assert mesh.inbox(sandbox.mailbox(AREA)) == []
    tracked = mesh.track(sandbox.mailbox(REFERRER), message_id)
    assert tracked.state == mesh.TrackingState.ACKNOWLEDGED
    # In the audit log by its ids, without what it said.
    received = AuditEntry.objects.filter(action="mesh.received")
    assert received.count() == 1 and received.get().detail["message_id"] == message_id
    _content_free(AuditEntry.objects.filter(action__startswith="mesh."))

    # A second poll finds nothing more to do.
    assert receive_referrals()["imported"] == 0
    assert Client.objects.filter(nhs_number=TEST_NHS_NUMBER).count() == 1


def test_the_coordinator_finds_it_in_triage(
    sandbox: MeshSandbox, personas: Personas, client: Browser
) -> None:
    _refer(sandbox)
    receive_referrals()
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert "Joan Sample" in client.get(reverse("casework:triage")).content.decode()
    page = client.get(reverse("casework:mesh_messages")).content.decode()
    assert "Nothing is waiting." in page and "Referral " in page


def test_a_referral_for_someone_known_by_nhs_number_joins_their_record(
    sandbox: MeshSandbox, casework: Casework
) -> None:
    mary = casework.mary
    _refer(sandbox, payload=sample_referral_bundle(nhs_number=mary.nhs_number, given="M"))
    receive_referrals()
    assert Client.objects.filter(nhs_number=mary.nhs_number).count() == 1
    assert mary.referrals.count() == 2


def test_the_same_name_and_date_of_birth_is_flagged_as_a_possible_duplicate(
    sandbox: MeshSandbox, personas: Personas
) -> None:
    known = make_client(personas.ashfield, "Joan", "Sample")
    Client.objects.filter(pk=known.pk).update(date_of_birth="1948-02-14")
    _refer(sandbox)
    receive_referrals()
    new = Client.objects.get(nhs_number=TEST_NHS_NUMBER)
    assert new.pk != known.pk and new.possible_duplicate_of == known


def test_a_malformed_message_is_kept_and_reported_and_nothing_is_half_saved(
    sandbox: MeshSandbox, personas: Personas, client: Browser
) -> None:
    bad = sample_referral_bundle(nhs_number="1234567890", consent=None)
    message_id = _refer(sandbox, payload=bad)
    _refer(sandbox, payload=b"{not json")
    before = (Client.objects.count(), Referral.objects.count())
    counts = receive_referrals()
    assert counts["rejected"] == 2 and counts["imported"] == 0
    assert (Client.objects.count(), Referral.objects.count()) == before
    inbound = InboundMessage.objects.get(message_id=message_id)
    assert inbound.status == InboundMessage.Status.REJECTED and inbound.area == personas.ashfield
    assert inbound.payload is not None and bytes(inbound.payload) == bad
    problems = " ".join(inbound.problems)
    assert "1234567890" in problems and "consent" in problems.lower()
    # Acknowledged all the same: kept here, not left to be read again and again.
    assert mesh.inbox(sandbox.mailbox(AREA)) == []

    # The coordinator is told on the staff home, reads it, downloads it, deals with it.
    sign_in(client, personas.coordinator, area=personas.ashfield)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "2 referrals from GP systems could not be read" in home
    assert "dealing with by hand. <a" in home and "Go to referrals from GP systems" in home
    page = client.get(reverse("casework:mesh_message", args=[inbound.public_id]))
    assert page.status_code == 200 and "1234567890" in page.content.decode()
    download = client.get(reverse("casework:mesh_message_download", args=[inbound.public_id]))
    assert download.content == bad
    assert AuditEntry.objects.filter(action="mesh.downloaded").count() == 1
    refused = client.post(reverse("casework:mesh_message", args=[inbound.public_id]), {"note": " "})
    assert refused.status_code == 200 and "Enter what was done with it" in refused.content.decode()
    done = client.post(
        reverse("casework:mesh_message", args=[inbound.public_id]),
        {"note": "Called the practice: they will send it again."},
    )
    assert done.status_code == 302
    inbound.refresh_from_db()
    assert inbound.status == InboundMessage.Status.DEALT_WITH and inbound.payload is None
    assert inbound.dealt_with_by == personas.coordinator
    home = client.get(reverse("accounts:home")).content.decode()
    assert "1 referral from GP systems could not be read" in home
    _content_free(AuditEntry.objects.filter(action__startswith="mesh."))


def test_only_the_areas_coordinators_see_messages(
    sandbox: MeshSandbox, personas: Personas, client: Browser
) -> None:
    _refer(sandbox, payload=b"[]")
    receive_referrals()
    inbound = InboundMessage.objects.get()
    # A link worker has no business here (403, as any page beyond their role); another
    # area's coordinator finds nothing (404, as a record that does not exist).
    for user, area, status in (
        (personas.link_worker, personas.ashfield, 403),
        (personas.mansfield_coordinator, personas.mansfield, 404),
    ):
        sign_in(client, user, area=area)
        for name in ("casework:mesh_message", "casework:mesh_message_download"):
            assert client.get(reverse(name, args=[inbound.public_id])).status_code == status
    listed = client.get(reverse("casework:mesh_messages"))
    assert listed.status_code == 200 and "Nothing is waiting." in listed.content.decode()


def test_the_sites_mailbox_routes_a_referral_by_its_practice_or_postcode(
    sandbox: MeshSandbox, personas: Personas
) -> None:
    mansfield = personas.mansfield.local_authority_code
    GPPractice.objects.create(code=PRACTICE_ODS, name="Test Practice One", district_code=mansfield)
    _refer(sandbox, to=SITE)  # its practice is in Mansfield's district
    _refer(sandbox, to=SITE, payload=sample_referral_bundle(practice_ods="Y99999", given="Bo"))
    _refer(
        sandbox,
        to=SITE,
        payload=sample_referral_bundle(practice_ods="Y99999", postcode="SW1A 1AA", given="Al"),
    )
    receive_referrals()
    assert Client.objects.get(first_name="Joan").area == personas.mansfield
    assert Client.objects.get(first_name="Bo").area == personas.ashfield  # NG17 7AE
    lost = InboundMessage.objects.get(status=InboundMessage.Status.REJECTED)
    assert lost.area is None and "No area of this site covers" in lost.problems[0]
    assert not Client.objects.filter(first_name="Al").exists()


def test_nothing_is_asked_of_mesh_where_it_is_not_set_up(settings: Any) -> None:
    settings.MESH_MAILBOX_ID = ""
    settings.MESH_AREA_MAILBOXES = {}
    out = _command_output()
    assert "MESH is not set up" in out


def _command_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("exchange_mesh", stdout=out)
    return out.getvalue()


# --- The message back out -------------------------------------------------------------


def _ready(client: Browser, personas: Personas, casework: Casework, ods: str) -> Referral:
    referral = close_marys_case(client, personas, casework)
    practice = GPPractice.objects.create(code=ods, name="Test Practice One")
    Client.objects.filter(pk=casework.mary.pk).update(
        consent_to_inform_gp=True, registered_practice=practice, gp_practice=practice.name
    )
    return referral


def _send(client: Browser, casework: Casework, referral: Referral) -> Any:
    return client.post(
        reverse("casework:message_back_send_mesh", args=[casework.mary.public_id]),
        {"referral": str(referral.public_id)},
        follow=True,
    )


def test_the_message_back_goes_to_the_practice_as_a_fhir_document(
    sandbox: MeshSandbox, personas: Personas, casework: Casework, client: Browser
) -> None:
    referral = _ready(client, personas, casework, PRACTICE_ODS)
    page = client.get(reverse("casework:message_back", args=[casework.mary.public_id]))
    assert "Send to the practice through MESH" in page.content.decode()

    answer = _send(client, casework, referral).content.decode()
    assert "went to Test Practice One through MESH" in answer
    sent = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    assert sent.status == SentMessage.Status.SENT and sent.provider_id and sent.to == PRACTICE_ODS
    assert "Waiting for the practice" in answer

    # The practice reads it from its mailbox: a GP Connect Send Document message.
    practice = sandbox.mailbox(PRACTICE)
    [message_id] = mesh.inbox(practice)
    assert message_id == sent.provider_id
    received = mesh.read(practice, message_id)
    assert received.workflow_id == CONSULT_REPORT and received.local_id == sent.reference
    Bundle.model_validate_json(received.payload)  # valid FHIR STU3
    text = received.payload.decode()
    assert REFERRAL_CODE in text and casework.mary.nhs_number in text and PRACTICE_ODS in text
    assert sent.attachment is not None and bytes(sent.attachment) == received.payload

    # Until it is collected MESH says so; once acknowledged, the page says collected.
    assert track_sent()["waiting"] == 1
    mesh.acknowledge(practice, message_id)
    assert track_sent()["acknowledged"] == 1
    sent.refresh_from_db()
    assert sent.delivered
    page = client.get(reverse("casework:message_back", args=[casework.mary.public_id]))
    assert "Collected by the practice" in page.content.decode()
    # Gone already: the button says so, rather than inviting a second one by mistake.
    assert "Send it again through MESH" in page.content.decode()
    assert AuditEntry.objects.filter(action="mesh.sent").get().detail["to"] == PRACTICE
    _content_free(AuditEntry.objects.filter(action__startswith="mesh."))

    # Another click while nothing waits sends another; never one while one is still tried.
    assert track_sent()["acknowledged"] == 0


def test_a_practice_without_the_workflow_is_said_plainly_and_not_retried(
    sandbox: MeshSandbox, personas: Personas, casework: Casework, client: Browser
) -> None:
    referral = _ready(client, personas, casework, OTHER_PRACTICE_ODS)
    answer = _send(client, casework, referral).content.decode()
    sent = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    assert sent.status == SentMessage.Status.GAVE_UP
    assert "no MESH mailbox taking GP Connect documents" in sent.error
    assert "could not be sent" in answer


def test_undeliverable_is_shown_with_meshs_reason(
    sandbox: MeshSandbox, personas: Personas, casework: Casework, client: Browser
) -> None:
    referral = _ready(client, personas, casework, PRACTICE_ODS)
    _send(client, casework, referral)
    sent = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    sandbox.add_event(sent.provider_id, "undeliverable", code="14", description="Not collected")
    assert track_sent()["undeliverable"] == 1
    page = client.get(reverse("casework:message_back", args=[casework.mary.public_id]))
    assert "MESH could not deliver it" in page.content.decode()


def test_mesh_down_is_tried_again_and_sent_once(
    sandbox: MeshSandbox, personas: Personas, casework: Casework, client: Browser, settings: Any
) -> None:
    referral = _ready(client, personas, casework, PRACTICE_ODS)
    settings.MESH_URL = "http://127.0.0.1:9"  # nothing listens: MESH cannot be reached
    _send(client, casework, referral)
    sent = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    assert sent.status == SentMessage.Status.FAILED
    # A second click waits for the first.
    again = _send(client, casework, referral).content.decode()
    assert SentMessage.objects.filter(kind=SentMessage.Kind.MESSAGE_BACK_MESH).count() == 1
    assert "still" in again.lower() or "wait" in again.lower()

    settings.MESH_URL = sandbox.url
    SentMessage.objects.filter(pk=sent.pk).update(next_attempt_at=sent.created_at)
    assert send_waiting_messages()["sent"] == 1
    assert len(mesh.inbox(sandbox.mailbox(PRACTICE))) == 1


def test_without_mesh_or_a_chosen_practice_the_page_says_why(
    personas: Personas, casework: Casework, client: Browser, settings: Any
) -> None:
    settings.MESH_MAILBOX_ID = ""
    settings.MESH_AREA_MAILBOXES = {}
    referral = close_marys_case(client, personas, casework)
    Client.objects.filter(pk=casework.mary.pk).update(consent_to_inform_gp=True)
    page = client.get(reverse("casework:message_back", args=[casework.mary.public_id]))
    assert "not connected to MESH" in page.content.decode()
    answer = _send(client, casework, referral).content.decode()
    assert "not connected to MESH" in answer
    assert not SentMessage.objects.filter(kind=SentMessage.Kind.MESSAGE_BACK_MESH).exists()


def test_meshs_non_delivery_report_marks_the_message_back_undelivered(
    sandbox: MeshSandbox, personas: Personas, casework: Casework, client: Browser
) -> None:
    referral = _ready(client, personas, casework, PRACTICE_ODS)
    _send(client, casework, referral)
    sent = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK_MESH)
    # MESH puts a REPORT in our mailbox: the practice never collected it.
    sandbox._admin(
        "POST",
        "/messageexchange/admin/report",
        {
            "mailbox_id": AREA,
            "code": "14",
            "description": "Message not collected by recipient after 5 days",
            "workflow_id": CONSULT_REPORT,
            "linked_message_id": sent.provider_id,
        },
    )
    assert receive_referrals()["reports"] == 1
    sent.refresh_from_db()
    assert sent.delivery_status == "permanent-failure"
    assert "not collected" in sent.error
    assert mesh.inbox(sandbox.mailbox(AREA)) == []  # acknowledged


def test_messages_of_other_workflows_are_left_for_whoever_reads_them(
    sandbox: MeshSandbox,
) -> None:
    other = mesh.send(sandbox.mailbox(PRACTICE), AREA, "GPFED_CONSULT_REPORT_ACK", b"{}")
    assert receive_referrals() == {
        "imported": 0,
        "rejected": 0,
        "again": 0,
        "reports": 0,
        "failed": 0,
    }
    assert mesh.inbox(sandbox.mailbox(AREA)) == [other]
    assert not InboundMessage.objects.exists()


def test_a_message_recorded_before_is_only_acknowledged_again(
    sandbox: MeshSandbox, personas: Personas
) -> None:
    message_id = _refer(sandbox)
    InboundMessage.objects.create(
        message_id=message_id, mailbox=AREA, status=InboundMessage.Status.IMPORTED
    )
    assert receive_referrals()["again"] == 1
    assert not Client.objects.filter(nhs_number=TEST_NHS_NUMBER).exists()
    assert mesh.inbox(sandbox.mailbox(AREA)) == []


@pytest.mark.parametrize("failure", ["integrity", "other"])
def test_a_referral_that_fails_to_save_is_kept_whole_not_half_saved(
    sandbox: MeshSandbox, personas: Personas, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    from django.db import IntegrityError

    from inspiring.casework.actions import mesh as channel

    def broken(*args: Any, **kwargs: Any) -> None:
        Client.objects.create(area=personas.ashfield, first_name="Half", last_name="Saved")
        if failure == "integrity":
            # Not the message's own id twice: it must not pass for another poll's record.
            raise IntegrityError("a constraint the referral broke")
        raise RuntimeError("the database went away")

    monkeypatch.setattr(channel, "do_create_client", broken)
    message_id = _refer(sandbox)
    counts = receive_referrals()
    assert counts["rejected"] == 1, counts
    assert not Client.objects.filter(first_name__in=["Half", "Joan"]).exists()
    inbound = InboundMessage.objects.get(message_id=message_id)
    assert inbound.status == InboundMessage.Status.REJECTED and inbound.payload is not None
    assert "saving it failed" in inbound.problems[0]
    assert mesh.inbox(sandbox.mailbox(AREA)) == []
