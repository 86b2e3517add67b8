"""A client's plan: the activities they agreed, when, where, how to get there, who meets them.

Built once (`build_plan`) and shown three ways: the staff preview, a large-print
PDF to print or post, and the words sent by email (`email_text`) or by text message
(`sms_text`: the whole plan, or a short form — what, when, where and a number to
call — in at most SMS_MAX_PARTS messages, as GOV.UK Notify sends long texts).

A hidden address stays hidden here too: the plan names the activity's locality,
with no venue name, street, postcode, bus routes or access notes, which would
give it away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from inspiring.directory.models import Activity, Session

from . import choices
from .models import Client, Connection

# Agreed and not stopped: what the client is going to, or going to try.
PLAN_STATUSES = (
    Connection.Status.AGREED,
    Connection.Status.REFERRED,
    Connection.Status.ATTENDED_FIRST,
    Connection.Status.ATTENDING,
)
# Not been yet: the support for a first visit still applies.
FIRST_VISIT_TO_COME = (Connection.Status.AGREED, Connection.Status.REFERRED)
SMS_LIMIT = 160  # GSM characters in one text message
# A plan goes as up to four text messages joined up on the phone (612 GSM characters):
# enough for three activities with their times and places; more is a letter or email.
SMS_MAX_PARTS = 4
NEXT_SESSIONS = 3


@dataclass(frozen=True)
class PlanActivity:
    title: str
    organisation: str
    summary: str
    regularly: list[str]  # "Every Tuesday, 10:00 to 11:00, from 6 May 2025"
    first_visit: str  # "Tuesday 13 May, 10:00 to 11:00", or "" once they have been
    next_sessions: list[str]
    next_start: datetime | None  # the first visit, or the next session: for the text
    place: str  # venue and town; the locality alone when the address is hidden
    short_place: str  # the venue's name (or the locality), for the text
    address: str  # "" when hidden or online
    postcode: str  # "" when hidden or online
    getting_there: list[str]
    meet: list[str]  # who will meet them, and the support agreed
    sms_meet: str  # the same, short, for the text: "Liam will meet you there."
    cost: str
    what_to_expect: str
    contact: str  # "Pat on 01632 960123"
    notices: list[str] = field(default_factory=list)  # paused, a cancelled first visit


@dataclass(frozen=True)
class Plan:
    name: str  # what they like to be called
    worker: str  # the link worker's first name, or ""
    programme: str
    phone: str  # the programme's, for changes
    email: str
    made_on: date
    activities: list[PlanActivity]

    @property
    def helper(self) -> str:
        return self.worker or "Your link worker"


def _session_label(session: Session) -> str:
    local = timezone.localtime(session.start)
    return f"{local:%A} {local.day} {local:%B}, {session.time_label}"


def _first_name(text: str) -> str:
    return text.strip().split(" ")[0].strip(",") if text.strip() else ""


def _meet(connection: Connection, activity: Activity, helper: str) -> tuple[list[str], str]:
    support = set(connection.support)
    lines: list[str] = []
    short = ""
    if connection.status in FIRST_VISIT_TO_COME:
        if choices.Support.ACCOMPANY in support:
            lines.append(f"{helper} will meet you there and go in with you the first time.")
            short = f"{helper} will meet you there."
        if choices.Support.BUDDY in support:
            lines.append("A buddy will go with you the first time.")
            short = short or "A buddy will go with you."
        if choices.Support.CONTACT_LEADER in support:
            lines.append(f"{helper} will let the group know you are coming.")
    if activity.greeter:
        lines.append(f"Who will greet you: {activity.greeter}.")
        short = short or f"Ask for {_first_name(activity.greeter)}."
    elif activity.contact_name:
        lines.append(f"Ask for {_first_name(activity.contact_name)}.")
        short = short or f"Ask for {_first_name(activity.contact_name)}."
    if choices.Support.TRANSPORT in support:
        lines.append(f"Transport is arranged for you: {helper} will tell you the details.")
    return lines, short


def _where(activity: Activity, helper: str) -> tuple[str, str, str, list[str]]:
    """(place, address, postcode, getting there), keeping a hidden address hidden."""
    venue = activity.venue
    if activity.online and venue is None:
        return "Online", "", "", ["The group will send you the link to join."]
    if venue is None:
        return activity.locality, "", "", []
    if activity.hide_address:
        # Not the bus routes or access notes: they could give the place away.
        features = [label for name, label in venue.ACCESS_LABELS if getattr(venue, name)]
        return (
            activity.place_label,
            "",
            "",
            [*features, f"The address is not published: {helper} will tell you where to go."],
        )
    getting_there = venue.access_features()
    if venue.access_notes:
        getting_there.append(venue.access_notes)
    return str(venue), venue.address, venue.postcode, getting_there


def _contact(activity: Activity) -> str:
    how = activity.contact_phone or activity.contact_email
    if not how:
        return ""
    who = _first_name(activity.contact_name) or activity.organisation.name
    return f"{who} on {how}"


def plan_connections(client: Client) -> list[Connection]:
    return list(
        client.connections.filter(status__in=PLAN_STATUSES)
        .select_related(
            "activity", "activity__venue", "activity__organisation", "first_session__activity"
        )
        .prefetch_related("activity__schedules")
        .order_by("created_at", "pk")
    )


def build_plan(client: Client, *, now: datetime | None = None) -> Plan:
    now = now or timezone.now()
    worker = client.worker.get_short_name() if client.worker else ""
    helper = worker or "Your link worker"
    items = []
    for connection in plan_connections(client):
        activity = connection.activity
        upcoming = list(
            activity.sessions.going_ahead().upcoming(now).order_by("start")[:NEXT_SESSIONS]
        )
        notices: list[str] = []
        first = connection.first_session
        first_visit = ""
        next_start = upcoming[0].start if upcoming else None
        if connection.status in FIRST_VISIT_TO_COME and first is not None and first.end >= now:
            if first.is_cancelled:
                notices.append(
                    f"The session on {_session_label(first)} is cancelled: "
                    "come to the next one instead."
                )
            else:
                first_visit, next_start = _session_label(first), first.start
        if activity.capacity_status == Activity.CapacityStatus.PAUSED:
            notices.append(
                f"The group has paused its sessions for now: {helper} will tell you more."
            )
        place, address, postcode, getting_there = _where(activity, helper)
        meet, sms_meet = _meet(connection, activity, helper)
        covered = choices.Support.COST in connection.support
        items.append(
            PlanActivity(
                title=activity.title,
                organisation=activity.organisation.name,
                summary=activity.summary,
                regularly=[schedule.summary for schedule in activity.schedules.all()],
                first_visit=first_visit,
                next_sessions=[_session_label(s) for s in upcoming],
                next_start=next_start,
                place=place,
                short_place=activity.venue.name
                if activity.shows_venue and activity.venue is not None
                else place,
                address=address,
                postcode=postcode,
                getting_there=getting_there,
                meet=meet,
                sms_meet=sms_meet,
                cost="Paid for you" if covered else activity.cost_label,
                what_to_expect=activity.what_to_expect,
                contact=_contact(activity),
                notices=notices,
            )
        )
    return Plan(
        name=client.preferred_name or client.first_name,
        worker=worker,
        programme=client.area.programme_name,
        phone=client.area.contact_phone,
        email=client.area.contact_email,
        made_on=timezone.localdate(now),
        activities=items,
    )


# --- The words sent -------------------------------------------------------------------

# GSM 03.38: the basic set counts one each, the extension set two; anything else
# turns the whole message into UCS-2, where one message holds 70 characters.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
# What people type that has a GSM near-equivalent (curly quotes from a word processor).
_PLAIN = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark, the apostrophe word processors type
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u00a0": " ",  # no-break space
        "\u2026": "...",
    }
)


def gsm_text(text: str) -> str:
    return text.translate(_PLAIN)


def gsm_length(text: str) -> int | None:
    """Its length in GSM characters, or None when it cannot be sent in GSM at all."""
    length = 0
    for char in text:
        if char in GSM_BASIC:
            length += 1
        elif char in GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def text_parts(text: str) -> int:
    """How many text messages `text` is sent as: in GSM characters 160 fit one, and
    153 each once it is split; with a character GSM lacks (UCS-2), 70 and 67."""
    length = gsm_length(text)
    if length is None:
        length, single, each = len(text.encode("utf-16-le")) // 2, 70, 67
    else:
        single, each = SMS_LIMIT, 153
    return 1 if length <= single else -(-length // each)


@dataclass(frozen=True)
class SmsText:
    text: str
    length: int | None  # GSM characters; None when it has characters GSM lacks
    problem: str = ""  # why it cannot go by text message
    short: bool = False  # the short form: what, when, where and a number to call

    @property
    def fits(self) -> bool:
        return not self.problem

    @property
    def parts(self) -> int:
        return text_parts(self.text)

    @property
    def parts_label(self) -> str:
        return "1 text message" if self.parts == 1 else f"{self.parts} text messages"


def _sms_when(start: datetime | None) -> str:
    if start is None:
        return "times to follow"
    local = timezone.localtime(start)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def _sms_item(activity: PlanActivity, *, postcode: bool, meet: bool) -> str:
    place = activity.short_place
    if postcode and activity.postcode:
        place += f", {activity.postcode}"
    text = f"{activity.title}, {_sms_when(activity.next_start)}, {place}."
    if meet and activity.sms_meet:
        text += f" {activity.sms_meet}"
    return text


def _sms_call(plan: Plan) -> str:
    """The number to call, which every text carries (an email address alone is no help
    to someone who prefers the phone)."""
    return f" Questions or changes? Call {plan.phone}" if plan.phone else ""


def _sms_full(plan: Plan) -> str:
    body = " ".join(_sms_item(a, postcode=True, meet=True) for a in plan.activities)
    sign = f" From {plan.worker + ', ' if plan.worker else ''}{plan.programme}."
    return gsm_text(f"{plan.name}, your plan: {body}{sign}{_sms_call(plan)}")


def _sms_short(plan: Plan) -> str:
    body = " ".join(_sms_item(a, postcode=False, meet=False) for a in plan.activities)
    return gsm_text(f"{plan.name}: {body}{_sms_call(plan)}")


def sms_text(plan: Plan, *, short: bool = False) -> SmsText:
    """The plan as a text message: the whole plan (where, when, who meets them, who it is
    from and a number to call), or `short`: what, when, where and a number to call."""
    if not plan.activities:
        return SmsText("", 0, "There are no agreed activities in the plan to send.", short)
    text = _sms_short(plan) if short else _sms_full(plan)
    sms = SmsText(text, gsm_length(text), short=short)
    if sms.parts > SMS_MAX_PARTS:
        return SmsText(
            text,
            sms.length,
            f"The plan is too long for {SMS_MAX_PARTS} text messages ({sms.parts} would be "
            "needed). Send it by email, or print it.",
            short,
        )
    return sms


def sms_options(plan: Plan) -> list[SmsText]:
    """What can go by text: the whole plan, and the short form when it is shorter."""
    full, short = sms_text(plan), sms_text(plan, short=True)
    if not full.fits:
        return [short]
    return [full] if short.parts >= full.parts else [full, short]


def email_subject(plan: Plan) -> str:
    return f"Your plan from {plan.programme}"


def email_text(plan: Plan) -> str:
    lines = [f"Hello {plan.name},", ""]
    with_whom = f" with {plan.worker}" if plan.worker else ""
    lines += [f"This is your plan: the activities you agreed{with_whom}.", ""]
    for activity in plan.activities:
        lines.append(f"{activity.title} ({activity.organisation})")
        lines += [f"When: {when}" for when in activity.regularly]
        if activity.first_visit:
            lines.append(f"Your first visit: {activity.first_visit}")
        elif activity.next_sessions:
            lines.append(f"Next: {activity.next_sessions[0]}")
        lines.append(f"Where: {activity.place}")
        if activity.address:
            lines.append(f"Address: {activity.address}")
        if activity.getting_there:
            lines.append("Getting there: " + "; ".join(activity.getting_there))
        lines += activity.meet
        lines.append(f"Cost: {activity.cost}")
        if activity.contact:
            lines.append(f"Contact: {activity.contact}")
        lines += activity.notices
        lines.append("")
    reach = " or ".join(part for part in (plan.phone, plan.email) if part)
    if reach:
        lines += [f"If anything changes, or you would like to talk, contact us on {reach}.", ""]
    lines.append(f"{plan.worker + ', ' if plan.worker else ''}{plan.programme}")
    return "\n".join(lines)


# --- Sending --------------------------------------------------------------------------

_NOT_DIGITS = re.compile(r"[\s\-().]")


def mobile_number(phone: str) -> str | None:
    """The number, if a text message can go to it: a UK mobile (07…) or an international
    number (+…, not +44 unless it is a mobile). None for a landline or nonsense."""
    number = _NOT_DIGITS.sub("", phone)
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"(?:\+44|44|0)7\d{9}", number):
        return "+447" + number[-9:]
    if re.fullmatch(r"\+[1-9]\d{7,14}", number) and not number.startswith("+44"):
        return number
    return None


METHODS = (
    ("email", "Email"),
    ("text", "Text message"),
    ("short_text", "Short text message: what, when, where and a number to call"),
)
