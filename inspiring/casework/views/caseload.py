"""The caseload (with its filters) and the triage queue of new referrals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability
from lib.identifiers import nhs_number_check_digit
from lib.postcodes import PostcodeError, normalise_postcode
from lib.text import search_text

from ..access import clients_for, referrals_for, working_area
from ..forms.clients import normalise_uk_phone
from ..models import Assessment, Client, ClientQuerySet, Contact, Referral, Task

PAGE_SIZE = 25
QUIET_DAYS = (14, 30, 60)
# The public form tells people a link worker will contact them "usually within a
# week": a new referral waiting longer than this is overdue.
TRIAGE_DUE_DAYS = 7

# A search is a name, an NHS number, a postcode, a phone number or words from the
# notes; longer text is refused with a message, never cut silently or sent to the database.
SEARCH_MOST_CHARACTERS = 100
SEARCH_MOST_WORDS = 5
# Shorter words would find almost every client's notes ("a", "to").
NOTES_WORD_LEAST = 3
_OUTWARD_CODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_PHONE_LIKE = re.compile(r"[0-9+() .-]{10,25}")

# Registered here, beside the one view that writes it (CaseworkConfig.ready imports
# this module): a search names no client, so it is not a read of any one record.
audit.register_actions({"client.searched": "Searched client records"})


@dataclass(frozen=True)
class ClientSearch:
    """What was typed into the caseload's search box, and what it can be taken as."""

    text: str = ""
    words: tuple[str, ...] = ()
    nhs_number: str = ""  # ten digits, as stored
    postcode: str = ""  # canonical, "NG17 7AE"
    phone: str = ""  # national, as the forms store it ("07700 900982")
    problem: str = ""  # why nothing was searched, said to the person
    hint: str = ""  # said beside the results (an NHS number whose check digit is wrong)
    kinds: list[str] = field(default_factory=list)  # for the audit log, never the text

    def __bool__(self) -> bool:
        return bool(self.text)


def parse_search(value: str | None) -> ClientSearch:
    """Read the search box: an NHS number, postcode or phone number typed any way is
    normalised as its form field would store it; anything else is words."""
    typed = (value or "").replace("\x00", "").strip()
    if not typed:
        return ClientSearch()
    if len(typed) > SEARCH_MOST_CHARACTERS:
        return ClientSearch(
            text=search_text(typed, limit=SEARCH_MOST_CHARACTERS),
            problem=f"Search for {SEARCH_MOST_CHARACTERS} characters or fewer",
        )
    text = search_text(typed, limit=SEARCH_MOST_CHARACTERS)
    words = tuple(text.split())
    if len(words) > SEARCH_MOST_WORDS:
        return ClientSearch(text=text, problem=f"Search for {SEARCH_MOST_WORDS} words or fewer")
    kinds = ["name"]
    nhs_number = postcode = phone = hint = ""
    compact = re.sub(r"[\s-]", "", text)
    if re.fullmatch(r"[0-9]{10}", compact):
        nhs_number = compact
        kinds.append("nhs_number")
        if nhs_number_check_digit(compact[:9]) != int(compact[9]):
            hint = (
                "This is not a valid NHS number: its last digit does not match. Check it "
                "against the person's NHS letter or app"
            )
    try:
        postcode = normalise_postcode(text)
        kinds.append("postcode")
    except PostcodeError:
        pass
    if _PHONE_LIKE.fullmatch(text):
        try:
            phone = normalise_uk_phone(text)
            kinds.append("phone")
        except forms.ValidationError:
            pass
    if any(_OUTWARD_CODE.fullmatch(word.upper()) for word in words):
        kinds.append("postcode_district")
    if any(len(word) >= NOTES_WORD_LEAST for word in words):
        kinds.append("notes")
    return ClientSearch(
        text=text,
        words=words,
        nhs_number=nhs_number,
        postcode=postcode,
        phone=phone,
        hint=hint,
        kinds=kinds,
    )


def _matches_word(word: str) -> Q:
    """A client whose name holds the word, or (for a word of 3 letters or more) whose
    notes do: contact notes, assessments (what matters, needs, goals) and the referral's
    reason in the referrer's or their own words. An outward code ("NG17") matches the
    postcodes of that district."""
    match = Q(first_name__icontains=word) | Q(last_name__icontains=word)
    match |= Q(preferred_name__icontains=word)
    if len(word) >= NOTES_WORD_LEAST:
        match |= Q(Exists(Contact.objects.filter(client=OuterRef("pk"), notes__icontains=word)))
        match |= Q(
            Exists(
                Assessment.objects.filter(client=OuterRef("pk")).filter(
                    Q(what_matters__icontains=word)
                    | Q(needs__icontains=word)
                    | Q(goals__icontains=word)
                )
            )
        )
        match |= Q(
            Exists(Referral.objects.filter(client=OuterRef("pk"), reason_detail__icontains=word))
        )
    if _OUTWARD_CODE.fullmatch(word.upper()):
        match |= Q(postcode__startswith=f"{word.upper()} ")
    return match


def search_clients(clients: ClientQuerySet, search: ClientSearch) -> ClientQuerySet:
    """The clients (of a queryset already limited to what the user may see: use
    `clients_for`) that the search finds: every word in their name or notes, or the
    whole text as their NHS number, postcode or phone number."""
    if search.problem:
        return clients.none()
    found = Q()
    for word in search.words:
        found &= _matches_word(word)
    if search.nhs_number:
        found |= Q(nhs_number=search.nhs_number)
    if search.postcode:
        found |= Q(postcode=search.postcode)
    if search.phone:
        # Stored as the forms write it; older records may lack its spaces.
        clients = clients.alias(phone_digits=Replace(F("phone"), Value(" "), Value("")))
        found |= Q(phone_digits=search.phone.replace(" ", ""))
    return clients.filter(found)


@require_capability(Capability.MANAGE_CASES)
def caseload(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = acting_user(request)
    whose = request.GET.get("whose", "mine")
    status = request.GET.get("status", "open")
    quiet = request.GET.get("quiet", "")
    overdue = request.GET.get("overdue") == "1"
    search = parse_search(request.GET.get("q"))

    latest_referral = Referral.objects.filter(client=OuterRef("pk")).order_by("-received_on", "-pk")
    clients = clients_for(request).annotate(
        referral_status=Subquery(latest_referral.values("status")[:1]),
        last_contact=Max("contacts__on"),
        # The next contact due: the earliest open task (a check-in date set on a
        # connection is one), what it is beside it.
        next_due=Min("tasks__due_on", filter=Q(tasks__done_at__isnull=True)),
        next_task=Subquery(
            Task.objects.filter(client=OuterRef("pk"), done_at__isnull=True)
            .order_by("due_on", "pk")
            .values("title")[:1]
        ),
        overdue_tasks=Count(
            "tasks", filter=Q(tasks__done_at__isnull=True, tasks__due_on__lt=today), distinct=True
        ),
    )
    if search:
        clients = search_clients(clients, search)
    everyones = clients
    if whose == "mine":
        clients = clients.filter(worker=user)
    if status == "open":
        clients = clients.filter(closed_at__isnull=True)
    elif status == "closed":
        clients = clients.filter(closed_at__isnull=False)
    elif status in Referral.Status.values:
        clients = clients.filter(referral_status=status)
    if overdue:
        clients = clients.filter(overdue_tasks__gt=0)
    if quiet.isdigit() and int(quiet) in QUIET_DAYS:
        since = timezone.now() - timedelta(days=int(quiet))
        clients = clients.filter(Q(last_contact__lt=since) | Q(last_contact__isnull=True))
    # What needs doing first: overdue tasks (the most overdue first), then the next due,
    # then everyone with nothing due, by name. (Without nulls_last, SQLite and
    # PostgreSQL disagree on where "nothing due" goes.)
    ordered = clients.select_related("worker").order_by(
        F("next_due").asc(nulls_last=True), "last_name", "first_name", "pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(Referral.Status.choices)
    for item in page.object_list:
        item.referral_label = labels.get(item.referral_status or "", "None")
        item.age = item.age_on(today)
    others = 0
    if search and whose == "mine" and not page.object_list and not search.problem:
        # Someone on the phone may be another worker's client: say so, with the way there.
        others = everyones.exclude(worker=user).count()
    _audit_listing(request, search, list(page.object_list))
    waiting = _waiting(request).count()
    tasks = (
        Task.objects.filter(
            assigned_to=user, done_at__isnull=True, due_on__lte=today + timedelta(days=7)
        )
        .filter(client__in=clients_for(request))
        .select_related("client")
        .order_by("due_on", "pk")[:10]
    )
    return render(
        request,
        "casework/caseload.html",
        {
            "page_obj": page,
            "whose": whose,
            "status": status,
            "quiet": quiet,
            "overdue": overdue,
            "q": search.text,
            "search": search,
            "others": others,
            "quiet_days": QUIET_DAYS,
            "statuses": Referral.Status.choices,
            "waiting": waiting,
            "today": today,
            "tasks": tasks,
        },
    )


def _audit_listing(request: HttpRequest, search: ClientSearch, shown: list[Client]) -> None:
    """A list is audited as looked at; a search as a search, with what the text was taken
    as and whom it found, never the text itself (an NHS number or words from someone's
    notes would then sit in a log that is never erased)."""
    if not search:
        audit.record(
            request, "client.listed", area=working_area(request), detail={"shown": len(shown)}
        )
        return
    audit.record(
        request,
        "client.searched",
        area=working_area(request),
        detail={
            "as": search.kinds,
            "refused": bool(search.problem),
            "shown": [str(item.public_id) for item in shown],
        },
    )


def _waiting(request: HttpRequest) -> QuerySet[Referral]:
    """New referrals nobody has taken yet."""
    return referrals_for(request).filter(
        status=Referral.Status.RECEIVED, client__worker__isnull=True
    )


def _overdue_before() -> date:
    return timezone.localdate() - timedelta(days=TRIAGE_DUE_DAYS)


def triage_counts(request: HttpRequest) -> dict[str, int]:
    """How many new referrals wait, and how many of them are overdue: one query."""
    return _waiting(request).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(received_on__lt=_overdue_before()))
    )


def triage_card_status(request: HttpRequest) -> str:
    """The staff home's line for the triage card."""
    counts = triage_counts(request)
    if not counts["waiting"]:
        return "No new referral is waiting."
    waiting = counts["waiting"]
    text = f"{waiting} new referral{pluralize(waiting)} waiting"
    if counts["overdue"]:
        text += f", {counts['overdue']} overdue (waiting more than a week)"
    return text + "."


def received_ago(received_on: date, today: date) -> str:
    """ "received today", "received 3 days ago", "received 9 weeks ago"…"""
    days = (today - received_on).days
    if days <= 0:
        return "received today"
    if days == 1:
        return "received yesterday"
    if days < 14:
        return f"received {days} days ago"
    if days < 13 * 7:
        return f"received {days // 7} weeks ago"
    months = days * 12 // 365
    return f"received {months} months ago"


@require_capability(Capability.MANAGE_CASES)
def triage(request: HttpRequest) -> HttpResponse:
    """New referrals nobody has taken yet, oldest first, each with its age; those
    waiting more than a week (what the public is told) are flagged overdue."""
    referrals = _waiting(request).select_related("client").order_by("received_on", "pk")
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    overdue_before = _overdue_before()
    for referral in page.object_list:
        referral.age = received_ago(referral.received_on, today)
        referral.overdue = referral.received_on < overdue_before
        referral.client_age = referral.client.age_on(today)
    audit.record(
        request,
        "client.listed",
        area=working_area(request),
        detail={"triage": len(page.object_list)},
    )
    return render(
        request,
        "casework/triage.html",
        {"page_obj": page, "counts": triage_counts(request), "due_days": TRIAGE_DUE_DAYS},
    )
