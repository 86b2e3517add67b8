"""The programme's own questions (issue 16), ready to run: each a plain title and
description, the data set it needs, and a builder that makes its analysis spec (see
models.Analysis) for the areas or the survey chosen.

Columns are the extracts' (extracts.py's docstring): outcomes rows are clients with a
baseline (baseline_/followup_/change_<instrument>_<scale>, groups_baseline, groups_change,
imd_quintile, age_band, sex, area, cat_<slug>); survey rows are responses (knows_/uses_/
wants_<slug>, barrier_<code>, took_part, imd_quintile, age_band, <instrument>_<scale>).

Categorical predictors: age band, sex, area and deprivation quintile enter a regression as
R's factors, `C(age_band)`, when the statistics core reads them (regression.py's
categorical predictors). On a core without them, deprivation enters as the quintile number
(1 most deprived, a straight-line trend) and age band and sex are left out; the question's
description says which was done (`CATEGORICAL`).

"Yes or no" outcomes (took part or not) are analysed by logistic regression when the
runner offers it, else by a linear probability model (an ordinary regression of the 0/1
outcome: its coefficients are differences in the share who took part), said likewise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inspiring.measures import library

from .extracts import column_code
from .runner import KINDS

if TYPE_CHECKING:
    from inspiring.areas.models import Area
    from inspiring.surveys.models import Survey

# One seed for every built-in question: a question run twice on the same data gives the
# same numbers, and the bundle's R call can set it.
SEED = 20260516
BOOTSTRAP = 5000
# Published reliabilities for the reliable change index (Jacobson and Truax):
# UCLA three items: Cronbach's alpha 0.72 (Hughes, Waite, Hawkley and Cacioppo 2004,
# Research on Aging 26(6), table 1); SWEMWBS: 0.84 (Stewart-Brown et al. 2009, Health and
# Quality of Life Outcomes 7:15). ONS4's four are single questions with no published
# reliability to use, so their change is reported without an RCI.
UCLA3_RELIABILITY = 0.72
SWEMWBS_RELIABILITY = 0.84
# A category enters the "by kind of activity" regression when at least this many clients
# with a follow-up were connected to it (fewer and its coefficient means nothing).
MIN_PER_CATEGORY = 3


def _core_has_categorical() -> bool:
    """Whether the statistics core reads `C(column)` in a formula as a factor."""
    from .stats import StatsError, parse_formula

    try:
        parse_formula("y ~ C(g)")
    except (StatsError, ValueError, TypeError):
        return False
    return True


CATEGORICAL = _core_has_categorical()
LOGISTIC = "logistic" in KINDS


def covariates() -> str:
    """The formula's covariates: age band, sex and deprivation (see the module's note)."""
    if CATEGORICAL:
        return "C(age_band) + C(sex) + imd_quintile"
    return "imd_quintile"


COVARIATES_SAID = (
    "Age band and sex (as categories) and the deprivation quintile are held constant."
    if CATEGORICAL
    else "The deprivation quintile (as a number, 1 most deprived) is held constant; age band "
    "and sex are left out until the statistics core reads categories."
)


@dataclass(frozen=True)
class Question:
    """One built-in question."""

    code: str
    title: str
    description: str
    # "outcomes" (client outcomes of the areas chosen) or "survey" (one survey's responses)
    source: str
    analysis: str
    # (areas, survey) -> the spec's "options"; areas for outcomes, survey for the survey.
    options: Callable[[Sequence[Area], Survey | None], dict[str, Any]]
    # Whether the question can be asked here (a licensed measure, say), with why not.
    needs: Callable[[], str | None] = lambda: None

    def build(self, areas: Sequence[Area] = (), survey: Survey | None = None) -> dict[str, Any]:
        """The analysis spec for the areas (outcomes) or the survey chosen."""
        if self.source == "survey":
            if survey is None:
                raise ValueError(f"{self.code} needs a survey")
            dataset: dict[str, Any] = {"source": "survey", "survey": str(survey.public_id)}
        else:
            if not areas:
                raise ValueError(f"{self.code} needs at least one area")
            dataset = {"source": "outcomes", "areas": sorted(area.slug for area in areas)}
        return {
            "dataset": dataset,
            "analysis": self.analysis,
            "options": self.options(areas, survey),
            "seed": SEED,
            "question": self.code,
        }

    def available(self) -> bool:
        return self.needs() is None

    @property
    def url(self) -> str:
        """Its page: what it asks, the data to ask it of, and Run (views_exports.py)."""
        from django.urls import reverse

        return reverse("evaluation:question", kwargs={"code": self.code})


def _swemwbs_needs() -> str | None:
    if library.is_usable("swemwbs"):
        return None
    return "SWEMWBS needs its licence recorded by a site administrator before it is used."


def _change(
    scale: str, *, lower_is_better: bool = False, reliability: float | None = None
) -> Callable[[Sequence[Area], Survey | None], dict[str, Any]]:
    def options(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
        out: dict[str, Any] = {"before": f"baseline_{scale}", "after": f"followup_{scale}"}
        if lower_is_better:
            out["lower_is_better"] = True
        if reliability is not None:
            out["reliability"] = reliability
        return out

    return options


def _formula(text: str) -> Callable[[Sequence[Area], Survey | None], dict[str, Any]]:
    return lambda areas, survey: {"formula": text.format(covariates=covariates())}


def _factor(column: str) -> str:
    return f"C({column})" if CATEGORICAL else column


def _by_area(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
    # With one area there is nothing to compare: the change model's intercept alone.
    if CATEGORICAL and len(areas) > 1:
        return {"formula": "change_ons4_life_satisfaction ~ C(area)"}
    return {"formula": "change_ons4_life_satisfaction ~ baseline_ons4_life_satisfaction"}


def _by_category(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
    """Change regressed on the kinds of activity enough clients with a follow-up were
    connected to (0/1 each, so a client connected to two counts in both)."""
    from django.db.models import Count

    from inspiring.casework.models import Connection

    counts = (
        Connection.objects.filter(
            client__area__in=list(areas),
            client__consent_to_research=True,
            client__administrations__timepoint="follow_up",
            client__administrations__instrument_code="ons4",
        )
        .exclude(status__in=("declined", "withdrawn"))
        .values("activity__categories__slug")
        .annotate(clients=Count("client", distinct=True))
        .order_by("-clients", "activity__categories__slug")
    )
    slugs = [
        column_code(row["activity__categories__slug"])
        for row in counts
        if row["activity__categories__slug"] and row["clients"] >= MIN_PER_CATEGORY
    ][:6]
    terms = " + ".join(f"cat_{slug}" for slug in slugs) or "attended"
    return {"formula": f"change_ons4_life_satisfaction ~ {terms}"}


def _needs_scale() -> str:
    instrument = library.get("needs-satisfaction")
    scale = instrument.scales[0].name if instrument is not None and instrument.scales else "score"
    return f"needs_satisfaction_{scale}"


def _mediation(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
    return {
        "x": "neighbourhood_identification_identify",
        "m": [_needs_scale()],
        "y": "ons4_life_satisfaction",
        "boot": BOOTSTRAP,
        "ci": "percentile",
    }


def _survey_columns(survey: Survey | None, prefixes: Sequence[str]) -> list[str]:
    """The survey extract's columns that start with one of `prefixes`, in its order."""
    if survey is None:
        return []
    from .extracts import survey_columns

    starts = tuple(f"{prefix}_" for prefix in prefixes)
    return [column.name for column in survey_columns(survey) if column.name.startswith(starts)]


def _awareness(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
    return {"columns": ["took_part", *_survey_columns(survey, ("knows", "uses", "wants"))]}


def _barriers(areas: Sequence[Area], survey: Survey | None) -> dict[str, Any]:
    terms = " + ".join(_survey_columns(survey, ("barrier",)))
    return {"formula": f"took_part ~ {terms}"}


_YES_NO = "logistic" if LOGISTIC else "regress"
_YES_NO_SAID = (
    "By logistic regression: odds ratios with their intervals."
    if LOGISTIC
    else "By a linear probability model (an ordinary regression of the 0/1 answer): each "
    "coefficient is the difference in the share who take part."
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "change-life-satisfaction",
        "Has life satisfaction changed since people were referred?",
        "ONS4 life satisfaction (0-10) at baseline and at the latest follow-up, for clients "
        "with both: the mean change with its interval, a paired t-test and Wilcoxon's test, "
        "and effect sizes (Cohen's d).",
        "outcomes",
        "change",
        _change("ons4_life_satisfaction"),
    ),
    Question(
        "change-worthwhile",
        "Do people feel what they do is more worthwhile?",
        "ONS4 'worthwhile' (0-10), baseline to follow-up: mean change, tests and effect sizes.",
        "outcomes",
        "change",
        _change("ons4_worthwhile"),
    ),
    Question(
        "change-happiness",
        "Are people happier than when they were referred?",
        "ONS4 happiness yesterday (0-10), baseline to follow-up: mean change, tests and "
        "effect sizes.",
        "outcomes",
        "change",
        _change("ons4_happiness"),
    ),
    Question(
        "change-anxiety",
        "Are people less anxious than when they were referred?",
        "ONS4 anxiety yesterday (0-10, lower is better), baseline to follow-up: a fall is "
        "an improvement.",
        "outcomes",
        "change",
        _change("ons4_anxiety", lower_is_better=True),
    ),
    Question(
        "change-loneliness",
        "Are people less lonely than when they were referred?",
        "The UCLA three-item loneliness score (3-9, lower is better), baseline to follow-up, "
        f"with reliable change (reliability {UCLA3_RELIABILITY}, Hughes et al. 2004): how "
        "many reliably improved or got worse.",
        "outcomes",
        "change",
        _change("ons_loneliness_ucla3", lower_is_better=True, reliability=UCLA3_RELIABILITY),
    ),
    Question(
        "change-swemwbs",
        "Has mental wellbeing (SWEMWBS) changed?",
        "The Short Warwick-Edinburgh Mental Wellbeing Scale (metric score), baseline to "
        f"follow-up, with reliable change (reliability {SWEMWBS_RELIABILITY}, Stewart-Brown "
        "et al. 2009). Only where the programme holds SWEMWBS's licence.",
        "outcomes",
        "change",
        _change("swemwbs_metric", reliability=SWEMWBS_RELIABILITY),
        needs=_swemwbs_needs,
    ),
    Question(
        "change-by-area",
        "Does the change in life satisfaction differ between areas?",
        (
            "The change in ONS4 life satisfaction regressed on the area (the first area is "
            "the reference). With one area chosen, the change's relation to where people "
            "started (their baseline) instead."
            if CATEGORICAL
            else "Run once per area (choose one area) to compare: the change in ONS4 life "
            "satisfaction regressed on where people started (their baseline); areas are "
            "compared side by side until the statistics core reads categories."
        ),
        "outcomes",
        "regress",
        _by_area,
    ),
    Question(
        "change-by-deprivation",
        "Does the change in life satisfaction differ by deprivation?",
        "The change in ONS4 life satisfaction regressed on the deprivation quintile of where "
        "people live (1 most deprived)"
        + (", as a category." if CATEGORICAL else ", as a number (a straight-line trend)."),
        "outcomes",
        "regress",
        _formula("change_ons4_life_satisfaction ~ " + _factor("imd_quintile")),
    ),
    Question(
        "change-by-activity",
        "Does the change in life satisfaction differ by kind of activity?",
        "The change in ONS4 life satisfaction regressed on whether people were connected to "
        f"each kind of activity (those at least {MIN_PER_CATEGORY} clients with a follow-up "
        "were connected to, up to six).",
        "outcomes",
        "regress",
        _by_category,
    ),
    Question(
        "wellbeing-by-groups",
        "Do people in more groups have higher wellbeing?",
        "ONS4 life satisfaction at baseline regressed on the number of groups people "
        f"belonged to then. {COVARIATES_SAID}",
        "outcomes",
        "regress",
        _formula("baseline_ons4_life_satisfaction ~ groups_baseline + {covariates}"),
    ),
    Question(
        "loneliness-by-groups",
        "Are people in more groups less lonely?",
        "The UCLA loneliness score at baseline regressed on the number of groups people "
        f"belonged to then. {COVARIATES_SAID}",
        "outcomes",
        "regress",
        _formula("baseline_ons_loneliness_ucla3 ~ groups_baseline + {covariates}"),
    ),
    Question(
        "wellbeing-by-groups-joined",
        "Does joining groups go with a larger rise in wellbeing?",
        "The change in ONS4 life satisfaction regressed on the change in the number of groups "
        f"between baseline and follow-up, and on the baseline score. {COVARIATES_SAID}",
        "outcomes",
        "regress",
        _formula(
            "change_ons4_life_satisfaction ~ groups_change + baseline_ons4_life_satisfaction"
            " + {covariates}"
        ),
    ),
    Question(
        "loneliness-by-groups-joined",
        "Does joining groups go with a larger fall in loneliness?",
        "The change in the UCLA loneliness score regressed on the change in the number of "
        f"groups, and on the baseline score. {COVARIATES_SAID}",
        "outcomes",
        "regress",
        _formula(
            "change_ons_loneliness_ucla3 ~ groups_change + baseline_ons_loneliness_ucla3"
            " + {covariates}"
        ),
    ),
    Question(
        "identification-needs-wellbeing",
        "Does identifying with the neighbourhood work on wellbeing through needs met?",
        "Mediation on the community survey: neighbourhood identification → neighbourhood "
        "needs satisfaction → ONS4 life satisfaction, with the indirect effect's 95% "
        f"percentile interval from {BOOTSTRAP:,} bootstrap resamples.",
        "survey",
        "mediate",
        _mediation,
    ),
    Question(
        "awareness-use-wish",
        "Which kinds of activity do residents know of, go to, and want?",
        "From the community survey: the share of residents who know of, go to and would "
        "like each kind of activity, and who take part in any (means of 0/1 answers).",
        "survey",
        "describe",
        _awareness,
    ),
    Question(
        "taking-part-by-deprivation-and-age",
        "Does taking part differ by deprivation and age?",
        "From the community survey: whether residents take part in any kind of activity, by "
        "deprivation quintile and age band"
        + (" (as categories). " if CATEGORICAL else " (the quintile as a number). ")
        + "By a linear probability model (an ordinary regression of the 0/1 answer, with "
        "HC3 robust standard errors): each coefficient is the difference in the share who "
        "take part from the reference group. Not logistic regression: a small group (those "
        "who preferred not to give their age, say) where everyone or no one takes part "
        "would make its odds ratio infinite.",
        "survey",
        "regress",
        lambda areas, survey: {
            "formula": "took_part ~ C(imd_quintile) + C(age_band)"
            if CATEGORICAL
            else "took_part ~ imd_quintile",
            "robust": "HC3",
        },
    ),
    Question(
        "barriers-and-taking-part",
        "Which barriers go with not taking part?",
        "From the community survey: whether residents take part in any kind of activity, "
        "regressed on each barrier they named (1 named, 0 not). " + _YES_NO_SAID,
        "survey",
        _YES_NO,
        _barriers,
    ),
)

BY_CODE = {question.code: question for question in QUESTIONS}


def get(code: str) -> Question | None:
    return BY_CODE.get(code)


def for_source(source: str) -> list[Question]:
    """The questions that can be asked of one kind of data set here."""
    return [q for q in QUESTIONS if q.source == source and q.available()]
