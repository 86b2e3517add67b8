"""Demo community surveys: each demo area's survey from the template, open, with about
400 synthetic responses whose structure is known, so the summary and the evaluation
built on it have something real to find. Everything here is marked synthetic (the
survey and every response), and every page showing it says "Synthetic demo data".

Deterministic (random.Random seeded per area), idempotent (an area that already has a
synthetic survey gets nothing more) and fast (one bulk insert per area). Rows are
built with the same helpers do_record_response uses (category_masks, barrier_mask,
scored_measure, quintile), so their stored shape is exactly a real response's.

The templates group-memberships and neighbourhood-identification are confirmed on the
demo site (the citation says it is the demo's, not a check of the wording), so the
survey has the full original shape. A real deployment confirms them itself.

How the responses are made (per respondent, in this order):

- Where: an LSOA of the area's district, uniformly, with its real IMD decile and
  quintile; 10 % leave the postcode out (no LSOA, no decile).
- Age band (16-24 9 %, 25-34 13 %, 35-44 14 %, 45-54 16 %, 55-64 18 %, 65-74 17 %,
  75+ 11 %, prefer not 2 %), sex (female 58 %, male 40 %, prefer not 2 %), ethnic
  group (white British 92 %, the rest spread, prefer not 2 %), disability (limited a
  lot 14 %, a little 20 %, no 62 %, prefer not 4 %).
- Groups: how many groups they belong to, 0-8 (about 2 on average, more for older
  respondents); `gz` is it standardised.
- Neighbourhood identification (1-7) from a latent z_ni ~ N(0, 1).
- Needs satisfaction (the example scale, four items 1-5, the fourth reverse-keyed):
  latent ns = 0.6 · z_ni + 0.8 · e.
- Wellbeing: latent w = 0.5 · ns + 0.3 · gz + 0.1 · z_ni + 0.8 · e, so neighbourhood
  identification works on wellbeing mostly THROUGH needs satisfaction (indirect
  0.6 · 0.5 = 0.30 against a direct 0.10: a mediation). ONS4: life satisfaction,
  worthwhile and happiness ≈ 7 + 1.4 · w (0-10); anxiety ≈ 3 - 1.2 · w.
- Loneliness: latent l = -0.45 · gz - 0.3 · ns + 0.8 · e; the three UCLA items (1-3)
  rise with l (total 3-9), and the direct question follows the same latent. So more
  groups go with lower UCLA loneliness and higher life satisfaction.
- Barriers, near the original survey's rates: not knowing what's on 80 %, time 49 %
  (less over 65), nothing appealing 45 %, cost 27 % on average but graded by
  deprivation (quintile 1 ≈ 38 % down to quintile 5 ≈ 16 %), social anxiety 18 %
  (more among the lonelier), travel 18 %, health 15 % (more with a disability),
  caring 10 %, infection 5 %, something else 4 %.
- Kinds of activity: each category has its own popularity; a respondent knows of a
  category 25-60 % of the time, goes to 5-20 % (only what they know of), and 74 %
  would like at least one (so over 70 % want something, as in the original).
- Each instrument is skipped by about 5 %, so some rows are incomplete.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import LSOA, Area
from inspiring.casework.choices import Disability, EthnicGroup, Sex
from inspiring.measures import library
from inspiring.measures.actions import do_confirm_template
from inspiring.measures.instruments.base import Instrument
from inspiring.surveys.actions import barrier_mask, category_masks, quintile, scored_measure
from inspiring.surveys.choices import AgeBand, Mode, SectionKind
from inspiring.surveys.models import Response, Section, Survey
from inspiring.surveys.template import build_template_survey

RESPONSES_PER_AREA = 400
DAYS_OPEN = 60
TEMPLATES_TO_CONFIRM = ("group-memberships", "neighbourhood-identification")
DEMO_CITATION = (
    "Demo site only: confirmed so the demo survey has the original shape. The wording "
    "has not been checked against the published paper; a real deployment must do that."
)

BARRIER_RATES = {
    "awareness": 0.80,
    "time": 0.49,
    "nothing_appealing": 0.45,
    "social_anxiety": 0.18,
    "travel": 0.18,
    "health": 0.15,
    "caring": 0.10,
    "infection": 0.05,
    "other": 0.04,
}
# Cost by IMD quintile (1 most deprived); about 27 % over a typical Ashfield spread.
COST_BY_QUINTILE = {1: 0.38, 2: 0.31, 3: 0.25, 4: 0.20, 5: 0.16, None: 0.27}
AGE_WEIGHTS = [9, 13, 14, 16, 18, 17, 11, 2]
WANTS_ANYTHING = 0.74


def _pick(rng: random.Random, values: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(list(values), weights=list(weights))[0]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def confirm_templates(by: User | None) -> None:
    """Confirm the two templates on the demo site, saying so (see the module's note)."""
    if by is None:
        return
    for code in TEMPLATES_TO_CONFIRM:
        if library.get(code) is not None and not library.is_usable(code):
            do_confirm_template(None, code, citation=DEMO_CITATION, by=by)


class _Respondent:
    """One made-up resident's answers, drawn in the order the module's note gives."""

    def __init__(self, rng: random.Random, lsoas: Sequence[tuple[str, int | None]]) -> None:
        g = rng.gauss
        self.place = rng.choice(lsoas) if lsoas and rng.random() >= 0.10 else ("", None)
        self.age = _pick(rng, AgeBand.values, AGE_WEIGHTS)
        self.sex = _pick(rng, Sex.values, [58, 40, 2])
        others = [v for v in EthnicGroup.values if v not in ("white_british", "prefer_not")]
        self.ethnic = _pick(
            rng, ["white_british", *others, "prefer_not"], [92, *[6 / len(others)] * len(others), 2]
        )
        self.disability = _pick(rng, Disability.values, [14, 20, 62, 4])
        older = self.age in ("55_64", "65_74", "75_plus")
        self.groups = min(8, int(rng.expovariate(1 / (2.4 if older else 1.7))))
        gz = (self.groups - 2.0) / 1.8
        z_ni = g(0, 1)
        ns = 0.6 * z_ni + 0.8 * g(0, 1)
        w = 0.5 * ns + 0.3 * gz + 0.1 * z_ni + 0.8 * g(0, 1)
        lonely = -0.45 * gz - 0.3 * ns + 0.8 * g(0, 1)
        self.lonely = lonely
        self.ni = _clamp(4.6 + 1.3 * z_ni, 1, 7)
        self.ns_items = {f"q{n}": _clamp(3.4 + 0.9 * ns + 0.5 * g(0, 1), 1, 5) for n in (1, 2, 3)}
        self.ns_items["q4"] = _clamp(2.6 - 0.9 * ns + 0.5 * g(0, 1), 1, 5)
        self.ons4 = {
            "life_satisfaction": _clamp(7 + 1.4 * w + 0.6 * g(0, 1), 0, 10),
            "worthwhile": _clamp(7.3 + 1.3 * w + 0.6 * g(0, 1), 0, 10),
            "happiness": _clamp(7 + 1.5 * w + 0.9 * g(0, 1), 0, 10),
            "anxiety": _clamp(3 - 1.2 * w + 1.3 * g(0, 1), 0, 10),
        }
        self.ucla = {
            item: _clamp(1.7 + 0.55 * lonely + 0.35 * g(0, 1), 1, 3)
            for item in ("lack_companionship", "left_out", "isolated")
        }
        # The direct question's values run 1 (never) to 5 (often or always).
        self.direct = _clamp(2.4 + 0.9 * lonely + 0.5 * g(0, 1), 1, 5)
        self.gm_items = {
            item: _clamp(3.6 + 1.1 * gz + 0.8 * g(0, 1), 1, 7)
            for item in ("belong", "join_in", "friends", "ties")
        }

    def barriers(self, rng: random.Random) -> list[str]:
        chosen = []
        for code, rate in BARRIER_RATES.items():
            if code == "time" and self.age in ("65_74", "75_plus"):
                rate = 0.25
            if code == "social_anxiety":
                rate = min(0.6, max(0.03, rate + 0.12 * self.lonely))
            if code == "health" and self.disability in ("a_lot", "a_little"):
                rate = 0.40
            if rng.random() < rate:
                chosen.append(code)
        if rng.random() < COST_BY_QUINTILE[quintile(self.place[1])]:
            chosen.append("cost")
        return chosen

    def activities(self, rng: random.Random, popularity: Sequence[float]) -> dict[str, list[int]]:
        knows, uses, wants = [], [], []
        for position, pop in enumerate(popularity):
            if rng.random() < 0.25 + 0.35 * pop:
                knows.append(position)
                if rng.random() < 0.1 + 0.25 * pop:
                    uses.append(position)
        if rng.random() < WANTS_ANYTHING:
            wants = [p for p, pop in enumerate(popularity) if rng.random() < 0.04 + 0.18 * pop]
            if not wants:
                wants = [rng.choices(range(len(popularity)), weights=popularity)[0]]
        return {"knows": knows, "uses": uses, "wants": wants}


def _measures(
    rng: random.Random,
    person: _Respondent,
    sections: Sequence[Section],
    instruments: dict[str, Instrument],
) -> dict[str, Any]:
    answers_by_code = {
        "ons4": person.ons4,
        "ons-loneliness": {**person.ucla, "lonely": person.direct},
        "group-memberships": person.gm_items,
        "neighbourhood-identification": {"identify": person.ni},
        "needs-satisfaction": person.ns_items,
    }
    measures: dict[str, Any] = {}
    for section in sections:
        code = section.instrument_code
        if section.kind != SectionKind.INSTRUMENT or code not in answers_by_code:
            continue
        if rng.random() < 0.05:
            continue  # skipped the section
        answers = dict(answers_by_code[code])
        if rng.random() < 0.05:
            answers.pop(rng.choice(sorted(answers)))  # left one item blank
        measures[code] = scored_measure(section, answers, instruments[code])
    return measures


def build_demo_survey(area: Area, *, by: User | None, seed: str) -> Survey:
    """Area's synthetic survey, open, with RESPONSES_PER_AREA responses."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    survey = build_template_survey(area, by=by)
    today = timezone.localdate()
    Survey.objects.filter(pk=survey.pk).update(
        synthetic=True,
        status=Survey.Status.OPEN,
        opened_at=timezone.now() - datetime.timedelta(days=DAYS_OPEN),
    )
    survey.refresh_from_db()
    sections = list(survey.sections.all())
    instruments: dict[str, Instrument] = {}
    for section in sections:
        if section.instrument_code:
            found = library.get(section.instrument_code, section.instrument_version)
            if found is not None:
                instruments[section.instrument_code] = found
    positions = list(survey.categories.values_list("position", flat=True))
    # Each kind of activity's popularity (0-1), fixed per area.
    popularity = [rng.betavariate(2, 3) for _ in positions]
    lsoas = list(
        LSOA.objects.filter(district_code__in=area.district_codes())
        .order_by("code")
        .values_list("code", "imd_decile")
    )
    rows = []
    for _ in range(RESPONSES_PER_AREA):
        person = _Respondent(rng, lsoas)
        masks = category_masks(person.activities(rng, popularity), set(positions))
        lsoa_code, decile = person.place
        rows.append(
            Response(
                survey=survey,
                mode=Mode.ONLINE,
                submitted_on=today - datetime.timedelta(days=rng.randrange(DAYS_OPEN)),
                **masks,
                barriers_mask=barrier_mask(person.barriers(rng)),
                lsoa_code=lsoa_code,
                imd_decile=decile,
                imd_quintile=quintile(decile),
                age_band=person.age,
                sex=person.sex,
                ethnic_group=person.ethnic,
                disability=person.disability,
                groups_count=person.groups,
                measures=_measures(rng, person, sections, instruments),
                synthetic=True,
            )
        )
    Response.objects.bulk_create(rows, batch_size=500)
    return survey


def load_demo_surveys(areas: dict[str, Area], by: Callable[[Area], User | None]) -> int:
    """Each area's synthetic survey, unless it has one. Returns responses created."""
    created = 0
    with transaction.atomic():
        confirm_templates(next((u for a in areas.values() if (u := by(a)) is not None), None))
        for slug, area in areas.items():
            if Survey.objects.filter(area=area, synthetic=True).exists():
                continue
            build_demo_survey(area, by=by(area), seed=f"inspiring-demo-survey-{slug}")
            created += RESPONSES_PER_AREA
    return created
