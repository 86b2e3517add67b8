"""The demo's NHS channels (inspiring/demo/mesh.py) over the MESH sandbox `make run` starts
(deploy/mesh_sandbox.py, here on loopback through tests/mesh_sandbox.py): a client whose
message back can go through MESH, and two referrals from the demo practice's mailbox,
one in triage and one waiting for the coordinator, sent once however often the demo is
loaded; without a sandbox, none of the MESH part and no failure."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from deploy import mesh_sandbox as server
from inspiring.areas.models import GPPractice
from inspiring.casework.models import Client, InboundMessage, Referral
from inspiring.demo import mesh as demo
from lib import mesh
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.mesh_sandbox import (  # noqa: F401 (fixtures)
    AREA,
    SITE,
    MeshSandbox,
    empty_mesh_sandbox,
    mesh_sandbox,
)
from tests.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_practice() -> GPPractice:
    return GPPractice.objects.create(code=demo.PRACTICE_ODS, name="Kirkby Example Surgery")


@pytest.fixture
def closed_case(personas: Personas) -> Client:
    """One of the link worker's clients, their case closed, not yet registered anywhere."""
    client = make_client(personas.ashfield, worker=personas.link_worker, nhs_number="9434765919")
    Referral.objects.filter(client=client).update(status=Referral.Status.CLOSED)
    return client


def test_the_demo_sends_from_the_sandboxs_own_practice_mailbox() -> None:
    assert demo.PRACTICE_MAILBOX == server.PRACTICE
    assert server.PASSWORDS[server.PRACTICE] == demo.PRACTICE_PASSWORD
    assert demo.PRACTICE_ODS == server.PRACTICE_ODS


def test_make_run_gives_the_site_the_sandbox_unless_mesh_is_set_already() -> None:
    given = server.site_environ("http://127.0.0.1:8700", {"PATH": "/bin"})
    assert given == {
        "MESH_URL": "http://127.0.0.1:8700",
        "MESH_MAILBOX_ID": SITE,
        "MESH_PASSWORD": server.PASSWORDS[SITE],
        "MESH_SHARED_KEY": server.SHARED_KEY,
        "MESH_MAILBOX_ID__ASHFIELD": AREA,
        "MESH_PASSWORD__ASHFIELD": server.PASSWORDS[AREA],
    }
    # Whoever sets MESH (an empty MESH_URL turns it off) configures it themselves.
    for theirs in ({"MESH_URL": ""}, {"MESH_MAILBOX_ID": "X"}, {"MESH_MAILBOX_ID__MANSFIELD": "X"}):
        assert server.site_environ("http://127.0.0.1:8700", theirs) == {}


def test_on_the_sandbox_one_referral_arrives_in_triage_and_one_waits_once(
    empty_mesh_sandbox: MeshSandbox,  # noqa: F811
    settings: Any,
    personas: Personas,
    demo_practice: GPPractice,
    closed_case: Client,
    client: Browser,
) -> None:
    for name, value in empty_mesh_sandbox.settings(SITE, areas={"ashfield": AREA}).items():
        setattr(settings, name, value)
    said: list[str] = []

    assert demo.load_demo_mesh(personas.ashfield, personas.link_worker, said.append) == 2

    irene = Client.objects.get(first_name="Irene", last_name="Whitworth")
    assert irene.area == personas.ashfield and irene.registered_practice == demo_practice
    assert irene.referrals.get().status == Referral.Status.RECEIVED
    waiting = InboundMessage.objects.get(status=InboundMessage.Status.REJECTED)
    assert waiting.area == personas.ashfield and waiting.sender == demo.PRACTICE_MAILBOX
    assert any("check digit" in problem for problem in waiting.problems)
    assert any("Consent" in problem for problem in waiting.problems)
    assert said == [
        f"MESH (sandbox at {empty_mesh_sandbox.url}): 1 referral from Y90001 in Ashfield's "
        "triage, 1 waiting on Referrals from GP systems."
    ]
    # Nothing left in Ashfield's mailbox: both read and acknowledged.
    assert mesh.inbox(empty_mesh_sandbox.mailbox(AREA)) == []

    # The link worker's closed case can go to the practice through MESH.
    closed_case.refresh_from_db()
    assert closed_case.registered_practice == demo_practice and closed_case.consent_to_inform_gp
    sign_in(client, personas.link_worker, area=personas.ashfield)
    page = client.get(reverse("casework:message_back", kwargs={"public_id": closed_case.public_id}))
    assert "Send to the practice through MESH" in page.content.decode()
    # The coordinator sees the one waiting.
    sign_in(client, personas.coordinator, area=personas.ashfield)
    listed = client.get(reverse("casework:mesh_messages")).content.decode()
    assert "Could not be read" in listed

    # Loaded again (a new sandbox, say): nothing sent twice, nothing more to say.
    said.clear()
    assert demo.load_demo_mesh(personas.ashfield, personas.link_worker, said.append) == 0
    assert said == []
    assert InboundMessage.objects.count() == 2
    assert Client.objects.filter(first_name="Irene", last_name="Whitworth").count() == 1


def test_without_mesh_only_the_client_is_made_ready(
    settings: Any, personas: Personas, demo_practice: GPPractice, closed_case: Client
) -> None:
    settings.MESH_MAILBOX_ID = ""
    settings.MESH_AREA_MAILBOXES = {}
    said: list[str] = []
    assert demo.load_demo_mesh(personas.ashfield, personas.link_worker, said.append) == 0
    assert said == [] and not InboundMessage.objects.exists()
    closed_case.refresh_from_db()
    assert closed_case.registered_practice == demo_practice


def test_a_sandbox_that_does_not_answer_is_a_note_not_a_failure(
    settings: Any, personas: Personas, demo_practice: GPPractice, closed_case: Client
) -> None:
    port = server.free_port()  # nothing listens there
    settings.MESH_URL = server.url_for(port)
    settings.MESH_MAILBOX_ID, settings.MESH_PASSWORD = SITE, server.PASSWORDS[SITE]
    settings.MESH_SHARED_KEY = server.SHARED_KEY
    settings.MESH_AREA_MAILBOXES = {}
    settings.MESH_TIMEOUT = 2
    said: list[str] = []
    assert demo.load_demo_mesh(personas.ashfield, personas.link_worker, said.append) == 0
    assert len(said) == 1 and said[0].startswith("MESH demo skipped: the sandbox at")
    assert not InboundMessage.objects.exists()
