"""`inspiring-stats`: the JSON each command prints, readable tables, and bad input as one line
on stderr with exit status 2 (never a traceback)."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation import cli
from inspiring.evaluation.stats import CI_METHODS

SCRIPT = Path(sys.executable).parent / "inspiring-stats"


@pytest.fixture(scope="module")
def files(tmp_path_factory, mediation_data, simulated_scale) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    paths = {
        "mediation": folder / "mediation.csv",
        "scale": folder / "scale.csv",
        "text": folder / "text.csv",
        "empty": folder / "empty.csv",
        "header": folder / "header.csv",
        "ragged": folder / "ragged.csv",
    }
    mediation_data.to_csv(paths["mediation"], index=False)
    scale = simulated_scale.copy()
    scale.loc[[0, 10], "i2"] = np.nan
    scale.to_csv(paths["scale"], index=False)
    paths["text"].write_text("x,y,label\n1,2,a\n2,oops,b\n3,5,c\n4,3,d\n")
    paths["empty"].write_text("")
    paths["header"].write_text("a,b,c\n")
    paths["ragged"].write_text('a,b\n1,2\n3,"4\n')
    return paths


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exit_:  # argparse's own usage errors and --help
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_cli_knows_the_core_interval_methods():
    assert cli.CI_METHODS == CI_METHODS


def test_alpha_json(capsys, files):
    out = run_json(capsys, "alpha", files["scale"], "--items", "i0,i1,i2,i3,i4", "--reverse", "")
    assert set(out) == {"n", "alpha", "ci", "ci_method"}
    assert out["n"] == 298 and out["ci_method"] == "feldt"
    assert out["ci"][0] < out["alpha"] < out["ci"][1]


def test_omega_json(capsys, files):
    out = run_json(capsys, "omega", files["scale"], "--items", "i0,i1,i2,i3,i4,i5")
    assert set(out) == {"n", "omega", "omega_observed", "reversed"}
    assert out["reversed"] == ["i5"] and 0 < out["omega"] < 1 and 0 < out["omega_observed"] < 1


def test_regress_json(capsys, files):
    out = run_json(capsys, "regress", files["mediation"], "--formula", "Y ~ X * M + Mbin")
    assert {"n", "r2", "coefficients"} <= set(out)
    assert out["se_type"] == "classical"
    assert list(out["coefficients"]) == ["Intercept", "X", "M", "Mbin", "X:M"]
    assert set(out["coefficients"]["X:M"]) == {"est", "se", "t", "p"}
    robust = run_json(capsys, "regress", files["mediation"], "--formula", "Y ~ X", "--robust")
    assert robust["se_type"] == "HC3"
    hc1 = run_json(capsys, "regress", files["mediation"], "--formula", "Y ~ X", "--robust", "HC1")
    assert hc1["se_type"] == "HC1"


def test_mediate_json(capsys, files):
    argv = shlex.split("--x X --m M,W1 --y Y --covariates Mbin --boot 500 --seed 4 --ci bca")
    out = run_json(capsys, "mediate", files["mediation"], *argv)
    assert {"n", "ci_method", "a", "b", "c", "c_prime", "indirect", "total_indirect"} <= set(out)
    assert out["ci_method"] == "bca" and out["seed"] == 4 and out["boot"] == 500
    assert set(out["a"]) == set(out["b"]) == set(out["indirect"]) == {"M", "W1"}
    assert set(out["total_indirect"]) == {"est", "se", "ci"}
    assert len(out["indirect"]["M"]["ci"]) == 2
    again = run_json(capsys, "mediate", files["mediation"], *argv)
    assert again == out


def test_describe_and_change_json(capsys, files):
    out = run_json(capsys, "describe", files["text"])
    assert out["n_rows"] == 4 and list(out["columns"]) == ["x"]  # y and label are text
    assert set(out["columns"]["x"]) == {"n", "missing", "mean", "sd", "median", "min", "max"}
    argv = shlex.split("--before X --after M --reliability 0.8 --lower-is-better")
    change = run_json(capsys, "change", files["mediation"], *argv)
    assert {"n", "t_test", "wilcoxon", "d_z", "d_av", "rci"} <= set(change)
    assert change["rci"]["higher_is_better"] is False


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["alpha", "{scale}", "--items", "i0,i1,i2"], "Feldt"),
        (["omega", "{scale}", "--items", "i0,i1,i2,i5"], "omega_observed"),
        (["regress", "{mediation}", "--formula", "Y ~ X", "--robust"], "robust HC3"),
        (shlex.split("mediate {mediation} --x X --m M --y Y --boot 200 --seed 1 --ci bc"), "(bc)"),
        (["describe", "{mediation}", "--columns", "X,M"], "median"),
        (
            ["change", "{mediation}", "--before", "X", "--after", "M", "--reliability", ".8"],
            "Reliable change",
        ),
    ],
)
def test_readable_tables(capsys, files, argv, expected):
    code, out, err = run(capsys, *[a.format(**files) for a in argv])
    assert (code, err) == (0, "")
    assert expected in out


def test_reads_standard_input(capsys, files, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(files["mediation"].read_text()))
    out = run_json(capsys, "alpha", "-", "--items", "X,M,Y")
    assert out["n"] == 100


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["alpha", "missing.csv", "--items", "a,b"], "cannot read missing.csv: no such file"),
        (["alpha", "{folder}", "--items", "a,b"], "it is a directory"),
        (["alpha", "{empty}", "--items", "a,b"], "the file is empty"),
        (["alpha", "{header}", "--items", "a,b"], "has a header but no data rows"),
        (["alpha", "{ragged}", "--items", "a,b"], "cannot read"),
        (["alpha", "{scale}", "--items", "i0,nope"], "unknown column 'nope'"),
        (["regress", "{text}", "--formula", "y ~ x"], "column 'y' is not numeric"),
        (["omega", "{text}", "--items", "x,label,y"], "not numeric"),
        (["mediate", "{text}", "--x", "x", "--m", "x", "--y", "label"], "named twice"),
        (["change", "{header}", "--before", "a", "--after", "b"], "no data rows"),
        (["regress", "{mediation}", "--formula", "Y ~ X +"], "ends too early"),
        (["regress", "{mediation}", "--formula", "Y ~ X + X2"], "unknown column 'X2'"),
        (shlex.split("mediate {mediation} --x X --m M --y Y --boot 5"), "between 100"),
        (["alpha", "{scale}"], "the following arguments are required: --items"),
        (shlex.split("mediate {mediation} --x X --m M --y Y --ci boot-t"), "invalid choice"),
        (["alpha", "{scale}", "--items", "i0,i1", "--confidence", "95"], "between 0 and 1"),
        (["sem", "{scale}"], "the following arguments are required: --model"),
        (["sem", "{scale}", "--model", "f =~ i0 + i1"], "the model is not identified"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, files, argv, message):
    paths = {**files, "folder": files["scale"].parent}
    code, out, err = run(capsys, *[a.format(**paths) for a in argv])
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert message in err
    assert err.startswith("inspiring-stats")


def test_too_few_rows(capsys, tmp_path):
    data = tmp_path / "three.csv"
    pd.DataFrame({"x": [1, 2, 3], "m": [2, 1, 3], "y": [3, 3, 1]}).to_csv(data, index=False)
    code, _, err = run(capsys, "mediate", data, "--x", "x", "--m", "m", "--y", "y")
    assert code == 2 and "too few complete rows: 3" in err


def _script(*argv: object) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: `make .stamps/dev` installs the project"
    return subprocess.run(
        [str(SCRIPT), *map(str, argv)], capture_output=True, text=True, timeout=60, check=False
    )


def test_installed_console_script(files):
    helped = _script("--help")
    assert helped.returncode == 0
    for command in ("describe", "alpha", "omega", "regress", "mediate", "change"):
        assert command in helped.stdout
    done = _script("alpha", files["scale"], "--items", "i0,i1,i2", "--json")
    assert done.returncode == 0 and done.stderr == ""
    assert set(json.loads(done.stdout)) == {"n", "alpha", "ci", "ci_method"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["alpha", "nowhere.csv", "--items", "a,b"], "no such file"),
        (["regress", "{text}", "--formula", "y ~ x", "--json"], "not numeric"),
    ],
)
def test_console_script_bad_input(files, argv, message):
    done = _script(*[a.format(**files) for a in argv])
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


# --- omega per factor of a CFA (--model) -------------------------------------------------------


@pytest.fixture(scope="module")
def holzinger_csv(tmp_path_factory) -> Path:
    from importlib.resources import files as package_files

    source = package_files("semopy") / "examples" / "holzinger_swineford39_data.csv"
    path = tmp_path_factory.mktemp("hs") / "hs.csv"
    path.write_text(source.read_text())
    return path


HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def test_omega_model_json(capsys, holzinger_csv):
    out = run_json(capsys, "omega", holzinger_csv, "--model", HS)
    assert {"n", "factors", "skipped", "fit"} <= set(out)
    assert out["n"] == 301 and list(out["factors"]) == ["visual", "textual", "speed"]
    visual = out["factors"]["visual"]
    assert visual["items"] == ["x1", "x2", "x3"]
    assert round(visual["omega_observed"], 6) == 0.612005  # semTools::compRelSEM
    assert visual["omega"] > visual["omega_observed"]
    assert out["fit"]["df"] == 24


def test_omega_model_text(capsys, holzinger_csv):
    code, out, err = run(capsys, "omega", holzinger_csv, "--model", HS + "; g =~ visual + speed")
    assert (code, err) == (0, "")
    assert "omega_observed" in out and "compRelSEM" in out and "no omega for g" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--items", "x1,x2,x3", "--model", HS], "either --items"),
        ([], "either --items"),
        (["--model", HS, "--reverse", "x2"], "--reverse applies to --items"),
        (["--model", "x1 ~ x2"], "no factors"),
    ],
)
def test_omega_model_bad_input(capsys, holzinger_csv, argv, message):
    code, out, err = run(capsys, "omega", holzinger_csv, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err


def test_efa_reports_both_chi_squares(capsys, holzinger_csv):
    items = ",".join(f"x{j}" for j in range(1, 10))
    out = run_json(capsys, "efa", holzinger_csv, "--items", items, "--factors", "3")
    assert out["chi2_uncorrected"] > out["chi2"]
    assert "factanal" in out["chi2_statistic"] and "lavaan" in out["chi2_uncorrected_statistic"]
    code, text, _ = run(capsys, "efa", holzinger_csv, "--items", items, "--factors", "3")
    assert code == 0 and "as factanal: chi2" in text and "as lavaan: chi2_uncorrected" in text


# --- categorical predictors on the command line --------------------------------------------


@pytest.fixture(scope="module")
def categorical_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(2)
    n = 150
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "sex": rng.choice(["female", "male"], n),
            "imd": rng.integers(1, 6, n),
        }
    )
    frame["m"] = 0.5 * frame.x + rng.normal(size=n)
    frame["y"] = 0.4 * frame.m + 0.2 * frame.x + 0.3 * (frame.sex == "male") + rng.normal(size=n)
    path = tmp_path_factory.mktemp("categorical") / "data.csv"
    frame.to_csv(path, index=False)
    return path


def test_regress_with_categorical_predictors(capsys, categorical_csv):
    argv = ["regress", categorical_csv, "--formula", "y ~ x * sex + C(imd)"]
    out = run_json(capsys, *argv, "--reference", "sex=male", "--reference", "imd=3")
    assert "x:sex[T.female]" in out["coefficients"] and "imd[T.1]" in out["coefficients"]
    assert out["factors"]["sex"] == {"levels": ["female", "male"], "reference": "male"}
    code, text, err = run(capsys, *argv)
    assert (code, err) == (0, "") and "Categorical: sex, reference level 'female'" in text


def test_mediate_with_categorical_covariates(capsys, categorical_csv):
    argv = shlex.split(
        "--x x --m m --y y --covariates \"sex, C(imd, Treatment('2'))\" --boot 200 --seed 3"
        " --reference sex=male"
    )
    out = run_json(capsys, "mediate", categorical_csv, *argv)
    assert out["factors"] == {
        "sex": {"levels": ["female", "male"], "reference": "male"},
        "imd": {"levels": ["1", "2", "3", "4", "5"], "reference": "2"},
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["regress", "{data}", "--formula", "y ~ sex", "--reference", "sex=other"],
            "unknown reference level 'other'",
        ),
        (["regress", "{data}", "--formula", "y ~ sex", "--reference", "sex"], "COLUMN=LEVEL"),
        (
            [
                "regress",
                "{data}",
                "--formula",
                "y ~ sex",
                "--reference",
                "sex=male",
                "--reference",
                "sex=female",
            ],
            "given twice",
        ),
        (["regress", "{data}", "--formula", "y ~ x", "--reference", "x=1"], "which is numeric"),
    ],
)
def test_categorical_bad_input(capsys, categorical_csv, argv, message):
    code, out, err = run(capsys, *[a.format(data=categorical_csv) for a in argv])
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
