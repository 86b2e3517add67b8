"""The new-analysis forms: the data set, the kind of analysis, then its variables and
options. Variables are chosen from the extract's own columns (extracts.survey_columns,
outcomes_columns), shown with their labels; option names are inspiring-stats' own."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms

from .extracts import Column
from .runner import KINDS
from .stats import StatsError
from .stats.regression import parse_formula

MAX_SEED = 2**31 - 1

# A mediation's work grows with mediators x covariates x resamples x rows, all in one task:
# bounded so that one analysis cannot hold the worker for minutes (30 mediators at 20,000
# resamples took half a minute).
MAX_MEDIATORS = 10
MAX_COVARIATES = 10


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED) + 1


class DatasetForm(forms.Form):
    dataset = forms.ChoiceField(
        label="Which data would you like to analyse?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the data to analyse"},
    )
    areas = forms.MultipleChoiceField(
        label="For client outcomes: which areas?",
        help_text="Clients of the areas you choose, with a baseline, who agreed to research.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        datasets: Sequence[tuple[str, str]],
        areas: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = list(datasets)  # type: ignore[attr-defined]
        self.fields["areas"].choices = list(areas)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dataset") == "outcomes" and not data.get("areas"):
            self.add_error("areas", "Choose at least one area for client outcomes")
        return data


class KindForm(forms.Form):
    analysis = forms.ChoiceField(
        label="Which analysis?",
        choices=list(KINDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an analysis"},
    )


def _choices(columns: Sequence[Column], *, numeric: bool = True) -> list[tuple[str, str]]:
    return [
        (c.name, f"{c.label} ({c.name})")
        for c in columns
        if c.kind != "id" and (not numeric or c.kind in ("number", "binary"))
    ]


def _pick(label: str, choices: list[tuple[str, str]], *, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", "Choose a variable"), *choices],
        help_text=hint,
        error_messages={"required": f"Choose {label[0].lower()}{label[1:]}"},
    )


def _several(
    label: str, choices: list[tuple[str, str]], *, required: bool = True, hint: str = ""
) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        help_text=hint,
        error_messages={"required": f"Choose {label[0].lower()}{label[1:]}"},
    )


def _confidence() -> forms.FloatField:
    return forms.FloatField(
        label="Confidence level",
        initial=0.95,
        min_value=0.5,
        max_value=0.999,
        help_text="Between 0.5 and 0.999; 0.95 gives 95% intervals.",
        error_messages={"invalid": "Enter the confidence level as a number, like 0.95"},
    )


def _model_field(
    *, required: bool = True, label: str = "Model in lavaan syntax"
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text='For example "wellbeing =~ ons4_life_satisfaction + ons4_worthwhile + '
        'ons4_happiness". Use the variable names in brackets.',
        error_messages={"required": "Enter the model"},
    )


class AnalysisForm(forms.Form):
    """The options of one kind of analysis, with a title and the seed."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="So you and your colleagues can find it again.",
        error_messages={"required": "Enter a title for the analysis"},
    )
    seed = forms.IntegerField(
        label="Random seed",
        min_value=1,
        max_value=MAX_SEED,
        help_text="Kept with the analysis, so running it again gives the same numbers.",
        error_messages={"required": "Enter a seed (any whole number from 1)"},
    )

    # The option fields' names, as inspiring-stats names them.
    OPTIONS: tuple[str, ...] = ()
    LISTS: frozenset[str] = frozenset({"columns", "items", "reverse", "m", "covariates"})

    def __init__(self, *args: Any, kind: str, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.columns = list(columns)
        numeric = _choices(columns)
        if not self.is_bound:
            self.initial.setdefault("seed", random_seed())
        add = self.fields.__setitem__
        if kind == "describe":
            add(
                "columns",
                _several(
                    "Variables",
                    numeric,
                    required=False,
                    hint="Leave them all unticked for every numeric variable.",
                ),
            )
        elif kind in ("alpha", "omega", "efa"):
            add("items", _several("Items", numeric, hint="The questions of one scale."))
            if kind == "omega":
                self.fields["items"].required = False
                add(
                    "model",
                    _model_field(required=False, label="Or a factor model, for omega per factor"),
                )
            if kind != "efa":
                add(
                    "reverse",
                    _several(
                        "Reverse-keyed items",
                        numeric,
                        required=False,
                        hint="Items worded the other way round (leave empty if none).",
                    ),
                )
            if kind == "alpha":
                add("confidence", _confidence())
            if kind == "efa":
                add(
                    "factors",
                    forms.IntegerField(
                        label="Number of factors",
                        min_value=1,
                        max_value=10,
                        initial=1,
                        error_messages={"required": "Enter the number of factors"},
                    ),
                )
                add(
                    "method",
                    forms.ChoiceField(
                        label="Extraction",
                        choices=[("ml", "Maximum likelihood"), ("minres", "Minimum residual")],
                        initial="ml",
                        widget=forms.RadioSelect,
                    ),
                )
                add(
                    "rotation",
                    forms.ChoiceField(
                        label="Rotation",
                        choices=[
                            ("varimax", "Varimax (orthogonal)"),
                            ("oblimin", "Oblimin (oblique)"),
                            ("geomin", "Geomin (oblique)"),
                            ("none", "None"),
                        ],
                        initial="varimax",
                        widget=forms.RadioSelect,
                    ),
                )
                add(
                    "kaiser",
                    forms.BooleanField(label="Kaiser-normalise before rotating", required=False),
                )
        elif kind in ("regress", "logistic"):
            outcomes = numeric if kind == "regress" else _choices(columns, numeric=False)
            outcome = _pick("Outcome" if kind == "regress" else "Yes/no outcome", outcomes)
            # Not needed when a formula names it (checked in clean()).
            outcome.required = False
            add("y", outcome)
            add("predictors", _several("Predictors", _choices(columns, numeric=False)))
            add(
                "formula",
                forms.CharField(
                    label="Or write the model as a formula (optional)",
                    required=False,
                    max_length=500,
                    help_text='For example "outcome ~ x * w + age_band" (* adds the '
                    "interaction). Used instead of the choices above when given.",
                ),
            )
            if kind == "logistic":
                add(
                    "event",
                    forms.CharField(
                        label="Which value counts as the event (optional)",
                        required=False,
                        max_length=100,
                        help_text="Leave empty for 1 (yes).",
                    ),
                )
                add("confidence", _confidence())
            else:
                add(
                    "robust",
                    forms.ChoiceField(
                        label="Standard errors",
                        choices=[
                            ("", "Classical"),
                            ("HC3", "Robust (HC3)"),
                            ("HC0", "Robust (HC0)"),
                            ("HC1", "Robust (HC1)"),
                            ("HC2", "Robust (HC2)"),
                        ],
                        required=False,
                        widget=forms.RadioSelect,
                        initial="",
                    ),
                )
            self.fields["predictors"].required = False
        elif kind == "mediate":
            add("x", _pick("Predictor (X)", numeric))
            add(
                "m",
                _several("Mediators (M)", numeric, hint=f"One to {MAX_MEDIATORS}, in parallel."),
            )
            add("y", _pick("Outcome (Y)", numeric))
            add(
                "covariates",
                _several("Covariates", _choices(columns, numeric=False), required=False),
            )
            add(
                "boot",
                forms.IntegerField(
                    label="Bootstrap resamples",
                    min_value=500,
                    max_value=20000,
                    initial=5000,
                    error_messages={"required": "Enter the number of resamples"},
                ),
            )
            add(
                "ci",
                forms.ChoiceField(
                    label="Interval",
                    choices=[
                        ("percentile", "Percentile"),
                        ("bc", "Bias-corrected"),
                        ("bca", "Bias-corrected and accelerated"),
                    ],
                    initial="percentile",
                    widget=forms.RadioSelect,
                ),
            )
            add("confidence", _confidence())
        elif kind in ("sem", "invariance"):
            add("model", _model_field())
            if kind == "invariance":
                add(
                    "group",
                    _pick(
                        "Groups to compare",
                        _choices(columns, numeric=False),
                        hint="For example the area, or the deprivation quintile.",
                    ),
                )
            add(
                "missing",
                forms.ChoiceField(
                    label="Missing answers",
                    choices=[
                        ("listwise", "Leave out anyone with a gap (listwise)"),
                        ("ml", "Use every answer given (full-information maximum likelihood)"),
                    ],
                    initial="listwise",
                    widget=forms.RadioSelect,
                ),
            )
        elif kind == "change":
            add("before", _pick("Before (baseline)", numeric))
            add("after", _pick("After (follow-up)", numeric))
            add(
                "reliability",
                forms.FloatField(
                    label="The measure's reliability (optional)",
                    required=False,
                    min_value=0.01,
                    max_value=0.99,
                    help_text="For reliable change, for example 0.85 (its published alpha).",
                ),
            )
            add(
                "lower_is_better",
                forms.BooleanField(
                    label="Lower scores are better (loneliness, anxiety)", required=False
                ),
            )
            add("confidence", _confidence())
        # Move title and seed to the end, after the analysis's own choices.
        for name in ("title", "seed"):
            self.fields[name] = self.fields.pop(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind in ("regress", "logistic"):
            self._clean_model(data)
        if self.kind == "mediate" and len(data.get("m") or []) > MAX_MEDIATORS:
            self.add_error("m", f"Choose at most {MAX_MEDIATORS} mediators")
        if self.kind == "mediate" and len(data.get("covariates") or []) > MAX_COVARIATES:
            self.add_error("covariates", f"Choose at most {MAX_COVARIATES} covariates")
        if self.kind == "mediate" and data.get("x") and data.get("x") == data.get("y"):
            self.add_error("y", "Choose an outcome different from the predictor")
        if self.kind == "change" and data.get("before") and data.get("before") == data.get("after"):
            self.add_error("after", "Choose a follow-up variable different from the baseline")
        few_items = len(data.get("items") or []) < 2
        if self.kind == "omega" and data.get("model"):
            few_items = False
        if self.kind in ("alpha", "omega", "efa") and few_items and "items" not in self.errors:
            self.add_error("items", "Choose at least 2 items")
        return data

    def _clean_model(self, data: dict[str, Any]) -> None:
        """A formula, or an outcome and predictors: the formula is checked here (its terms
        bounded), so a mistake is a message on the page, not a failed run."""
        formula = (data.get("formula") or "").strip()
        if not formula:
            if not data.get("y"):
                self.add_error("y", "Choose the outcome, or write a formula")
            elif not data.get("predictors"):
                self.add_error("predictors", "Choose at least one predictor, or write a formula")
            return
        try:
            parsed = parse_formula(formula)
        except StatsError as error:
            self.add_error("formula", f"Check the formula: {error}")
            return
        names = {c.name for c in self.columns}
        unknown = sorted(
            {parsed.response, *(name for term in parsed.terms for name in term)} - names
        )
        if unknown:
            self.add_error(
                "formula",
                f"The formula names variables this data set does not have: "
                f"{', '.join(unknown[:5])}",
            )
        elif data.get("y") and data["y"] != parsed.response:
            self.add_error(
                "formula",
                f"The formula's outcome is {parsed.response}, but the outcome chosen above is "
                f"{data['y']}: choose one way",
            )

    def options(self) -> dict[str, Any]:
        """The spec's "options", by inspiring-stats' option names."""
        data = dict(self.cleaned_data)
        data.pop("title", None)
        data.pop("seed", None)
        if self.kind in ("regress", "logistic"):
            formula = (data.pop("formula", "") or "").strip()
            predictors = data.pop("predictors", []) or []
            y = data.pop("y", "")
            if not formula:
                formula = f"{y} ~ {' + '.join(predictors)}"
            data["formula"] = formula
        options: dict[str, Any] = {}
        for name, value in data.items():
            if name in self.LISTS:
                options[name] = list(value or [])
            elif value is None or value == "":
                continue
            else:
                options[name] = value
        return options

    def variables(self) -> list[str]:
        """The columns the options name (for the report's labels)."""
        names = {c.name for c in self.columns}
        found: list[str] = []
        for value in self.cleaned_data.values():
            for part in value if isinstance(value, list) else [value]:
                if isinstance(part, str) and part in names and part not in found:
                    found.append(part)
        formula = self.cleaned_data.get("formula") or self.cleaned_data.get("model") or ""
        for token in str(formula).replace("~", " ").replace("+", " ").replace("*", " ").split():
            for bit in token.replace(":", " ").replace("=", " ").split():
                if bit in names and bit not in found:
                    found.append(bit)
        return found
