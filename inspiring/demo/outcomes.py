"""Demo client outcomes: ONS4 and ONS loneliness at baseline for the demo clients with an
assessment, a follow-up for those far enough along, and the groups they joined (or left) in
between, dated, so the evaluation's own questions (change from baseline, change by groups
joined) have something real to find. Synthetic, like the rest of the demo caseload: the
clients are fictional and every answer here is drawn from the structure below.

Deterministic (random.Random seeded per area, apart from the caseload's own generator, so
the rest of the demo is unchanged), idempotent (runs once, with the caseload) and fast
(bulk inserts, scored in memory with the instrument's own scoring rule).

Who gets what:

- Every client with an assessment gets both measures at baseline, on the day they were
  assessed, except one per area: the first still waiting at "assessed" with the area's
  worker, left unmeasured so a link worker can show recording a first baseline.
- Every measured client agreed to their information being used for research (the
  evaluation's extract takes no one else).
- The first client in active support is the worked example the case page shows: ONS4
  3, 4, 3, 7 at baseline and 7, 7, 6, 3 at follow-up, having joined the Thursday singers.
- A follow-up (both measures) for a client whose baseline is at least six weeks old: twelve
  weeks after the baseline, or, for those not yet at twelve weeks, in the last week (their
  worker followed up early). The others get the follow-up task, due twelve weeks on.

How the answers are made (per client, in this order):

- Groups at baseline g0: the groups recorded at their assessment (0-3); gz0 = (g0 - 1.5)/1.1.
- Wellbeing at baseline: latent w0 = -0.9 + 0.35 · gz0 + 0.8 · e (people referred are
  struggling: below the population's mean); ONS4 life satisfaction ≈ 5 + 1.5 · w0,
  worthwhile ≈ 5.5 + 1.4 · w0, happiness ≈ 5 + 1.6 · w0, anxiety ≈ 5 - 1.3 · w0 (0-10,
  each with its own noise).
- Loneliness at baseline: latent l0 = 0.6 - 0.35 · gz0 - 0.3 · w0 + 0.7 · e; the three UCLA
  items ≈ 2.1 + 0.5 · l0 (1-3), the direct question ≈ 3.3 + 0.9 · l0 (1-5).
- Groups joined before the follow-up, by how far their connection got: attending or
  closed 1-3, attended once (or in support with no connection recorded) 0-2, agreed or
  stopped 0-1, not in support 0-1 (rarely); 15 %
  left one of their baseline groups. Each joined or left on a day between the baseline and
  the follow-up. dg = joined - left.
- Change: w1 = w0 + 0.25 + 0.5 · dg + 0.5 · e and l1 = l0 - 0.2 - 0.45 · dg + 0.5 · e, so
  MORE GROUPS JOINED GO WITH A LARGER IMPROVEMENT in wellbeing and in loneliness; the
  follow-up's answers are drawn from w1 and l1 as above.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework import facts
from inspiring.casework.models import Administration, Client, GroupMembership, Task
from inspiring.casework.models.outcomes import FOLLOW_UP_AFTER, follow_up_title
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument

# The worked example the case page shows (ONS4: life satisfaction, worthwhile, happiness,
# anxiety), and its loneliness answers (UCLA three items, the direct question).
SHOWCASE_BASELINE = (3, 4, 3, 7)
SHOWCASE_FOLLOW_UP = (7, 7, 6, 3)
SHOWCASE_LONELINESS = ((3, 2, 3, 4), (2, 1, 2, 2))
# A follow-up is recorded once the baseline is at least this old.
EARLIEST_FOLLOW_UP = timedelta(weeks=6)
ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
LONELINESS_ITEMS = ("lack_companionship", "left_out", "isolated", "lonely")
# How many groups a client joins before the follow-up, by how far their connection got:
# each number is the chance of one more group (so "attending" joins 1 to 3).
JOINING = {
    "attending": (1.0, 0.6, 0.25),
    "closed": (1.0, 0.6, 0.25),
    "attended_first": (0.7, 0.3),
    "agreed": (0.3,),
    "stopped": (0.3,),
    "": (0.15,),
}
NEW_GROUPS = (
    ("Tuesday walking group", "sport"),
    ("Community garden volunteers", "community"),
    ("Library reading circle", "hobby"),
    ("Coffee and chat", "neighbours"),
    ("Craft club", "hobby"),
    ("Men's shed", "community"),
)


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _ons4(rng: random.Random, w: float) -> dict[str, int]:
    g = rng.gauss
    return {
        "life_satisfaction": _clamp(5 + 1.5 * w + 0.6 * g(0, 1), 0, 10),
        "worthwhile": _clamp(5.5 + 1.4 * w + 0.6 * g(0, 1), 0, 10),
        "happiness": _clamp(5 + 1.6 * w + 0.9 * g(0, 1), 0, 10),
        "anxiety": _clamp(5 - 1.3 * w + 1.2 * g(0, 1), 0, 10),
    }


def _loneliness(rng: random.Random, lonely: float) -> dict[str, int]:
    g = rng.gauss
    answers = {
        item: _clamp(2.1 + 0.5 * lonely + 0.35 * g(0, 1), 1, 3) for item in LONELINESS_ITEMS[:3]
    }
    answers["lonely"] = _clamp(3.3 + 0.9 * lonely + 0.5 * g(0, 1), 1, 5)
    return answers


def _administration(
    client: Client,
    instrument: Instrument,
    timepoint: str,
    answers: dict[str, int],
    on: date,
    worker: User,
) -> Administration:
    """An administration scored in memory (bulk_create does not call save, which scores)."""
    administration = Administration(
        client=client,
        timepoint=timepoint,
        answers=answers,
        administered_on=on,
        how=Administration.How.CALL,
        by=worker,
    )
    administration.score_with(instrument)
    return administration


def _connection_stage(client: Client) -> str:
    """How far the client's furthest connection got ("" when not in support); a closed
    case counts as attending. A client in support with no connection recorded (the demo
    caseload loaded without its directory, as some tests do) counts as attended once."""
    statuses = {c.status for c in client.connections.all()}
    referral = {r.status for r in client.referrals.all()}
    if "closed" in referral:
        return "closed"
    for status in ("attending", "attended_first", "stopped", "agreed"):
        if status in statuses:
            return status
    return "attended_first" if "active" in referral else ""


def _between(rng: random.Random, start: date, end: date) -> date:
    """A day strictly after `start` and no later than `end` (the follow-up day)."""
    days = (end - start).days
    return start + timedelta(days=rng.randint(1, max(days - 1, 1)))


def load_demo_outcomes(area: Area, worker: User, *, seed: str) -> int:
    """The area's demo outcomes (see the module's note). Returns administrations created.

    Called once, by load_demo_caseload, straight after the clients are made."""
    ons4, loneliness = library.get("ons4"), library.get("ons-loneliness")
    if ons4 is None or loneliness is None:
        return 0
    rng = random.Random(f"{seed}-outcomes")  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    clients: Sequence[Client] = list(
        Client.objects.filter(area=area, assessments__isnull=False)
        .distinct()
        .order_by("pk")
        .prefetch_related("assessments", "referrals", "connections", "groups")
    )
    unmeasured = next(
        (
            c
            for c in clients
            if c.worker_id == worker.pk and any(r.status == "assessed" for r in c.referrals.all())
        ),
        None,
    )
    showcase = next(
        (c for c in clients if any(r.status == "active" for r in c.referrals.all())), None
    )
    administrations: list[Administration] = []
    groups: list[GroupMembership] = []
    tasks: list[Task] = []
    for client in clients:
        if client == unmeasured:
            continue
        assessment = client.assessments.all()[0]
        baseline_on = assessment.assessed_on
        held = [m for m in client.groups.all() if m.left_on is None]
        gz0 = (len(held) - 1.5) / 1.1
        w0 = -0.9 + 0.35 * gz0 + 0.8 * rng.gauss(0, 1)
        l0 = 0.6 - 0.35 * gz0 - 0.3 * w0 + 0.7 * rng.gauss(0, 1)
        if client == showcase:
            answers = dict(zip(ONS4_ITEMS, SHOWCASE_BASELINE, strict=True))
            lonely_answers = dict(zip(LONELINESS_ITEMS, SHOWCASE_LONELINESS[0], strict=True))
        else:
            answers, lonely_answers = _ons4(rng, w0), _loneliness(rng, l0)
        administrations.append(
            _administration(client, ons4, "baseline", answers, baseline_on, worker)
        )
        administrations.append(
            _administration(client, loneliness, "baseline", lonely_answers, baseline_on, worker)
        )
        if client == showcase:
            follow_up_on = min(baseline_on + FOLLOW_UP_AFTER, today)
        elif today - baseline_on >= EARLIEST_FOLLOW_UP:
            follow_up_on = min(baseline_on + FOLLOW_UP_AFTER, today - timedelta(rng.randint(0, 6)))
        else:
            for instrument in (ons4, loneliness):
                tasks.append(
                    Task(
                        client=client,
                        title=follow_up_title(instrument.title),
                        due_on=baseline_on + FOLLOW_UP_AFTER,
                        assigned_to=worker,
                        created_by=worker,
                    )
                )
            continue
        if client == showcase:
            joined = [("Thursday singers", "hobby")]
            left: list[GroupMembership] = []
        else:
            chances = JOINING[_connection_stage(client)]
            joined = [rng.choice(NEW_GROUPS) for chance in chances if rng.random() < chance]
            left = [rng.choice(held)] if held and rng.random() < 0.15 else []
        for name, kind in dict(joined).items():  # a group is joined once
            groups.append(
                GroupMembership(
                    client=client,
                    name=name,
                    kind=kind,
                    importance=rng.randint(3, 5),
                    positivity=rng.randint(3, 5),
                    contact="weekly",
                    joined_on=_between(rng, baseline_on, follow_up_on)
                    if client != showcase
                    else baseline_on + (follow_up_on - baseline_on) / 2,
                )
            )
        for membership in left:
            membership.left_on = _between(rng, baseline_on, follow_up_on)
            membership.save(update_fields=["left_on"])
        dg = len(dict(joined)) - len(left)
        w1 = w0 + 0.25 + 0.5 * dg + 0.5 * rng.gauss(0, 1)
        l1 = l0 - 0.2 - 0.45 * dg + 0.5 * rng.gauss(0, 1)
        if client == showcase:
            answers = dict(zip(ONS4_ITEMS, SHOWCASE_FOLLOW_UP, strict=True))
            lonely_answers = dict(zip(LONELINESS_ITEMS, SHOWCASE_LONELINESS[1], strict=True))
        else:
            answers, lonely_answers = _ons4(rng, w1), _loneliness(rng, l1)
        administrations.append(
            _administration(client, ons4, "follow_up", answers, follow_up_on, worker)
        )
        administrations.append(
            _administration(client, loneliness, "follow_up", lonely_answers, follow_up_on, worker)
        )
    # The evaluation's extract takes only clients who agreed to research: the measured demo
    # clients have (the caseload draws that consent at random, 60 %).
    Client.objects.filter(pk__in={a.client_id for a in administrations}).update(
        consent_to_research=True
    )
    Administration.objects.bulk_create(administrations)
    GroupMembership.objects.bulk_create(groups)
    Task.objects.bulk_create(tasks)
    # bulk_create sends no signals: monitoring's summary rows worked out here.
    facts.refresh({a.client_id for a in administrations} | {g.client_id for g in groups})
    return len(administrations)
