"""Importing responses from a spreadsheet: upload (CSV, XLSX), the column mapping with
its guesses, the preview, the import through do_record_response, every unusable row
reported, bad files refused with a clear message, a closed survey refused."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook  # type: ignore[import-untyped]

from inspiring.accounts.models import AuditEntry
from inspiring.areas.geography import Place
from inspiring.measures import library
from inspiring.measures.actions import do_save_custom_instrument
from inspiring.surveys.actions import do_close
from inspiring.surveys.importing import Sheet, guess, preview, read_upload, targets
from inspiring.surveys.models import Response, Section, Survey, SurveyImport
from lib.csvfiles import write_csv
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

HEADINGS = [
    "Respondent name",
    "Age",
    "Sex",
    "Postcode",
    "Would like",
    "Cost",
    "life_satisfaction",
    "Date",
]


def rows(place: Place) -> list[list[str]]:
    return [
        ["Ann", "25 to 34", "Female", place.postcode, "Walking; Music", "yes", "7", "2026-02-01"],
        ["Bob", "65-74", "male", "", "Walking", "0", "", "01/02/2026"],
        ["Cat", "eleventy", "Female", "", "Walking", "maybe", "7", ""],  # two bad cells
        ["Dan", "", "", "ZZ99 9ZZ", "", "", "", ""],  # an unknown postcode
        ["Eve", "75 or over", "", "", "", "", "11", ""],  # out of range
    ]


def csv_file(place: Place) -> SimpleUploadedFile:
    return SimpleUploadedFile("returns.csv", write_csv(HEADINGS, rows(place)), "text/csv")


def xlsx_file(place: Place) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for row in rows(place):
        # Numbers as numbers, as a spreadsheet holds them.
        sheet.append([int(c) if c.isdigit() else c for c in row])
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(
        "returns.xlsx",
        data.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def url(survey: Survey, step: str = "") -> str:
    return f"/staff/surveys/{survey.public_id}/import/{step}"


def mapping_fields(page: Any) -> dict[str, str]:
    """The mapping form as the page offers it: the token and each column's guess."""
    form = page.context["form"]
    data = {"token": form.initial["token"]}
    for name, field in form.fields.items():
        if name.startswith("column_"):
            data[name] = form.initial.get(name, field.initial) or ""
    return data


def test_headings_are_guessed_from_their_words(ashfield_survey: Survey) -> None:
    known = targets(ashfield_survey)
    assert guess(HEADINGS, known) == [
        "",  # a name: the coordinator must choose (Ignore)
        "age_band",
        "sex",
        "postcode",
        "wants",
        "barrier:cost",
        "measure:ons4:life_satisfaction",
        "submitted_on",
    ]


@pytest.mark.parametrize("make", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_the_coordinator_maps_previews_and_imports(
    client: Client,
    personas: Personas,
    ashfield_survey: Survey,
    ashfield_place: Place,
    make: Any,
) -> None:
    sign_in(client, personas.coordinator)
    assert client.get(url(ashfield_survey)).status_code == 200
    page = client.post(url(ashfield_survey), {"file": make(ashfield_place)})
    assert page.status_code == 200
    assert "Which question does each column answer?" in page.text
    data = mapping_fields(page)
    assert data["column_1"] == "age_band" and data["column_0"] == ""

    # The name column has no guess: it must be mapped or ignored.
    unmapped = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "preview"})
    assert "Choose the question column A (Respondent name) answers" in unmapped.text
    assert unmapped.context["form"].errors

    data["column_0"] = "ignore"
    preview = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "preview"})
    assert preview.status_code == 200
    assert "Check the first rows before importing" in preview.text
    first, second, third, fourth, fifth = preview.context["rows"]
    assert first.response is not None and first.response.age_band == "25_34"
    assert first.response.imd_decile == ashfield_place.imd_decile
    assert "Would like: " in first.stored[0] and "Cost" in first.stored[1]
    assert second.response is not None and second.response.sex == "male"
    assert "eleventy" in third.problem and "maybe" in third.problem
    assert fourth.response is None and fifth.response is None
    assert not Response.objects.exists()  # nothing saved by a preview

    done = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "import"})
    assert done.status_code == 200
    assert "2 responses imported" in done.text
    result = done.context["result"]
    assert [n for n, _ in result.problems] == [4, 5, 6]
    assert "column B (Age): “eleventy” is not one of the answers" in result.problems[0][1]
    assert "column F (Cost): “maybe” is not yes or no" in result.problems[0][1]
    assert "ZZ99 9ZZ" in result.problems[1][1] or "postcode" in result.problems[1][1].lower()
    assert "11" in result.problems[2][1]

    stored = list(Response.objects.filter(survey=ashfield_survey).order_by("pk"))
    assert [r.mode for r in stored] == ["imported", "imported"]
    assert all(r.entered_by == personas.coordinator for r in stored)
    ann, bob = stored
    walking = ashfield_survey.categories.get(category__slug="walking").position
    music = ashfield_survey.categories.get(category__slug="music").position
    assert ann.wants_mask == (1 << walking) | (1 << music)
    assert ann.barriers_mask != 0 and bob.barriers_mask == 0
    assert ann.measures["ons4"]["answers"] == {"life_satisfaction": 7}
    assert ann.lsoa_code == ashfield_place.lsoa_code
    assert str(ann.submitted_on) == "2026-02-01" and str(bob.submitted_on) == "2026-02-01"
    entry = AuditEntry.objects.get(action="survey.imported")
    assert entry.detail["imported"] == 2 and entry.detail["left_out"] == 3
    assert "Ann" not in str(entry.detail)


def test_two_columns_cannot_answer_the_same_question(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "sex"}
    again = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "preview"})
    assert "Column C (Sex) already answers" not in again.text
    assert re.search(r"already answers .Sex.", again.text)


def test_changing_the_columns_after_the_preview_keeps_them(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "ignore"}
    back = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "change"})
    assert "Which question does each column answer?" in back.text
    assert back.context["form"].initial["column_1"] == "age_band"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0rest of an old workbook", "old Excel workbook (.xls)"),
        (b"PK\x03\x04not really a zip", "cannot be read as an Excel workbook"),
        (b"Age,Sex\n", "no responses under them"),
        (b"\n\n", "The file is empty"),
        (b"Age,Sex\x00\x01\n1,2\n", "binary data"),
        (b'Age,Sex\n"25 to 34,Female\n', "cannot be read as CSV"),
        (b"Age,\n25 to 34,oops\n", "has answers but no heading"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(
    client: Client, personas: Personas, ashfield_survey: Survey, content: bytes, message: str
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(
        url(ashfield_survey), {"file": SimpleUploadedFile("bad.csv", content, "text/csv")}
    )
    assert page.status_code == 200
    assert message in page.text
    assert "There is a problem" in page.text


def test_windows_1252_files_are_read(ashfield_survey: Survey) -> None:
    sheet = read_upload("excel.csv", "Age,Name\n25 to 34,Zoë\n".encode("cp1252"))
    assert sheet.rows == [(2, ["25 to 34", "Zoë"])]


def test_too_many_rows_are_refused(ashfield_survey: Survey, settings: Any) -> None:
    from inspiring.surveys import importing

    content = "Age\n" + "25 to 34\n" * (importing.MAX_ROWS + 1)
    with pytest.raises(importing.ImportFileError, match="at most 5,000 can be imported"):
        read_upload("big.csv", content.encode())


def test_a_tampered_token_is_refused(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "ignore", "token": "forged"}
    refused = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "import"})
    assert "upload it again" in refused.text
    assert not Response.objects.exists()


def test_a_closed_survey_refuses_imports(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "ignore"}
    do_close(None, ashfield_survey)
    assert "This survey has closed" in client.get(url(ashfield_survey)).text
    refused = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "import"})
    assert refused.status_code == 409 and "This survey has closed" in refused.text
    assert not Response.objects.exists()


def test_a_draft_survey_says_to_open_it_first(
    client: Client, personas: Personas, draft_survey: Survey
) -> None:
    sign_in(client, personas.coordinator)
    assert "open it first" in client.get(url(draft_survey)).text


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "commissioner", "researcher"])
def test_only_coordinators_import(
    client: Client, personas: Personas, ashfield_survey: Survey, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(url(ashfield_survey)).status_code in (403, 404)


def test_another_areas_coordinator_gets_404(
    client: Client, personas: Personas, ashfield_survey: Survey
) -> None:
    sign_in(client, personas.mansfield_coordinator)
    assert client.get(url(ashfield_survey)).status_code == 404


def test_the_same_file_imports_once(
    client: Client, personas: Personas, ashfield_survey: Survey, ashfield_place: Place
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "ignore", "step": "import"}
    first = client.post(url(ashfield_survey, "mapping/"), data)
    assert "2 responses imported" in first.text
    record = SurveyImport.objects.get()
    assert record.survey == ashfield_survey and record.imported_by == personas.coordinator
    assert (record.filename, record.rows, record.imported, record.refused) == (
        "returns.csv",
        5,
        2,
        3,
    )

    again = client.post(url(ashfield_survey, "mapping/"), data)
    assert again.status_code == 200
    assert "This file was already imported on " in again.text
    assert f"{record.imported_at:%Y}" in again.text
    assert Response.objects.filter(survey=ashfield_survey).count() == 2
    assert SurveyImport.objects.count() == 1
    assert AuditEntry.objects.filter(action="survey.imported").count() == 1
    # Back to the preview with the used file: said so there too.
    preview_again = client.post(url(ashfield_survey, "mapping/"), {**data, "step": "preview"})
    assert "This file was already imported on " in preview_again.text

    # The same file uploaded anew is a new import (the coordinator chose to).
    page = client.post(url(ashfield_survey), {"file": csv_file(ashfield_place)})
    data = {**mapping_fields(page), "column_0": "ignore", "step": "import"}
    assert "2 responses imported" in client.post(url(ashfield_survey, "mapping/"), data).text
    assert SurveyImport.objects.count() == 2


def test_answers_in_words_are_read_in_the_sections_pinned_version(
    personas: Personas, ashfield_survey: Survey
) -> None:
    agree = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]

    def save(labels: list[str]) -> None:
        do_save_custom_instrument(
            None,
            code="needs-satisfaction",
            title="Neighbourhood needs satisfaction",
            introduction="How far do you agree?",
            items=[("I feel safe in my neighbourhood", False), ("I belong here", False)],
            option_labels=labels,
            rule="mean",
            min_answered=1,
            bands=[],
            by=personas.coordinator,
        )

    save(agree)  # version 1, pinned by the survey
    save(list(reversed(agree)))  # version 2: the same words, other numbers
    Section.objects.create(
        survey=ashfield_survey,
        position=ashfield_survey.sections.count() + 1,
        kind="instrument",
        instrument_code="needs-satisfaction",
        instrument_version="1",
    )
    pinned = library.get("needs-satisfaction", 1)
    assert pinned is not None
    item = pinned.items[0]
    expected = next(o.value for o in item.options if o.label == "Strongly agree")
    sheet = Sheet("r.csv", ["Safe"], [(2, ["Strongly agree"])])
    (row,) = preview(ashfield_survey, sheet, {0: f"measure:needs-satisfaction:{item.id}"})
    assert row.response is not None, row.problem
    assert row.response.measures["needs-satisfaction"]["answers"] == {item.id: expected}
