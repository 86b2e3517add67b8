"""Staff pages for a survey's results: the list, the summary (page and CSV), the
pseudonymous responses CSV, and the spreadsheet import.

Who sees what is decided by access.py (surveys_to_read, sees_small_numbers,
get_survey_to_run, get_survey_for_responses); the figures by summary.py;
every export and import is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.csvfiles import write_csv
from lib.disclosure import SECONDARY_TEXT, SMALL_TEXT
from lib.http import posted

from . import access, exports, importing
from .access import get_survey_to_read, get_survey_to_run, sees_small_numbers, surveys_to_read
from .models import Survey
from .summary import AspectRow, Cell, Summary, summarise

READ = (Capability.VIEW_MONITORING, Capability.ANALYSE_RESEARCH_DATA)


def _csv(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Charts -------------------------------------------------------------------------
# Horizontal bars drawn as inline SVG (the content security policy refuses inline style
# attributes, and SVG's own width attributes are not styles). Every bar has its number
# printed beside it and a word saying what it is, and each series has its own pattern,
# so nothing is told by colour alone; the table beside the chart has every figure.

BAR_LEFT = 0
BAR_WIDTH = 260.0  # the longest possible bar (100 %)
BAR_HEIGHT = 11
ROW_GAP = 4
LABEL_HEIGHT = 13


@dataclass
class Bar:
    y: int
    width: float
    series: int  # 1, 2, 3: pattern and fill
    text: str  # printed beside the bar: "Know of 18 (67%)"
    text_x: float


@dataclass
class ChartRow:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class Chart:
    rows: list[ChartRow]
    height: int


def chart(rows: list[tuple[str, list[tuple[str, Cell]]]]) -> Chart:
    """Each row: a label line, then one bar per series (its share of the responses)."""
    drawn: list[ChartRow] = []
    y = 0
    for label, series in rows:
        label_y = y + LABEL_HEIGHT - 3
        y += LABEL_HEIGHT
        bars = []
        for number, (name, cell) in enumerate(series, start=1):
            width = round(BAR_WIDTH * cell.share, 1) if cell.share is not None else 0.0
            words = f"{name} " if name else ""
            shown = (
                cell.figure.text
                if cell.figure.is_hidden
                else f"{cell.figure.text} ({cell.percent})"
            )
            bars.append(Bar(y, width, number, f"{words}{shown}", BAR_LEFT + width + 4))
            y += BAR_HEIGHT + 2
        y += ROW_GAP
        drawn.append(ChartRow(label, label_y, bars))
    return Chart(drawn, y)


def _aspect_chart(rows: list[AspectRow]) -> Chart:
    return chart([(row.label, row.cells()) for row in rows])


# --- Results and summary ------------------------------------------------------------


@require_capability(*READ)
def results(request: HttpRequest) -> HttpResponse:
    surveys = surveys_to_read(request).select_related("area").order_by("area__name", "-created_at")
    return render(request, "surveys/results.html", {"surveys": surveys})


def _summary(request: HttpRequest, public_id: uuid.UUID) -> tuple[Survey, Summary]:
    survey = get_survey_to_read(request, public_id)
    return survey, summarise(survey, small_numbers_visible=sees_small_numbers(request, survey))


@require_capability(*READ)
def summary(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey, figures = _summary(request, public_id)
    context: dict[str, Any] = {
        "survey": survey,
        "summary": figures,
        "aspect_chart": _aspect_chart(figures.categories),
        "barrier_chart": chart([(row.label, [("", row.cell)]) for row in figures.barriers]),
        "bar_width": BAR_WIDTH,
        "small_text": SMALL_TEXT,
        "secondary_text": SECONDARY_TEXT,
        "may_export_responses": access.may_read_responses(request, survey),
    }
    return render(request, "surveys/summary.html", context)


@require_capability(*READ)
def summary_csv(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey, figures = _summary(request, public_id)
    rows = list(exports.summary_rows(figures))
    audit.record(
        request,
        "survey.exported",
        survey,
        area=survey.area,
        detail={"kind": "summary", "rows": len(rows), "suppressed": figures.has_hidden},
    )
    today = timezone.localdate().isoformat()
    return _csv(
        f"{survey.area.slug}-survey-summary-{today}.csv",
        write_csv(exports.SUMMARY_HEADINGS, rows),
    )


@require_capability(*READ)
def responses_csv(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = access.get_survey_for_responses(request, public_id)
    headings, rows = exports.responses_csv(survey)
    content = write_csv(headings, rows)
    audit.record(
        request,
        "survey.exported",
        survey,
        area=survey.area,
        detail={"kind": "responses", "rows": survey.responses.count()},
    )
    today = timezone.localdate().isoformat()
    return _csv(f"{survey.area.slug}-survey-responses-{today}.csv", content)


# --- Import ------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet file (CSV or Excel .xlsx)",
        help_text=(
            f"Up to {importing.MAX_BYTES // (1024 * 1024)} MB and {importing.MAX_ROWS:,} "
            "responses. The first row holds the questions' headings; each row below it is "
            "one response."
        ),
        error_messages={
            "required": "Choose a CSV or Excel file to upload",
            "empty": "The file is empty: it needs a row of headings and a row per response.",
            "invalid": "Choose a CSV or Excel file to upload",
        },
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {importing.MAX_BYTES // (1024 * 1024)} MB. Split it "
                "into smaller files and import them one at a time."
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file: a question of the survey, or Ignore."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        sheet: importing.Sheet,
        targets: list[importing.Target],
        guesses: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.targets = {t.key: t for t in targets}
        groups: dict[str, list[tuple[str, str]]] = {}
        for target in targets:
            groups.setdefault(target.group, []).append((target.key, target.label))
        choices: list[Any] = [
            ("", "Choose a question"),
            (importing.IGNORE, "Ignore this column"),
            *groups.items(),
        ]
        for index in range(len(sheet.headings)):
            examples = [cells[index] for _, cells in sheet.rows[:3] if cells[index].strip()]
            hint = (
                "For example: " + "; ".join(e[:40] for e in examples)
                if examples
                else "Empty in the first rows"
            )
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=sheet.column_name(index)[0].upper() + sheet.column_name(index)[1:],
                help_text=hint,
                choices=choices,
                required=True,
                initial=(guesses[index] if guesses else ""),
                error_messages={
                    "required": (
                        f"Choose the question {sheet.column_name(index)} answers, or choose "
                        "Ignore this column"
                    ),
                    "invalid_choice": f"Choose a question for {sheet.column_name(index)}",
                },
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: dict[str, int] = {}
        for index in range(len(self.sheet.headings)):
            key = cleaned.get(f"column_{index}")
            if not key or key == importing.IGNORE:
                continue
            if key in seen:
                self.add_error(
                    f"column_{index}",
                    f"{self.sheet.column_name(seen[key])[0].upper()}"
                    f"{self.sheet.column_name(seen[key])[1:]} already answers "
                    f"“{self.targets[key].label}”: choose another question for "
                    f"{self.sheet.column_name(index)}, or Ignore this column",
                )
            else:
                seen[key] = index
        if not self.errors and not seen:
            raise forms.ValidationError(
                "Choose a question for at least one column: every column is ignored."
            )
        return cleaned

    def mapping(self) -> dict[int, str]:
        return {
            index: key
            for index in range(len(self.sheet.headings))
            if (key := self.cleaned_data[f"column_{index}"]) != importing.IGNORE
        }


def _import_refusal(survey: Survey) -> str:
    """Why responses cannot be imported into this survey now, or ""."""
    if survey.is_closed:
        return (
            "This survey has closed: its responses can no longer change, so nothing can be "
            "imported into it."
        )
    if survey.status == Survey.Status.DRAFT:
        return "This survey is a draft: open it first, then import responses into it."
    return ""


@require_capability(Capability.RUN_SURVEYS)
def import_upload(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    survey = get_survey_to_run(request, public_id)
    refusal = _import_refusal(survey)
    form = UploadForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and not refusal and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sheet = importing.read_upload(upload.name or "", upload.read())
            token = importing.seal(request, survey, sheet)
        except importing.ImportFileError as error:
            for problem in error.problems:
                form.add_error("file", problem)
        except importing.HoldError as error:
            form.add_error("file", str(error))
        else:
            targets = importing.targets(survey)
            mapping = MappingForm(
                initial={"token": token},
                sheet=sheet,
                targets=targets,
                guesses=importing.guess(sheet.headings, targets),
            )
            return _mapping_page(request, survey, sheet, mapping)
    return render(
        request,
        "surveys/import_upload.html",
        {"survey": survey, "form": form, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )


def _mapping_page(
    request: HttpRequest, survey: Survey, sheet: importing.Sheet, form: MappingForm
) -> HttpResponse:
    return render(
        request, "surveys/import_mapping.html", {"survey": survey, "sheet": sheet, "form": form}
    )


@require_POST
@require_capability(Capability.RUN_SURVEYS)
def import_map(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The mapping posted: its preview, or (step=import) the import itself."""
    survey = get_survey_to_run(request, public_id)
    refusal = _import_refusal(survey)
    if refusal:
        return render(
            request,
            "surveys/import_upload.html",
            {"survey": survey, "form": UploadForm(), "refusal": refusal},
            status=409,
        )
    try:
        sheet = importing.unseal(request, survey, request.POST.get("token", ""))
        previous = importing.already_imported(sheet)
        if previous is not None:
            # Back to an earlier page after importing: the file is done with.
            raise importing.AlreadyImported(previous)
    except importing.HoldError as error:
        return render(
            request,
            "surveys/import_upload.html",
            {"survey": survey, "form": UploadForm(), "refusal": "", "notice": str(error)},
        )
    targets = importing.targets(survey)
    form = MappingForm(request.POST, sheet=sheet, targets=targets)
    if not form.is_valid() or request.POST.get("step") == "change":
        if request.POST.get("step") == "change":
            form = MappingForm(
                initial={
                    "token": request.POST.get("token", ""),
                    **{
                        name: request.POST.get(name, "")
                        for name in request.POST
                        if name.startswith("column_")
                    },
                },
                sheet=sheet,
                targets=targets,
            )
        return _mapping_page(request, survey, sheet, form)
    mapping = form.mapping()
    if request.POST.get("step") == "import":
        try:
            result = importing.do_import(request, survey, sheet, mapping)
        except importing.AlreadyImported as error:
            # Posted twice at once: the other request imported it.
            return render(
                request,
                "surveys/import_upload.html",
                {"survey": survey, "form": UploadForm(), "refusal": "", "notice": str(error)},
            )
        return render(
            request,
            "surveys/import_done.html",
            {"survey": survey, "sheet": sheet, "result": result},
        )
    rows = importing.preview(survey, sheet, mapping)
    return render(
        request,
        "surveys/import_preview.html",
        {
            "survey": survey,
            "sheet": sheet,
            "form": form,
            "rows": rows,
            "mapped": [
                (sheet.column_name(index), form.targets[key].label)
                for index, key in sorted(mapping.items())
            ],
            "ignored": [
                sheet.column_name(index)
                for index in range(len(sheet.headings))
                if index not in mapping
            ],
            "columns": importing.PREVIEW_COLUMNS,
        },
    )
