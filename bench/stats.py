"""Benchmark: the statistics core (issue 7), beside pingouin in the same run.

    make bench          (or: .venv/bin/python bench/stats.py [--batch 5000] [--boot 5000])

Synthetic data, seeded (numpy default_rng); the one real data set is Holzinger & Swineford
(1939), read from the copy semopy ships. Reports:
- one simple mediation X -> M -> Y (388 rows, 5,000 bootstrap resamples) with
  `pingouin.mediation_analysis` (the peer) and with `inspiring.evaluation.stats.mediate`;
  their point estimates (a, c, c', a·b) must agree to 1e-8; both times and the ratio
  (the goal is at least 10x);
- a batch of such mediations, as a commissioner's stratified report would need: by default
  5,000 mediations, each on its own 388-row data set and each with the full 5,000 resamples
  (25 million model pairs refitted), run one after another through the public `mediate`;
- a confirmatory factor analysis of nine indicators (three factors) on 300 rows through the
  public `sem` (parse, ML fit by Fisher scoring, expected-information standard errors, fit
  indices), beside the peer: scipy's general-purpose L-BFGS-B minimising the same F_ML
  (numerical gradient, no standard errors or fit indices), which must reach the same
  chi-square;
- the same CFA on the real Holzinger & Swineford (1939) data (301 rows, the lavaan tutorial
  CFA: chi-square 85.306 on 24 df as lavaan prints it), beside the same L-BFGS-B peer and
  semopy (`Model.fit(obj="MLW")` at its defaults, then `inspect` for the standard errors and
  `calc_stats` for the fit indices), whose chi-squares must agree with ours to 1e-2.
  (lavaan, in R, is not available here.)
- the synthetic CFA again with 10% of its values missing at random, by full-information
  maximum likelihood (`missing="ml"`), beside the complete-data ML fit (equal when there
  are no gaps: checked first).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scipy import optimize

from inspiring.evaluation.stats import mediate
from inspiring.evaluation.stats.sem import _discrepancy, _Model, parse_model, sem

ROWS = 388


def mediation_data(rng: np.random.Generator, rows: int = ROWS) -> pd.DataFrame:
    """X -> M -> Y with a direct effect, normal errors."""
    x = rng.normal(size=rows)
    m = 0.4 * x + rng.normal(size=rows)
    y = 0.3 * m + 0.2 * x + rng.normal(size=rows)
    return pd.DataFrame({"X": x, "M": m, "Y": y})


def peer_versus_ours(boot: int) -> None:
    data = mediation_data(np.random.default_rng(388))
    with warnings.catch_warnings():  # pingouin imports matplotlib and seaborn
        warnings.simplefilter("ignore")
        import pingouin

    mediate(data, "X", ["M"], "Y", n_boot=200, seed=1)  # warm the imports, not the figures
    began = time.perf_counter()
    theirs = pingouin.mediation_analysis(
        data=data, x="X", m="M", y="Y", n_boot=boot, seed=42, return_dist=False
    )
    peer_time = time.perf_counter() - began
    began = time.perf_counter()
    ours = mediate(data, "X", ["M"], "Y", n_boot=boot, seed=42, ci="bc")
    our_time = time.perf_counter() - began

    coef = dict(zip(theirs["path"], theirs["coef"], strict=True))
    pairs = {
        "a (M ~ X)": (coef["M ~ X"], ours.a["M"].est),
        "c (total)": (coef["Total"], ours.c.est),
        "c' (direct)": (coef["Direct"], ours.c_prime.est),
        "a*b (indirect)": (coef["Indirect"], ours.indirect["M"].est),
    }
    worst = max(abs(p - o) for p, o in pairs.values())
    for name, (p, o) in pairs.items():
        assert abs(p - o) < 1e-8, (name, p, o)
    print(f"simple mediation X -> M -> Y, {ROWS} rows, {boot:,} bootstrap resamples")
    print(
        "  point estimates agree (a, c, c', a*b): largest difference"
        f" {worst:.1e} (asserted < 1e-8); indirect {ours.indirect['M'].est:.6f}"
    )
    print(
        f"  peer  pingouin.mediation_analysis (bias-corrected CI):  {peer_time:8.3f} s"
        f"   CI [{theirs['CI2.5'].iloc[-1]:.4f}, {theirs['CI97.5'].iloc[-1]:.4f}]"
    )
    print(
        f"  ours  stats.mediate (ci='bc'):                         {our_time:8.3f} s"
        f"   CI [{ours.indirect['M'].ci[0]:.4f}, {ours.indirect['M'].ci[1]:.4f}]"
        "  (other resamples: CIs differ by Monte Carlo error only)"
    )
    verdict = "goal met" if peer_time / our_time >= 10 else "BELOW the 10x goal"
    print(f"  ours is {peer_time / our_time:,.1f}x faster ({verdict}: at least 10x)")


def batch(count: int, boot: int) -> None:
    rng = np.random.default_rng(5000)
    frames = [mediation_data(rng) for _ in range(count)]  # data made before the clock starts
    print(
        f"\nbatch: {count:,} mediations, each on its own {ROWS}-row data set with the full"
        f" {boot:,} resamples ({count * boot:,} bootstrap refits of both models),"
        " one process, one after another"
    )
    began = time.perf_counter()
    inside = 0
    for seed, frame in enumerate(frames):
        result = mediate(frame, "X", ["M"], "Y", n_boot=boot, seed=seed)
        low, high = result.indirect["M"].ci
        inside += low <= 0.12 <= high  # the true a*b is 0.4 * 0.3
    took = time.perf_counter() - began
    print(
        f"  ours  {took:8.1f} s in all, {1000 * took / count:.1f} ms per mediation,"
        f" {count * boot / took:,.0f} resamples/s"
    )
    print(
        f"        95% percentile CI covered the true indirect effect 0.12 in"
        f" {inside:,} of {count:,} ({100 * inside / count:.1f}%)"
    )


CFA_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def cfa_data(rng: np.random.Generator, rows: int = 300) -> pd.DataFrame:
    """Nine indicators of three correlated factors (values near the lavaan tutorial's)."""
    lam = np.zeros((9, 3))
    for j, value in enumerate([1.0, 0.55, 0.73, 1.0, 1.11, 0.93, 1.0, 1.18, 1.08]):
        lam[j, j // 3] = value
    phi = np.array([[0.81, 0.41, 0.26], [0.41, 0.98, 0.17], [0.26, 0.17, 0.38]])
    sigma = lam @ phi @ lam.T + np.diag([0.55, 1.13, 0.84, 0.37, 0.45, 0.36, 0.80, 0.49, 0.57])
    values = rng.multivariate_normal(np.full(9, 4.0), sigma, size=rows)
    return pd.DataFrame(values, columns=[f"x{j}" for j in range(1, 10)])


def hs1939_data() -> pd.DataFrame:
    """Holzinger & Swineford (1939), 301 rows (x1-x9 among them), as semopy ships them."""
    from semopy.examples import holzinger39

    return holzinger39.get_data()


def peer_cfa(data: pd.DataFrame) -> float:
    """Chi-square from L-BFGS-B on the same F_ML (numerical gradient), our starting values."""
    spec = _Model(parse_model(CFA_MODEL))
    sample = np.cov(data[spec.observed].to_numpy(), rowvar=False, ddof=0)
    logdet = float(np.linalg.slogdet(sample)[1])

    def objective(theta: np.ndarray) -> float:
        value = _discrepancy(spec.implied(theta)[0], sample, logdet)
        return 1e10 if value is None else value

    found = optimize.minimize(
        objective, spec.start(sample), method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-9}
    )
    return float(found.fun) * len(data)


def semopy_cfa(data: pd.DataFrame) -> float:
    """semopy's ML fit at its defaults, with standard errors and fit indices; its chi-square."""
    import semopy

    model = semopy.Model(CFA_MODEL.replace(";", "\n"))
    model.fit(data, obj="MLW")
    model.inspect()
    return float(semopy.calc_stats(model).T["Value"]["chi2"])


def cfa(
    repeats: int,
    data: pd.DataFrame | None = None,
    title: str = "synthetic",
    published_chi2: float | None = None,
) -> None:
    """Time the CFA; with `published_chi2` (lavaan's printed value) semopy is timed too."""
    data = cfa_data(np.random.default_rng(300)) if data is None else data
    sem(data, CFA_MODEL)  # warm up
    ours, theirs = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        result = sem(data, CFA_MODEL)
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        peer_chi2 = peer_cfa(data)
        theirs.append(time.perf_counter() - began)
    assert abs(peer_chi2 - result.chi2) < 1e-3, (peer_chi2, result.chi2)
    peer_ms, our_ms = np.median(theirs) * 1000, np.median(ours) * 1000
    print(f"\nCFA ({title}): 3 factors, 9 indicators, {result.n} rows (median of {repeats} runs)")
    print(
        f"  peer  scipy L-BFGS-B on the same F_ML (estimates only):  {peer_ms:7.1f} ms"
        f"   chi2 {peer_chi2:.4f}"
    )
    print(
        f"  ours  sem(): fit + standard errors + fit indices:        {our_ms:7.1f} ms"
        f"   chi2 {result.chi2:.4f}, df {result.df}, {result.iterations} Fisher-scoring steps,"
        f" CFI {result.cfi:.3f}, RMSEA {result.rmsea:.3f}"
    )
    if published_chi2 is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            semopy_chi2 = semopy_cfa(data)  # warm up (and import)
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                semopy_chi2 = semopy_cfa(data)
                times.append(time.perf_counter() - began)
        assert abs(semopy_chi2 - result.chi2) < 1e-2, (semopy_chi2, result.chi2)
        semopy_ms = np.median(times) * 1000
        print(
            f"  peer  semopy 2.3: fit + standard errors + fit indices:   {semopy_ms:7.1f} ms"
            f"   chi2 {semopy_chi2:.4f} (its default tolerance; lavaan prints"
            f" {published_chi2:.3f})"
        )
        print(f"  semopy takes {semopy_ms / our_ms:,.1f}x our time")


def fiml_cfa(repeats: int, share: float = 0.10) -> None:
    """The same synthetic CFA with `share` of the values missing at random: full-information
    ML (`sem(..., missing="ml")`, as lavaan's missing = "ml") beside the complete-data ML
    fit of the same rows before the gaps were made (the floor: with no gaps the two are
    equal, checked first)."""
    complete = cfa_data(np.random.default_rng(300))
    plain = sem(complete, CFA_MODEL)
    same = sem(complete, CFA_MODEL, missing="ml")
    assert abs(plain.chi2 - same.chi2) < 1e-6, (plain.chi2, same.chi2)
    holes = np.random.default_rng(301).random(complete.shape) < share
    gappy = complete.mask(holes)
    sem(gappy, CFA_MODEL, missing="ml")  # warm up
    floor, ours = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        sem(complete, CFA_MODEL)
        floor.append(time.perf_counter() - began)
        began = time.perf_counter()
        result = sem(gappy, CFA_MODEL, missing="ml")
        ours.append(time.perf_counter() - began)
    floor_ms, our_ms = np.median(floor) * 1000, np.median(ours) * 1000
    gaps = int(gappy.isna().any(axis=1).sum())
    print(
        f"\nCFA with {share:.0%} of values missing ({gaps} of {len(gappy)} rows with gaps), "
        f"median of {repeats} runs"
    )
    print(f"  floor ML on the complete data (no gaps):                {floor_ms:7.1f} ms")
    print(
        f"  ours  FIML, sem(missing='ml'), every row used:          {our_ms:7.1f} ms"
        f"   chi2 {result.chi2:.4f}, df {result.df}"
    )
    print(f"  FIML takes {our_ms / floor_ms:,.1f}x the complete-data fit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boot", type=int, default=5000, help="bootstrap resamples (5000)")
    parser.add_argument("--batch", type=int, default=5000, help="mediations in the batch (5000)")
    parser.add_argument("--repeats", type=int, default=10, help="CFA runs to time (10)")
    args = parser.parse_args()
    peer_versus_ours(args.boot)
    cfa(args.repeats)
    cfa(args.repeats, hs1939_data(), "Holzinger & Swineford 1939", published_chi2=85.306)
    fiml_cfa(args.repeats)
    batch(args.batch, args.boot)


if __name__ == "__main__":
    main()
