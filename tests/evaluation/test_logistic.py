"""Logistic regression against Stata's published results for Spector & Mazzeo's data (as
statsmodels ships them), statsmodels' Logit (estimates, errors, Wald intervals, fit) with
categorical predictors and interactions, the separation check, and the `logistic` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation import cli
from inspiring.evaluation.stats import StatsError, logistic

SPECTOR = "GRADE ~ GPA + TUCE + PSI"
# Stata 11, `logit grade gpa tuce psi` on Spector & Mazzeo (1980), as statsmodels records it
# (statsmodels/discrete/tests/results/results_discrete.py, class Spector); order GPA, TUCE,
# PSI, constant.
STATA_PARAMS = [2.82611297201, 0.0951576702557, 2.37868772835, -13.0213483201]
STATA_BSE = [1.26294114526, 0.141554207662, 1.06456430165, 4.93132462871]
STATA_CI = [
    [0.3507938, 5.301432],
    [-0.1822835, 0.3725988],
    [0.29218, 4.465195],
    [-22.68657, -3.35613],
]
STATA_Z = [2.237723415, 0.6722348408, 2.234423721, -2.640537645]
STATA_P = [0.0252390974, 0.5014342039, 0.0254552063, 0.0082774596]
STATA_FIT = {
    "llf": -12.8896334653335,
    "llnull": -20.5917296966173,
    "llr": 15.4041924625676,
    "prsquared": 0.374038332124624,
    "llr_pvalue": 0.00150187761112892,
    "aic": 33.779266930667,
}
ORDER = ["GPA", "TUCE", "PSI", "Intercept"]


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    from statsmodels.datasets import spector

    return spector.load_pandas().data


def test_spector_matches_stata(spector):
    result = logistic(spector, SPECTOR)
    assert result.n == 32 and result.events == 11 and result.event == "1"
    coefficients = [result.coefficients[name] for name in ORDER]
    # Stata stops a little earlier than we and statsmodels do: agreement to ~1e-7 relative.
    assert [c.est for c in coefficients] == pytest.approx(STATA_PARAMS, rel=2e-6)
    assert [c.se for c in coefficients] == pytest.approx(STATA_BSE, rel=2e-6)
    assert [c.z for c in coefficients] == pytest.approx(STATA_Z, rel=2e-6)
    assert [c.p for c in coefficients] == pytest.approx(STATA_P, rel=1e-5)
    for coefficient, (low, high) in zip(coefficients, STATA_CI, strict=True):
        assert coefficient.ci == pytest.approx((low, high), rel=5e-7, abs=5e-7)  # 7 digits
        assert coefficient.odds_ratio_ci == pytest.approx((np.exp(low), np.exp(high)), rel=1e-5)
    # Stata's printed log-likelihood is ~6e-8 (relative) above ours and statsmodels', which
    # agree to 1e-12 (below): compare to 1e-7.
    assert result.loglik == pytest.approx(STATA_FIT["llf"], rel=1e-7)
    assert result.null_loglik == pytest.approx(STATA_FIT["llnull"], rel=1e-12)
    assert result.lr_chi2 == pytest.approx(STATA_FIT["llr"], rel=1e-6)
    assert result.lr_df == 3
    assert result.lr_p == pytest.approx(STATA_FIT["llr_pvalue"], rel=1e-6)
    assert result.pseudo_r2 == pytest.approx(STATA_FIT["prsquared"], rel=1e-6)
    assert result.aic == pytest.approx(STATA_FIT["aic"], rel=1e-7)
    assert result.deviance == pytest.approx(-2 * STATA_FIT["llf"], rel=1e-7)
    assert result.ci_method == "wald"


def test_spector_matches_statsmodels_logit(spector):
    import statsmodels.api as sm

    exog = sm.add_constant(spector[["GPA", "TUCE", "PSI"]], prepend=False)
    theirs = sm.Logit(spector["GRADE"], exog).fit(disp=0, method="newton", tol=1e-12)
    ours = logistic(spector, SPECTOR)
    names = {"const": "Intercept"}
    for name, value in theirs.params.items():
        mine = ours.coefficients[names.get(name, name)]
        assert mine.est == pytest.approx(value, abs=1e-6, rel=1e-8)
        assert mine.se == pytest.approx(theirs.bse[name], abs=1e-6, rel=1e-8)
        assert mine.p == pytest.approx(theirs.pvalues[name], rel=1e-6)
        assert mine.ci == pytest.approx(tuple(theirs.conf_int().loc[name]), abs=1e-6)
        assert mine.odds_ratio == pytest.approx(np.exp(value), rel=1e-7)
    assert ours.loglik == pytest.approx(theirs.llf, abs=1e-9)
    assert ours.aic == pytest.approx(theirs.aic, abs=1e-8)
    assert ours.pseudo_r2 == pytest.approx(theirs.prsquared, abs=1e-10)
    # A 90% interval is the 90% Wald interval.
    ninety = logistic(spector, SPECTOR, confidence=0.90).coefficients["GPA"]
    assert ninety.ci == pytest.approx(tuple(theirs.conf_int(alpha=0.10).loc["GPA"]), abs=1e-6)


# Hosmer & Lemeshow's low birth weight data (189 births) as statsmodels ships it
# (genmod/tests/results/stata_lbw_glm.csv), race as text with "white" the reference, and the
# published fit of glm(low ~ age + lwt + race + smoke + ptl + ht + ui, family = binomial)
# recorded in statsmodels' results_glm.py (class Lbw): order age, lwt, race black, race other,
# smoke, ptl, ht, ui, constant; AIC as R prints it.
LBW_FORMULA = "low ~ age + lwt + race + smoke + ptl + ht + ui"
LBW_TERMS = [
    "age",
    "lwt",
    "race[T.black]",
    "race[T.other]",
    "smoke",
    "ptl",
    "ht",
    "ui",
    "Intercept",
]
LBW_PARAMS = [
    -0.02710031,
    -0.01515082,
    1.26264728,
    0.86207916,
    0.92334482,
    0.54183656,
    1.83251780,
    0.75851348,
    0.46122388,
]
LBW_BSE = [
    0.036449917,
    0.006925765,
    0.526405169,
    0.439146744,
    0.400820976,
    0.346246857,
    0.691623875,
    0.459373871,
    1.204574885,
]
LBW_FIT = {"aic_R": 219.447991133, "deviance": 201.4479911325021, "null": 234.671996193219}


def test_low_birth_weight_with_a_text_factor_matches_the_published_glm():
    from importlib.resources import files

    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    path = files("statsmodels") / "genmod" / "tests" / "results" / "stata_lbw_glm.csv"
    data = pd.read_csv(path)
    result = logistic(data, LBW_FORMULA, reference={"race": "white"})
    assert result.factors["race"] == {"levels": ["black", "other", "white"], "reference": "white"}
    assert result.n == 189 and result.df_resid == 180
    assert [result.coefficients[t].est for t in LBW_TERMS] == pytest.approx(LBW_PARAMS, rel=1e-6)
    # The recorded errors carry about five significant digits.
    assert [result.coefficients[t].se for t in LBW_TERMS] == pytest.approx(LBW_BSE, rel=2e-5)
    assert result.aic == pytest.approx(LBW_FIT["aic_R"], rel=1e-10)
    assert result.deviance == pytest.approx(LBW_FIT["deviance"], rel=1e-10)
    assert result.null_deviance == pytest.approx(LBW_FIT["null"], rel=1e-10)
    # statsmodels' GLM (binomial, IRLS) on the same formula: the errors to 1e-8.
    glm = smf.glm(
        "low ~ age + lwt + C(race, Treatment('white')) + smoke + ptl + ht + ui",
        data,
        family=sm.families.Binomial(),
    ).fit(tol=1e-12)
    for name, se in glm.bse.items():
        term = name.replace("C(race, Treatment('white'))", "race")
        assert result.coefficients[term].se == pytest.approx(se, rel=1e-8)
    # The default reference (first in sorted order, "black") reparameterises the same fit.
    default = logistic(data, LBW_FORMULA)
    assert default.factors["race"]["reference"] == "black"
    assert default.deviance == pytest.approx(result.deviance, rel=1e-12)
    assert default.coefficients["race[T.white]"].est == pytest.approx(-LBW_PARAMS[2], rel=1e-6)


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    frame = pd.DataFrame(
        {
            "groups": rng.poisson(1.5, n).astype(float),
            "age": rng.normal(50, 15, n),
            "sex": rng.choice(["female", "male"], n),
            "area": rng.choice(["Ashfield", "Mansfield", "Newark and Sherwood"], n),
        }
    )
    eta = (
        0.8
        - 0.5 * frame.groups
        + 0.01 * (frame.age - 50)
        + 0.4 * (frame.sex == "male")
        - 0.3 * (frame.area == "Mansfield")
        + 0.3 * frame.groups * (frame.sex == "male")
    )
    lonely = rng.random(n) < 1 / (1 + np.exp(-eta))
    frame["lonely"] = np.where(lonely, "yes", "no")
    frame["lonely01"] = lonely.astype(int)
    frame.loc[[3, 8], "age"] = np.nan
    return frame


@pytest.mark.parametrize(
    ("ours", "reference", "theirs"),
    [
        ("lonely ~ groups * sex + age + area", None, "lonely01 ~ groups * sex + age + area"),
        (
            "lonely ~ groups + C(area, Treatment('Mansfield'))",
            None,
            "lonely01 ~ groups + C(area, Treatment('Mansfield'))",
        ),
        ("lonely ~ age + sex:groups", {"sex": "male"}, "lonely01 ~ age + sex:groups"),
    ],
)
def test_categorical_predictors_match_statsmodels(survey, ours, reference, theirs):
    import re

    import statsmodels.formula.api as smf

    fitted = smf.logit(theirs, data=survey).fit(disp=0, method="newton", tol=1e-12)
    result = logistic(survey, ours, reference=reference)
    assert result.event == "yes" and result.n == int(fitted.nobs)

    def key(name: str) -> tuple[str, ...]:
        plain = re.sub(r"C\((\w+)(?:, Treatment\([^)]*\))?\)", r"\1", name)
        return tuple(sorted(plain.split(":")))

    params = {key(name): value for name, value in fitted.params.items()}
    errors = {key(name): value for name, value in fitted.bse.items()}
    assert {key(name) for name in result.coefficients} == set(params)
    for name, coefficient in result.coefficients.items():
        assert coefficient.est == pytest.approx(params[key(name)], abs=1e-7)
        assert coefficient.se == pytest.approx(errors[key(name)], abs=1e-7)
    assert result.loglik == pytest.approx(fitted.llf, abs=1e-9)
    assert result.lr_chi2 == pytest.approx(fitted.llr, abs=1e-6)  # statsmodels fits the null


def test_event_and_outcome_coding(survey):
    text = logistic(survey, "lonely ~ groups")
    numbers = logistic(survey, "lonely01 ~ groups")
    flags = logistic(survey.assign(flag=survey.lonely01.astype(bool)), "flag ~ groups")
    assert text.coefficients["groups"].est == pytest.approx(numbers.coefficients["groups"].est)
    assert flags.coefficients["groups"].est == pytest.approx(numbers.coefficients["groups"].est)
    flipped = logistic(survey, "lonely ~ groups", event="no")
    assert flipped.event == "no" and flipped.events == text.n - text.events
    assert flipped.coefficients["groups"].est == pytest.approx(-text.coefficients["groups"].est)
    assert flipped.coefficients["groups"].odds_ratio == pytest.approx(
        1 / text.coefficients["groups"].odds_ratio
    )
    out = text.to_dict()
    assert set(out["coefficients"]["groups"]) == {
        "est",
        "se",
        "z",
        "p",
        "ci",
        "odds_ratio",
        "odds_ratio_ci",
    }
    assert out["ci_method"] == "wald" and out["event"] == "yes"


def test_without_intercept_null_model_is_one_half(spector):
    import statsmodels.api as sm

    ours = logistic(spector, "GRADE ~ 0 + GPA + PSI")
    theirs = sm.Logit(spector["GRADE"], spector[["GPA", "PSI"]]).fit(disp=0, tol=1e-12)
    assert ours.coefficients["GPA"].est == pytest.approx(theirs.params["GPA"], abs=1e-7)
    assert ours.null_deviance == pytest.approx(-2 * 32 * np.log(0.5))  # R's null deviance
    assert ours.lr_df == 2


@pytest.mark.parametrize(
    ("frame", "formula", "message"),
    [
        (
            pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 0, 1], "x": [1, 2, 3, 4, 5, 6, 2.5, 4.5]}),
            "y ~ x",
            "perfect separation: 'y' is predicted perfectly \\(or but for ties\\) by x",
        ),
        (  # quasi-complete: every 'b' is an event, 'a' has both
            pd.DataFrame({"y": [0, 1, 1, 1, 1, 1, 1, 0], "g": list("aabbbbba"), "x": range(8)}),
            "y ~ x + g",
            "perfect separation: .* by g\\[T.b\\]",
        ),
        (
            pd.DataFrame({"y": [0, 2, 1, 1, 0, 1], "x": range(6)}),
            "y ~ x",
            "the outcome 'y' must be 0/1, true/false or two words such as yes/no \\(it has the"
            " value 2\\)",
        ),
        (
            pd.DataFrame({"y": list("abcabc"), "x": range(6)}),
            "y ~ x",
            "must have exactly two values .* \\(it has 3: a, b, c\\)",
        ),
        (
            pd.DataFrame({"y": [1] * 6, "x": range(6)}),
            "y ~ x",
            "every row used has the outcome 'y' an event",
        ),
        (
            pd.DataFrame({"y": [0, 1] * 4, "x": range(8), "g": "a"}),
            "y ~ x + g",
            "'g' has only one level \\('a'\\)",
        ),
    ],
)
def test_bad_input_is_one_line(frame, formula, message):
    with pytest.raises(StatsError, match=message) as raised:
        logistic(frame, formula)
    assert "\n" not in str(raised.value)


def test_unknown_event_and_reference(survey):
    with pytest.raises(StatsError, match="unknown event 'maybe' for the outcome 'lonely'"):
        logistic(survey, "lonely ~ groups", event="maybe")
    with pytest.raises(StatsError, match="unknown reference level 'Bassetlaw' for 'area'"):
        logistic(survey, "lonely ~ area", reference={"area": "Bassetlaw"})


def test_overlapping_data_is_not_called_separated(spector):
    from inspiring.evaluation.stats.logistic import separation

    design = np.column_stack([np.ones(32), spector[["GPA", "TUCE", "PSI"]].to_numpy()])
    assert separation(design, spector["GRADE"].to_numpy(), ["Intercept", "a", "b", "c"]) is None


# --- the command line --------------------------------------------------------------------------


def _run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def survey_csv(tmp_path_factory, survey) -> str:
    path = tmp_path_factory.mktemp("logistic") / "survey.csv"
    survey.to_csv(path, index=False)
    return str(path)


def test_cli_logistic_json_and_text(capsys, survey_csv):
    argv = ["logistic", survey_csv, "--formula", "lonely ~ groups * sex + area"]
    code, out, err = _run(capsys, *argv, "--reference", "area=Mansfield", "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert {"n", "event", "ci_method", "coefficients", "deviance", "aic", "lr_test"} <= set(result)
    assert result["event"] == "yes" and result["ci_method"] == "wald"
    assert "area[T.Ashfield]" in result["coefficients"]
    assert result["factors"]["area"]["reference"] == "Mansfield"
    code, text, err = _run(capsys, *argv, "--event", "no")
    assert (code, err) == (0, "")
    assert "odds ratio" in text and "Wald" in text and "event: no" in text
    assert "Categorical: sex, reference level 'female'" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--formula", "lonely ~ area", "--reference", "area"], "--reference needs COLUMN=LEVEL"),
        (["--formula", "lonely ~ area", "--event", "maybe"], "unknown event 'maybe'"),
        (["--formula", "area ~ groups"], "must have exactly two values"),
    ],
)
def test_cli_logistic_bad_input(capsys, survey_csv, extra, message):
    code, out, err = _run(capsys, "logistic", survey_csv, *extra)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
