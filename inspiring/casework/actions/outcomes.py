"""Recording a client's outcomes: an instrument answered at baseline or follow-up, and
the one-time link that lets them answer it on their own phone.

- `do_record_administration`: the link worker enters the answers during a call. After
  a baseline, the client's worker gets a task "Follow-up: <instrument>" (12 weeks on by
  default); recording the follow-up closes it.
- `do_send_outcome_link`: a link by text or email, through the outbox (recorded and
  committed, then sent: never the network inside a transaction). The token is random
  and only its hash is stored; the link works once, for 14 days.
- `do_complete_outcome_link`: the client's answers through the link, recorded as the
  link worker's would be (how = client), the link used up.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, valid_answers
from lib.senders import Sender

from ..models import Administration, Client, OutcomeLink, SentMessage, Task
from ..models.outcomes import (
    LINK_LIFETIME,
    Timepoint,
    follow_up_due,
    follow_up_title,
    hash_token,
)
from ..plan import gsm_text
from . import ActionRefused
from .messages import Outgoing, deliver, record_sending, text_number

NO_ANSWERS = "Answer at least one question: nothing is saved without an answer."
# What the kept copy of a sent link's message says instead of the token, once the
# message has gone (or the link was used), so no working link is stored.
LINK_SENT = "[one-time link, not kept]"
LINK_REMOVED = "[one-time link, used]"


def instrument_for(code: str, version: str | None = None) -> Instrument:
    """An instrument that may be administered now (from the library's usable ones)."""
    for instrument in library.usable():
        if instrument.code == code and (version is None or instrument.version == version):
            return instrument
    # A link sent before a new version came out is still answered in its own version.
    if version is not None:
        found = library.get(code, version)
        if found is not None:
            return found
    raise ActionRefused("Choose one of the measures offered.")


def _checked(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, int]:
    """The answers, refused whole when any is not one of its question's answers (nothing
    is half-saved) or when none is given."""
    valid, problems = valid_answers(instrument, answers)
    if problems:
        raise ActionRefused(
            "Some answers are not possible answers to their question: " + "; ".join(problems)
        )
    if not valid:
        raise ActionRefused(NO_ANSWERS)
    return valid


@dataclass(frozen=True)
class Recorded:
    """What happened: the administration, the follow-up task made (after a baseline) or
    closed (by a follow-up), and whether there is a baseline to compare a follow-up with."""

    administration: Administration
    task_made: Task | None = None
    tasks_closed: int = 0
    has_baseline: bool = True


def _record(
    request: HttpRequest | None,
    client: Client,
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    timepoint: str,
    on: date,
    how: str,
    follow_up_on: date | None,
) -> Recorded:
    """Inside the caller's transaction: the administration, its follow-up task, the audit."""
    if timepoint not in Timepoint.values:
        raise ActionRefused("Choose whether this is the baseline or a follow-up.")
    valid = _checked(instrument, answers)
    by = acting_user(request) if request is not None and how == Administration.How.CALL else None
    administration = Administration(
        client=client,
        timepoint=timepoint,
        answers=valid,
        administered_on=on,
        how=how,
        by=by,
    )
    administration.score_with(instrument)
    administration.save()
    title = follow_up_title(instrument.title)
    open_reminders = client.tasks.filter(title=title, done_at__isnull=True)
    task_made: Task | None = None
    closed = 0
    if timepoint == Timepoint.BASELINE:
        due = follow_up_on or follow_up_due(on)
        # One reminder per instrument: a baseline taken again moves it.
        task_made = open_reminders.first()
        if task_made is not None:
            task_made.due_on = due
            task_made.save(update_fields=["due_on"])
        else:
            task_made = Task.objects.create(
                client=client,
                title=title,
                due_on=due,
                assigned_to=client.worker or by,
                created_by=by,
            )
        has_baseline = True
    else:
        closed = open_reminders.update(done_at=timezone.now())
        has_baseline = client.administrations.filter(
            instrument_code=instrument.code, timepoint=Timepoint.BASELINE
        ).exists()
    client.touch()
    audit.record(
        request,
        "outcome.recorded" if how == Administration.How.CALL else "outcome.completed",
        client,
        area=client.area,
        detail={
            "administration": str(administration.public_id),
            "instrument": instrument.code,
            "version": instrument.version,
            "timepoint": timepoint,
            "how": how,
            "complete": administration.complete,
        },
    )
    return Recorded(administration, task_made, closed, has_baseline)


def do_record_administration(
    request: HttpRequest,
    client: Client,
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    timepoint: str,
    on: date,
    follow_up_on: date | None = None,
) -> Recorded:
    """The link worker enters the client's answers, given during a call or a visit.

    Refused (nothing saved) when no question is answered or an answer is not one of its
    question's; saved as incomplete, with the reasons, when some are not answered."""
    if on > timezone.localdate():
        raise ActionRefused("The date they answered must be today or in the past.")
    if follow_up_on is not None and follow_up_on <= on:
        raise ActionRefused("The follow-up must be due after the date they answered.")
    with transaction.atomic():
        return _record(
            request,
            client,
            instrument,
            answers,
            timepoint=timepoint,
            on=on,
            how=Administration.How.CALL,
            follow_up_on=follow_up_on,
        )


# --- The one-time link -------------------------------------------------------------

TEXT, EMAIL = "text", "email"


@dataclass(frozen=True)
class LinkSent:
    link: OutcomeLink
    message: SentMessage


def _addresses(client: Client) -> dict[str, str]:
    """Where a link can go: {"text": mobile, "email": address}, those they have."""
    found: dict[str, str] = {}
    mobile = text_number(client.phone) if client.phone else None
    if mobile:
        found[TEXT] = mobile
    if client.email:
        found[EMAIL] = client.email
    return found


def link_addresses(client: Client) -> dict[str, str]:
    return _addresses(client)


def _link_body(
    client: Client, instrument: Instrument, url: str, expires: date, method: str
) -> tuple[str, str]:
    """The subject and words of the message. No name, nor what the questions are about
    beyond "how you have been feeling": a phone's lock screen shows a text."""
    context = {
        "programme": client.area.programme_name,
        "instrument": instrument,
        "questions": len(instrument.items),
        "url": url,
        "expires": expires,
    }
    if method == TEXT:
        rendered = render_to_string("casework/outcomes/link_text.txt", context)
        return "", gsm_text(" ".join(rendered.split()))
    body = render_to_string("casework/outcomes/link_email.txt", context)
    return f"{client.area.programme_name}: a few questions about how you have been", body


def do_send_outcome_link(
    request: HttpRequest,
    client: Client,
    instrument: Instrument,
    *,
    timepoint: str,
    method: str,
    sender: Sender | None = None,
) -> LinkSent:
    """Send the client a one-time link to answer `instrument` on their own phone, by
    text or email, if they agreed to be contacted and there is somewhere to send it."""
    name = client.display_name
    if not client.consent_to_contact:
        raise ActionRefused(
            f"{name} has not agreed to be contacted. Record their consent in their details "
            "first, or ask the questions on a call."
        )
    if timepoint not in Timepoint.values:
        raise ActionRefused("Choose whether this is the baseline or a follow-up.")
    addresses = _addresses(client)
    if method == EMAIL and EMAIL not in addresses:
        raise ActionRefused(
            f"There is no email address for {name}. Add it to their details, or send a text."
        )
    if method == TEXT and TEXT not in addresses:
        raise ActionRefused(
            f"There is no mobile number for {name} that can take a text message. Add it to "
            "their details, or send an email."
        )
    if method not in (TEXT, EMAIL):
        raise ActionRefused("Choose how to send the link.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires_at = now + LINK_LIFETIME
    url = settings.SITE_URL + reverse("casework:outcome_link", kwargs={"token": token})
    subject, body = _link_body(
        client, instrument, url, timezone.localtime(expires_at).date(), method
    )
    kind = (
        SentMessage.Kind.OUTCOME_LINK_TEXT
        if method == TEXT
        else SentMessage.Kind.OUTCOME_LINK_EMAIL
    )
    with transaction.atomic():
        message = record_sending(
            request, client, Outgoing(kind, to=addresses[method], subject=subject, body=body)
        )
        link = OutcomeLink.objects.create(
            client=client,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            timepoint=timepoint,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires_at,
            message=message,
            by=acting_user(request),
        )
        audit.record(
            request,
            "outcome.link_sent",
            client,
            area=client.area,
            detail={
                "link": str(link.public_id),
                "instrument": instrument.code,
                "timepoint": timepoint,
                "method": method,
            },
        )
    # Committed: now it goes (a failure is tried again by the outbox, never lost).
    message = deliver(message, sender=sender)
    if message.status == SentMessage.Status.SENT:
        # Gone: the kept copy need not hold a working link (only retries needed it).
        _forget_token(link, token, LINK_SENT)
        message.refresh_from_db()
    return LinkSent(link, message)


def _forget_token(link: OutcomeLink, token: str, instead: str) -> None:
    """Take the working link out of the kept copy of the message once it has gone (or
    been used): after that only its hash is anywhere in the database."""
    if link.message_id is None:
        return
    SentMessage.objects.filter(pk=link.message_id).update(
        body=Replace(F("body"), Value(token), Value(instead))
    )


def do_complete_outcome_link(
    request: HttpRequest | None, token: str, answers: Mapping[str, Any]
) -> Recorded:
    """The client's own answers through their link: recorded once, then the link is used."""
    with transaction.atomic():
        # Locked, so two submits at once record one administration.
        link = (
            OutcomeLink.objects.for_token(token)
            .select_for_update()
            .select_related("client", "client__area")
            .first()
        )
        if link is None or link.client.erased_at is not None:
            raise ActionRefused("This link is not recognised.")
        problem = link.problem()
        if problem:
            raise ActionRefused(problem)
        instrument = instrument_for(link.instrument_code, link.instrument_version)
        recorded = _record(
            request,
            link.client,
            instrument,
            answers,
            timepoint=link.timepoint,
            on=timezone.localdate(),
            how=Administration.How.LINK,
            follow_up_on=None,
        )
        link.used_at = timezone.now()
        link.administration = recorded.administration
        link.save(update_fields=["used_at", "administration"])
        _forget_token(link, token, LINK_REMOVED)
    return recorded


def find_link(token: str) -> OutcomeLink | None:
    """The link a token opens (used or not), for the public page to say what it can."""
    return (
        OutcomeLink.objects.for_token(token)
        .filter(client__erased_at__isnull=True)
        .select_related("client__area")
        .first()
    )
