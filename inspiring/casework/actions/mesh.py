"""The NHS channels over MESH (issue 22): the message back to the GP as a GP Connect
Send Document message, and referrals from GP systems into triage.

Out: the link worker sends the message back from its page. It is recorded in the
outbox like an email (`SentMessage`, kind MESSAGE_BACK_MESH) with the FHIR message
built once (casework.fhir.message_back_bundle: the same bytes however many tries),
committed, then sent by `deliver` through `send_by_mesh`: the practice's mailbox found
by its ODS code (MESH's endpoint lookup for GPFED_CONSULT_REPORT), the message handed
over once (a try that may have gone is "not known", never resent blind). `track_sent`
(the scheduled `exchange_mesh`) then asks MESH what became of it: collected by the
practice ("acknowledged"), or given up ("undeliverable", with MESH's reason); MESH's
non-delivery reports in our inbox say the same.

In: `receive_referrals` reads each of our mailboxes' referral messages, records each
(its MESH id unique) with what it became in one transaction, commits, then acknowledges
it, so a message given again is recognised and acknowledged, never imported twice. A
referral that reads well (casework.fhir.parse_referral) becomes a referral in triage:
added to the area's client of the same NHS number, or a new client (flagged when the
name and date of birth, phone, email or postcode match someone: possible_duplicates).
One that does not read is kept whole with every problem found, for the coordinators
to deal with by hand (`do_deal_with`); nothing of it is half-imported.

Every message in or out is in the audit log by its MESH id, mailboxes and workflow,
never its content. Configuration is from the environment only (lib.mesh).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.areas.geography import area_for_place, resolve_postcode
from inspiring.areas.models import Area, GPPractice
from lib import mesh
from lib.postcodes import PostcodeError
from lib.senders import Attachment, DeliveryStatus, SendFailed

from .. import choices
from ..fhir import IncomingReferral, ReferralInvalid, message_back_bundle, parse_referral
from ..message_back import TITLE, build_message_back, filename, letter_pdf, letter_text
from ..models import Client, Referral, SentMessage
from ..models.inbound import InboundMessage
from . import ActionRefused
from .clients import do_create_client, save_received_referral
from .messages import Outgoing, deliver, record_sending

logger = logging.getLogger(__name__)

# GP Connect Send Document's workflow: the practice's mailbox is looked up by it.
MESSAGE_BACK_WORKFLOW = "GPFED_CONSULT_REPORT"
# How long after sending MESH is asked what became of a message back (it gives up on
# an uncollected message after five days).
TRACK_FOR = timedelta(days=7)


def referral_workflow() -> str:
    """The workflow id referrals come to us with (agreed with NHS England per service)."""
    return str(getattr(settings, "MESH_REFERRAL_WORKFLOW_ID", "") or "INSPIRING_REFERRAL")


# --- Out: the message back -----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Whether the message back can go through MESH for this client, and if not why,
    in words for the link worker."""

    mailbox: mesh.MeshMailbox | None
    practice_code: str
    practice_name: str
    why_not: str = ""

    @property
    def ready(self) -> bool:
        return not self.why_not


def route_for(client: Client) -> Route:
    mailbox = mesh.mailbox_for(client.area.slug)
    practice = client.registered_practice
    code, name = (practice.code, practice.name) if practice else ("", client.gp_practice)
    why_not = ""
    if mailbox is None:
        why_not = (
            "This site is not connected to MESH. Download the letter or its data and send "
            "them to the practice securely."
        )
    elif practice is None:
        why_not = (
            "Choose their GP practice from the list in their details first: MESH finds the "
            "practice by its ODS code."
        )
    return Route(mailbox, code, name, why_not)


def do_send_message_back_mesh(
    request: HttpRequest, client: Client, referral: Referral
) -> SentMessage:
    """Send the message back to the client's registered practice through MESH, only with
    the client's consent; refused while an earlier one is still being tried."""
    if not client.consent_to_inform_gp:
        raise ActionRefused(
            f"{client.display_name} has not agreed to their GP being told. Record their "
            "consent in their details first."
        )
    route = route_for(client)
    if route.mailbox is None or not route.ready:
        raise ActionRefused(route.why_not)
    doc = build_message_back(client, referral)
    bundle = message_back_bundle(
        doc,
        letter_pdf(doc),
        message_id=uuid.uuid4(),
        sender_ods=None,
        sender_name=doc["document"]["organisation"] or doc["document"]["programme"],
        recipient_ods=route.practice_code,
        sender_mailbox=route.mailbox.mailbox_id,
    )
    outgoing = Outgoing(
        SentMessage.Kind.MESSAGE_BACK_MESH,
        to=route.practice_code,
        subject=f"{TITLE} from {doc['document']['programme']}",
        body=letter_text(doc),
        attachment=Attachment(filename(doc, "json"), bundle),
    )
    message = record_sending(
        request,
        client,
        outgoing,
        not_while_waiting=(SentMessage.Kind.MESSAGE_BACK_MESH,),
    )
    return deliver(message)


def send_by_mesh(message: SentMessage) -> str:
    """Hand a recorded message back to MESH (called by `deliver`): its MESH id. Raises
    SendFailed as the email senders do: permanent (no mailbox for the practice, MESH
    refused it), uncertain (it may have gone), or to be tried again."""
    client = message.client
    mailbox = mesh.mailbox_for(client.area.slug)
    if mailbox is None:
        raise SendFailed("This site is no longer connected to MESH.", permanent=True)
    if message.attachment is None:
        raise SendFailed("The message to send was not kept.", permanent=True)
    try:
        recipient = mesh.lookup(mailbox, message.to, MESSAGE_BACK_WORKFLOW)
        if recipient is None:
            raise SendFailed(
                f"The practice {message.to} has no MESH mailbox taking GP Connect documents. "
                "Download the letter and send it to them securely.",
                permanent=True,
            )
        message_id = mesh.send(
            mailbox,
            recipient,
            MESSAGE_BACK_WORKFLOW,
            bytes(message.attachment),
            subject=message.subject,
            local_id=message.reference,
            filename=message.attachment_name,
            content_type="application/fhir+json",
        )
    except mesh.MeshError as error:
        raise SendFailed(str(error), permanent=error.permanent, uncertain=error.uncertain) from None
    audit.record(
        None,
        "mesh.sent",
        client,
        area=client.area,
        detail={
            "message_id": message_id,
            "from": mailbox.mailbox_id,
            "to": recipient,
            "workflow": MESSAGE_BACK_WORKFLOW,
        },
    )
    return message_id


def _mark_delivery(message: SentMessage, status: str, at: datetime, reason: str = "") -> bool:
    """Record what MESH says became of a message back, once (the first word stands)."""
    changed = SentMessage.objects.filter(pk=message.pk, delivery_status="").update(
        delivery_status=status,
        delivery_status_at=at,
        **({"error": reason[:300]} if reason else {}),
    )
    if changed:
        audit.record(
            None,
            "mesh.tracked",
            message.client,
            area=message.client.area,
            detail={"message_id": message.provider_id, "status": status},
        )
    return bool(changed)


def track_sent(now: datetime | None = None) -> dict[str, int]:
    """Ask MESH what became of the messages back sent in the last TRACK_FOR and not yet
    known to be collected or given up."""
    now = now or timezone.now()
    counts = {"acknowledged": 0, "undeliverable": 0, "waiting": 0, "not_asked": 0}
    waiting = SentMessage.objects.filter(
        kind=SentMessage.Kind.MESSAGE_BACK_MESH,
        status=SentMessage.Status.SENT,
        delivery_status="",
        sent_at__gte=now - TRACK_FOR,
    ).select_related("client__area")
    for message in waiting.exclude(provider_id=""):
        mailbox = mesh.mailbox_for(message.client.area.slug)
        if mailbox is None:
            counts["not_asked"] += 1
            continue
        try:
            tracking = mesh.track(mailbox, message.provider_id)
        except mesh.MeshError as error:
            logger.warning("MESH tracking of %s failed: %s", message.provider_id, error)
            counts["not_asked"] += 1
            continue
        if tracking.state == mesh.TrackingState.ACKNOWLEDGED:
            counts["acknowledged"] += _mark_delivery(message, DeliveryStatus.DELIVERED, now)
        elif tracking.state == mesh.TrackingState.UNDELIVERABLE:
            counts["undeliverable"] += _mark_delivery(
                message, DeliveryStatus.PERMANENT_FAILURE, now, tracking.reason
            )
        else:
            counts["waiting"] += 1
    return counts


# --- In: referrals -------------------------------------------------------------------


def mailboxes() -> list[tuple[mesh.MeshMailbox, Area | None]]:
    """Each of our mailboxes once, with the area it belongs to (None: the site's, whose
    messages go to the area their practice or postcode is in)."""
    found: dict[str, tuple[mesh.MeshMailbox, Area | None]] = {}
    site = mesh.mailbox_for(None)
    if site is not None:
        found[site.mailbox_id] = (site, None)
    for area in Area.objects.order_by("pk"):
        mailbox = mesh.mailbox_for(area.slug)
        if mailbox is not None and mailbox.mailbox_id not in found:
            found[mailbox.mailbox_id] = (mailbox, area)
    return list(found.values())


def _area_of(referral: IncomingReferral, own: Area | None) -> tuple[Area | None, str]:
    """The area a referral belongs to: the mailbox's own; else the one covering its
    registered practice, or its postcode. ("" or why none could be told.)"""
    if own is not None:
        return own, ""
    if referral.practice_ods:
        practice = GPPractice.objects.filter(code=referral.practice_ods).first()
        if practice is not None and practice.district_code:
            area = Area.objects.covering(practice.district_code).first()
            if area is not None:
                return area, ""
    if referral.postcode:
        try:
            area = area_for_place(resolve_postcode(referral.postcode))
        except PostcodeError:
            area = None
        if area is not None:
            return area, ""
    return None, (
        f"No area of this site covers the practice {referral.practice_ods or '(none given)'} "
        f"or the postcode {referral.postcode or '(none given)'}: pass the referral to the "
        "right service."
    )


def _reasons(referral: IncomingReferral) -> tuple[list[str], str]:
    """The referral's reasons as our codes where a reason names one of ours (by code or
    words), the rest in words for the detail."""
    known = {code: label for code, label in choices.ReferralReason.choices}
    by_label = {label.lower(): code for code, label in known.items()}
    codes: list[str] = []
    words: list[str] = []
    for code, display, text in referral.reasons:
        said = (text or display or code or "").strip()
        ours = code if code in known else by_label.get(said.lower())
        if ours and ours not in codes:
            codes.append(ours)
        elif said:
            words.append(said)
    if not codes:
        codes = [choices.ReferralReason.OTHER] if "other" in known else []
    detail = "\n".join(part for part in ("; ".join(words), referral.detail or "") if part)
    return codes, detail


def _import(referral: IncomingReferral, area: Area) -> Referral:
    """The referral in triage: added to the area's client of its NHS number, or a new
    client (flagged as a possible duplicate where do_create_client finds one)."""
    reasons, detail = _reasons(referral)
    practice = (
        GPPractice.objects.filter(code=referral.practice_ods).first()
        if referral.practice_ods
        else None
    )
    new = Referral(
        source=choices.ReferralSource.GP,
        referrer_name=(referral.referrer_name or "")[:200],
        referrer_organisation=(referral.referrer_org or "")[:200],
        referrer_email=referral.referrer_email or "",
        reasons=reasons,
        reason_detail=detail,
        received_on=timezone.localdate(),
    )
    known = (
        Client.objects.in_area(area.pk)
        .filter(nhs_number=referral.nhs_number, erased_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if known is not None:
        save_received_referral(known, new, None)
        Client.objects.filter(pk=known.pk).update(closed_at=None)
        known.touch()
        audit.record(None, "referral.created", known, area=area, detail={"channel": "mesh"})
        return new
    client = Client(
        area=area,
        first_name=referral.given_name[:100],
        last_name=referral.family_name[:100],
        date_of_birth=referral.birth_date,
        nhs_number=referral.nhs_number,
        postcode=referral.postcode or "",
        phone=(referral.phone or "")[:30],
        email=referral.email or "",
        registered_practice=practice,
        gp_practice=practice.name if practice else "",
        # The referrer recorded the person's consent to be referred and their details
        # shared with the service (parse_referral refuses a referral without it).
        consent_to_hold=referral.consent_given,
    )
    _locate(client)
    do_create_client(None, client, new, recorded_by=None)
    return new


def _locate(client: Client) -> None:
    """Neighbourhood and position from the postcode, as the client form sets them."""
    if not client.postcode:
        return
    try:
        place = resolve_postcode(client.postcode)
    except PostcodeError:
        return
    client.lsoa_code = place.lsoa_code or ""
    client.lsoa_approximate = place.lsoa_approximate
    client.imd_decile = place.imd_decile
    client.latitude, client.longitude = place.latitude, place.longitude


def _record(
    mailbox: mesh.MeshMailbox, received: mesh.InboundMessage, own: Area | None
) -> InboundMessage:
    """Record one message and what it became, all in one transaction."""
    inbound = InboundMessage(
        message_id=received.message_id,
        mailbox=mailbox.mailbox_id,
        sender=received.sender[:20],
        workflow_id=received.workflow_id[:100],
        local_id=received.local_id[:300],
        payload_size=len(received.payload),
        area=own,
    )
    try:
        referral = parse_referral(received.payload)
    except ReferralInvalid as invalid:
        inbound.status = InboundMessage.Status.REJECTED
        inbound.problems = invalid.problems
        inbound.payload = received.payload
    else:
        area, why_not = _area_of(referral, own)
        inbound.area = area
        if area is None:
            inbound.status = InboundMessage.Status.REJECTED
            inbound.problems = [why_not]
            inbound.payload = received.payload
        else:
            inbound.referral = _import(referral, area)
            inbound.status = InboundMessage.Status.IMPORTED
    inbound.save()
    audit.record(
        None,
        "mesh.received",
        inbound,
        area=inbound.area,
        detail={
            "message_id": received.message_id,
            "from": received.sender,
            "to": mailbox.mailbox_id,
            "workflow": received.workflow_id,
            "status": inbound.status,
        },
    )
    return inbound


def _keep_unsaved(
    mailbox: mesh.MeshMailbox, received: mesh.InboundMessage, own: Area | None
) -> InboundMessage:
    inbound = InboundMessage.objects.create(
        message_id=received.message_id,
        mailbox=mailbox.mailbox_id,
        sender=received.sender[:20],
        workflow_id=received.workflow_id[:100],
        local_id=received.local_id[:300],
        payload_size=len(received.payload),
        payload=received.payload,
        area=own,
        status=InboundMessage.Status.REJECTED,
        problems=[
            "It read as a referral, but saving it failed (the site's error log has why): "
            "add it by hand, or tell whoever runs the site."
        ],
    )
    audit.record(
        None,
        "mesh.received",
        inbound,
        area=own,
        detail={"message_id": received.message_id, "status": inbound.status},
    )
    return inbound


def _report(mailbox: mesh.MeshMailbox, received: mesh.InboundMessage, now: datetime) -> None:
    """MESH's non-delivery report for one of ours: its message back was not delivered."""
    sent = (
        SentMessage.objects.filter(
            kind=SentMessage.Kind.MESSAGE_BACK_MESH, provider_id=received.linked_message_id
        )
        .select_related("client__area")
        .first()
    )
    if sent is not None:
        reason = received.status_description or "MESH could not deliver it."
        _mark_delivery(sent, DeliveryStatus.PERMANENT_FAILURE, now, reason)


def receive_referrals(now: datetime | None = None) -> dict[str, int]:
    """Read every referral (and MESH report) waiting in our mailboxes: each recorded
    and committed, then acknowledged."""
    now = now or timezone.now()
    counts = {"imported": 0, "rejected": 0, "again": 0, "reports": 0, "failed": 0}
    workflow = referral_workflow()
    for mailbox, own in mailboxes():
        try:
            # Only the workflows read here: the referrals, and MESH's reports about the
            # messages back we sent. Anything else is left for whoever reads it.
            waiting = [
                *mesh.inbox(mailbox, workflow_id=workflow),
                *mesh.inbox(mailbox, workflow_id=MESSAGE_BACK_WORKFLOW),
            ]
        except mesh.MeshError as error:
            logger.warning("MESH inbox of %s could not be read: %s", mailbox.mailbox_id, error)
            counts["failed"] += 1
            continue
        for message_id in waiting:
            try:
                _receive_one(mailbox, own, message_id, workflow, now, counts)
            except mesh.MeshError as error:
                # Left in the inbox: read again at the next poll.
                logger.warning("MESH message %s not collected: %s", message_id, error)
                counts["failed"] += 1
    return counts


def _receive_one(
    mailbox: mesh.MeshMailbox,
    own: Area | None,
    message_id: str,
    workflow: str,
    now: datetime,
    counts: dict[str, int],
) -> None:
    if InboundMessage.objects.filter(message_id=message_id).exists():
        # Recorded before, its acknowledgement lost: acknowledge it again, nothing more.
        mesh.acknowledge(mailbox, message_id)
        counts["again"] += 1
        return
    received = mesh.read(mailbox, message_id)
    if received.message_type == "REPORT":
        _report(mailbox, received, now)
        mesh.acknowledge(mailbox, message_id)
        counts["reports"] += 1
        return
    if received.workflow_id != workflow:
        # Not a referral (a practice's reply to a message back, say): not read here, and
        # never acknowledged, so whoever reads that workflow still finds it.
        return
    try:
        with transaction.atomic():
            inbound = _record(mailbox, received, own)
    except IntegrityError:
        if InboundMessage.objects.filter(message_id=message_id).exists():
            counts["again"] += 1  # another poll recorded it first
        else:
            _failed_to_save(mailbox, received, own, counts)
    except Exception:
        _failed_to_save(mailbox, received, own, counts)
    else:
        counts["imported" if inbound.status == InboundMessage.Status.IMPORTED else "rejected"] += 1
    mesh.acknowledge(mailbox, message_id)


def _failed_to_save(
    mailbox: mesh.MeshMailbox,
    received: mesh.InboundMessage,
    own: Area | None,
    counts: dict[str, int],
) -> None:
    """Nothing of it was saved (its transaction rolled back): kept for the coordinators as
    one that could not be read, rather than left in the inbox to fail again at every
    poll, unseen."""
    logger.exception("MESH message %s could not be saved", received.message_id)
    with transaction.atomic():
        _keep_unsaved(mailbox, received, own)
    counts["rejected"] += 1


def do_deal_with(request: HttpRequest, inbound: InboundMessage, note: str) -> InboundMessage:
    """A coordinator dealt with a rejected message by hand: its content is let go."""
    if inbound.status != InboundMessage.Status.REJECTED:
        raise ActionRefused("This message has been dealt with already.")
    note = note.strip()
    if not note:
        raise ActionRefused("Say what was done with it, for the record.")
    with transaction.atomic():
        changed = InboundMessage.objects.filter(
            pk=inbound.pk, status=InboundMessage.Status.REJECTED
        ).update(
            status=InboundMessage.Status.DEALT_WITH,
            payload=None,
            dealt_with_at=timezone.now(),
            dealt_with_by=acting_user(request),
            note=note[:500],
        )
        if not changed:
            raise ActionRefused("Someone else dealt with this message a moment ago.")
        audit.record(request, "mesh.dealt_with", inbound, area=inbound.area)
    inbound.refresh_from_db()
    return inbound
