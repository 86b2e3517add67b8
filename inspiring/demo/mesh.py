"""The NHS channels over MESH in the demo (issue 22), for `make run`, which starts NHS
England's MESH sandbox beside the site (deploy/mesh_sandbox.py) and points MESH_* at it.

- One of Ashfield's link worker's clients is registered with Kirkby Example Surgery
  (Y90001, the demo practice whose mailbox the sandbox has) and has agreed their GP be
  told: their message back can be sent "to the practice through MESH" from its page.
- When MESH is a sandbox, that practice's mailbox sends two referrals to Ashfield's
  mailbox, read in at once as `exchange_mesh` would: one good (Irene Whitworth, a
  made-up person, a new client in triage) and one that cannot be read (an NHS number
  whose check digit is wrong, no consent recorded), waiting for the coordinator on
  "Referrals from GP systems".

Only once: a referral is sent again only when no message of its reference (`local_id`)
is recorded, and whatever waits in the mailboxes is read first. Never to a real MESH
endpoint; a sandbox that does not answer (or is not ours) is a one-line note, never a
failure of load_demo. Everyone here is made up; the NHS numbers are in the range NHS
England keeps for testing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from inspiring.accounts.models import User
from inspiring.areas.models import Area, GPPractice
from inspiring.casework.actions.mesh import receive_referrals, referral_workflow
from inspiring.casework.fhir_samples import sample_referral_bundle
from inspiring.casework.models import Client, InboundMessage, Referral
from lib import mesh

# The demo practice with a MESH mailbox, and that mailbox in the sandbox `make run`
# starts (deploy/mesh_sandbox.py's PRACTICE and its password: tests/demo/test_demo_mesh.py
# keeps them the same).
PRACTICE_ODS = "Y90001"
PRACTICE_MAILBOX = "Y90001GP01"
PRACTICE_PASSWORD = "practice-password"  # noqa: S105 (the sandbox's, on loopback)

# The referrals' references (their MESH local_id), by which each is sent once.
GOOD = "inspiring-demo-referral-1"
UNREADABLE = "inspiring-demo-referral-2"
GOOD_NAME = ("Irene", "Whitworth")
# Candidates for the good referral's NHS number (999 range, check digit right): the first
# no demo client has, so that it arrives as a new client.
GOOD_NHS_NUMBERS = ("9990001103", "9990001146", "9990001189")
# Its last digit does not match (9990001103 is right).
BAD_NHS_NUMBER = "9990001104"


def referral_payloads(nhs_number: str) -> dict[str, bytes]:
    """The two referrals as the practice's system sends them, by their reference."""
    return {
        GOOD: sample_referral_bundle(
            nhs_number=nhs_number,
            given=GOOD_NAME[0],
            family=GOOD_NAME[1],
            birth_date="1951-09-03",
            postcode="NG17 7ED",
            phone="01632 960412",
            email="irene.whitworth@example.com",
            practice_ods=PRACTICE_ODS,
            reason="Lives alone since a fall; would like company and to get out more",
        ),
        UNREADABLE: sample_referral_bundle(
            nhs_number=BAD_NHS_NUMBER,
            given="Dennis",
            family="Hollin",
            birth_date="1944-11-21",
            postcode="NG17 8FS",
            phone="01632 960413",
            email="dennis.hollin@example.com",
            practice_ods=PRACTICE_ODS,
            reason="Carer for his wife; needs a break and someone to talk to",
            consent=None,
        ),
    }


def load_demo_mesh(
    area: Area, worker: User | None, say: Callable[[str], None] = lambda _: None
) -> int:
    """Register the link worker's client for the message back and, when MESH is a
    sandbox, send and read in the two referrals; returns how many were sent now."""
    _register_for_message_back(area, worker)
    mailbox = mesh.mailbox_for(area.slug)
    if mailbox is None:
        return 0
    if not mailbox.is_sandbox:
        say(f"MESH is {mailbox.url}, not a sandbox: no demo referrals sent.")
        return 0
    practice = mesh.MeshMailbox(
        url=mailbox.url,
        mailbox_id=PRACTICE_MAILBOX,
        password=PRACTICE_PASSWORD,
        shared_key=mailbox.shared_key,
        ca_cert=mailbox.ca_cert,
        timeout=min(mailbox.timeout, 10),
    )
    try:
        mesh.handshake(practice)
        receive_referrals()  # an earlier load's, should any wait still
        recorded = set(
            InboundMessage.objects.filter(local_id__in=(GOOD, UNREADABLE)).values_list(
                "local_id", flat=True
            )
        )
        taken = set(
            Client.objects.filter(nhs_number__in=GOOD_NHS_NUMBERS).values_list(
                "nhs_number", flat=True
            )
        )
        nhs_number = next((n for n in GOOD_NHS_NUMBERS if n not in taken), GOOD_NHS_NUMBERS[0])
        sent = 0
        for reference, payload in referral_payloads(nhs_number).items():
            if reference in recorded:
                continue
            mesh.send(
                practice,
                mailbox.mailbox_id,
                referral_workflow(),
                payload,
                subject="Social prescribing referral",
                local_id=reference,
                filename=f"{reference}.json",
                content_type="application/fhir+json",
            )
            sent += 1
        received = receive_referrals() if sent else {"imported": 0, "rejected": 0}
    except mesh.MeshError as error:
        say(f"MESH demo skipped: the sandbox at {mailbox.url} did not take it ({error})")
        return 0
    if sent:
        say(
            f"MESH (sandbox at {mailbox.url}): {received['imported']} referral from "
            f"{PRACTICE_ODS} in Ashfield's triage, {received['rejected']} waiting on "
            "Referrals from GP systems."
        )
    return sent


def _register_for_message_back(area: Area, worker: User | None) -> Client | None:
    """One of the worker's clients, with a closed (or else active) referral, registered
    with the demo practice and agreeing their GP be told. Changed only once."""
    practice = GPPractice.objects.filter(code=PRACTICE_ODS).first()
    if practice is None or worker is None:
        return None
    theirs = Client.objects.filter(area=area, worker=worker, erased_at__isnull=True)
    ready = theirs.filter(registered_practice=practice, consent_to_inform_gp=True)
    for status in (Referral.Status.CLOSED, Referral.Status.ACTIVE):
        found = ready.filter(referrals__status=status).order_by("pk").first()
        if found is not None:
            return found
    for status in (Referral.Status.CLOSED, Referral.Status.ACTIVE):
        client = theirs.filter(referrals__status=status).order_by("pk").first()
        if client is not None:
            break
    else:
        return None
    with transaction.atomic():
        client.registered_practice, client.gp_practice = practice, practice.name
        client.consent_to_inform_gp = True
        client.save(update_fields=["registered_practice", "gp_practice", "consent_to_inform_gp"])
    return client
