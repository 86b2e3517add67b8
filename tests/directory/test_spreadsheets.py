"""CSV import and export of the directory: templates, round trips, checks, access, audit."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspiring.accounts.models import AuditEntry, Membership
from inspiring.directory.forms import ActivityForm, ScheduleForm
from inspiring.directory.models import Activity, Organisation, Schedule, Session, Venue
from inspiring.directory.spreadsheets import SHEETS, RowResult, base
from inspiring.directory.spreadsheets.activities import SCHEDULE_FIELD_COLUMNS
from lib.csvfiles import CSVFileError, Row, neutralise, read_csv, restore, write_csv
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, activity, organisation, venue, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db

CSV_URL = "/staff/listings/csv/"


# --- Helpers -------------------------------------------------------------------------------------


@pytest.fixture
def coordinator(client: Client, personas: Personas) -> Client:
    """Chloe, Ashfield's coordinator, signed in."""
    return sign_in(client, personas.coordinator)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit work (materialising sessions) as a real request would."""
    return django_capture_on_commit_callbacks


def rows_of(response: Any) -> list[dict[str, str]]:
    """A CSV download as dictionaries (the byte-order mark checked and removed)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def as_csv(rows: list[dict[str, str]], **kwargs: Any) -> bytes:
    headings = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=headings, **kwargs)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client: Client, kind: str, content: bytes, name: str = "directory.csv") -> Any:
    return client.post(f"{CSV_URL}{kind}/", {"file": SimpleUploadedFile(name, content, "text/csv")})


def token_of(response: Any) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.text)
    assert match, "the report offers no import"
    return html.unescape(match[1])


def confirm(client: Client, kind: str, report: Any, rows: str = "all") -> Any:
    return client.post(f"{CSV_URL}{kind}/import/", {"token": token_of(report), "rows": rows})


def export(client: Client, kind: str) -> list[dict[str, str]]:
    response = client.get(f"{CSV_URL}{kind}/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return rows_of(response)


def problems(report: Any) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in report.context["check"].problems]


def new_activity_row(**changes: str) -> dict[str, str]:
    row = dict.fromkeys(SHEETS["activities"].headings(), "")
    row.update(
        organisation="Kirkby Knit and Natter",
        title="Friday Film Club",
        summary="Watch a classic film, then talk about it over tea.",
        categories="Culture and heritage; social-and-friendship",
        venue="Kirkby Community Hall",
        support_features="Come alone welcome",
        start_date="2026-03-06",
        start_time="14:00",
        end_time="16:00",
        repeats="weekly",
        days="Friday",
    )
    row.update(changes)
    return row


# --- Templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["organisations", "venues", "activities"])
def test_the_template_has_the_headings_and_uploads_cleanly(
    coordinator: Client, directory: Directory, kind: str
) -> None:
    response = coordinator.get(f"{CSV_URL}{kind}/template.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    content = response.content
    assert content.startswith(b"\xef\xbb\xbfpublic_id,")
    headings = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert headings == SHEETS[kind].headings()

    report = upload(coordinator, kind, content)
    assert report.status_code == 200
    assert report.context["check"].problems == []
    assert "Nothing would change" in report.text
    assert 'name="token"' not in report.text  # nothing to import


def test_the_upload_page_documents_every_column(coordinator: Client, directory: Directory) -> None:
    page = coordinator.get(f"{CSV_URL}activities/")
    for heading in SHEETS["activities"].headings():
        assert f"<code>{heading}</code>" in page.text
    assert "Arts and crafts" in page.text  # the categories to choose from
    assert "pay_what_you_can (Pay what you can)" in page.text
    assert 'enctype="multipart/form-data"' in page.text


# --- Round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["organisations", "venues", "activities"])
def test_an_export_uploaded_unchanged_changes_nothing(
    coordinator: Client, directory: Directory, kind: str
) -> None:
    directory.knit.description = "We knit.\nWe natter, too."
    directory.knit.save()
    rows = export(coordinator, kind)
    assert rows, "the area has records to export"
    before = AuditEntry.objects.count()
    report = upload(coordinator, kind, as_csv(rows))
    check = report.context["check"]
    assert check.problems == []
    assert [r.action for r in check.results] == ["unchanged"] * len(rows)
    assert "Nothing would change" in report.text
    assert AuditEntry.objects.count() == before  # checking writes nothing, not even audit


def test_the_export_holds_the_working_areas_records_only(
    coordinator: Client, directory: Directory
) -> None:
    organisations = export(coordinator, "organisations")
    assert [row["name"] for row in organisations] == ["Kirkby Knit and Natter"]
    assert organisations[0]["public_id"] == str(directory.knit.public_id)
    assert organisations[0]["leads"] == "priya@ashfield.test"
    assert organisations[0]["trusted"] == "no"
    venues = export(coordinator, "venues")
    assert [(v["organisation"], v["name"], v["postcode"]) for v in venues] == [
        ("Kirkby Knit and Natter", "Kirkby Community Hall", "NG17 7AE")
    ]
    (knitting,) = export(coordinator, "activities")
    assert knitting["title"] == "Knit and Natter"
    assert knitting["categories"] == "Arts and crafts; Social and friendship"
    assert knitting["venue"] == "Kirkby Community Hall"
    assert (knitting["start_date"], knitting["start_time"], knitting["end_time"]) == (
        "2026-03-02",
        "10:00",
        "12:00",
    )
    assert (knitting["repeats"], knitting["days"]) == ("weekly", "Tuesday")
    assert knitting["status"] == "published"


def test_an_edited_export_changes_the_records_in_place(
    coordinator: Client, directory: Directory, on_commit: Any, frozen_today: None
) -> None:
    (row,) = export(coordinator, "activities")
    row.update(title="Knit, Natter and Cake", cost="priced", price="£2.50", days="Wednesday")
    report = upload(coordinator, "activities", as_csv([row]))
    (result,) = report.context["check"].results
    assert result.action == "changed"
    assert set(result.changes) == {"title", "cost", "price", "dates"}
    assert "Changed: title, cost, price, dates" in report.text
    with on_commit(execute=True):
        response = confirm(coordinator, "activities", report)
    assert response.status_code == 302
    assert Activity.objects.count() == 3
    directory.knitting.refresh_from_db()
    assert directory.knitting.title == "Knit, Natter and Cake"
    assert directory.knitting.price == Decimal("2.50")
    assert directory.knitting.status == Activity.Status.PUBLISHED
    assert Schedule.objects.get(activity=directory.knitting).rrule == "FREQ=WEEKLY;BYDAY=WE"
    upcoming = Session.objects.filter(activity=directory.knitting, occurrence_date__gte=TODAY)
    assert {s.local_date.weekday() for s in upcoming} == {2}  # Wednesdays now
    message = coordinator.get(CSV_URL).text
    assert "directory.csv is imported: 0 added, 1 changed." in message


# --- New records ---------------------------------------------------------------------------------


def test_new_partner_venue_and_activity_from_csv_appear_in_whats_on(
    coordinator: Client,
    personas: Personas,
    directory: Directory,
    on_commit: Any,
    frozen_today: None,
) -> None:
    organisations = [
        {
            "public_id": "",
            "name": "Sutton Film Society",
            "kind": "Community group",  # the label works as well as the code
            "email": "films@sutton.example",
            "website": "suttonfilms.example",
            "trusted": "Yes",
        }
    ]
    report = upload(coordinator, "organisations", as_csv(organisations))
    assert report.context["check"].count("new") == 1
    assert confirm(coordinator, "organisations", report).status_code == 302
    society = Organisation.objects.get(name="Sutton Film Society")
    assert society.home_area == personas.ashfield
    assert society.kind == Organisation.Kind.COMMUNITY_GROUP
    assert society.website == "https://suttonfilms.example"  # as the web form does
    assert society.trusted

    venues = [
        {
            "public_id": "",
            "organisation": "sutton film society",  # case does not matter
            "name": "Old Town Hall",
            "address_line_1": "1 Market Place",
            "town": "Sutton-in-Ashfield",
            "postcode": "ng17 7ae",
            "step_free": "y",
        }
    ]
    report = upload(coordinator, "venues", as_csv(venues))
    assert report.context["check"].problems == []
    confirm(coordinator, "venues", report)
    hall = Venue.objects.get(name="Old Town Hall")
    assert hall.organisation == society
    assert hall.postcode == "NG17 7AE" and hall.district_code == "E07000170"
    assert hall.step_free and not hall.parking

    row = new_activity_row(organisation="Sutton Film Society", venue="Old Town Hall")
    report = upload(coordinator, "activities", as_csv([row]))
    assert report.context["check"].problems == []
    with on_commit(execute=True):
        response = confirm(coordinator, "activities", report)
    assert response.status_code == 302
    film = Activity.objects.get(title="Friday Film Club")
    assert film.status == Activity.Status.PUBLISHED  # a coordinator's listing is published
    assert film.published_by == personas.coordinator
    assert film.source == Activity.Source.CSV
    assert film.home_area == personas.ashfield
    assert {c.slug for c in film.categories.all()} == {
        "culture-and-heritage",
        "social-and-friendship",
    }
    assert Schedule.objects.get(activity=film).rrule == "FREQ=WEEKLY;BYDAY=FR"
    assert Session.objects.filter(activity=film).count() > 50  # the year ahead
    whats_on = Client().get("/ashfield/whats-on/")
    assert "Friday Film Club" in {row["activity"].title for row in whats_on.context["rows"]}
    actions = set(
        AuditEntry.objects.filter(area=personas.ashfield).values_list("action", flat=True)
    )
    assert {"organisation.created", "venue.created", "activity.created"} <= actions
    assert {"schedule.changed", "spreadsheet.imported"} <= actions


def test_partial_files_keep_the_values_of_the_columns_they_leave_out(
    coordinator: Client, directory: Directory
) -> None:
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    rows = [{"public_id": str(directory.knit.public_id), "name": "Kirkby Knitters", "kind": ""}]
    report = upload(coordinator, "organisations", as_csv(rows))
    assert problems(report) == [(2, "kind", "Choose what kind of organisation it is")]
    rows[0]["kind"] = "community_group"
    report = upload(coordinator, "organisations", as_csv(rows))
    assert "email" in report.context["check"].left_out
    assert "they have in them: charity_number" in report.text
    confirm(coordinator, "organisations", report)
    directory.knit.refresh_from_db()
    assert directory.knit.name == "Kirkby Knitters"
    assert directory.knit.email == "knit@example.org"
    assert list(directory.knit.leads.all())  # Priya still leads it


# --- Checking every row --------------------------------------------------------------------------


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(
    coordinator: Client, directory: Directory
) -> None:
    rows = [
        new_activity_row(title="Good Row"),
        new_activity_row(cost="priced", price="three pounds", online="perhaps"),
        new_activity_row(categories="Knitting; Music", venue="The Moon"),
        new_activity_row(title="", start_date="31/02/2026", end_time="13:00"),
        new_activity_row(organisation="Mansfield Walkers", min_age="70", max_age="60"),
        new_activity_row(repeats="monthly", days="every Monday", not_on="2026-12-25; Boxing Day"),
    ]
    report = upload(coordinator, "activities", as_csv(rows))
    found = problems(report)
    assert (3, "price", "Enter the price as a number, like 3.50") in found
    assert (3, "online", "Enter yes or no") in found
    assert any(p[:2] == (4, "categories") and "Knitting" in p[2] for p in found)
    assert any(p[:2] == (4, "venue") and "There is no venue called The Moon" in p[2] for p in found)
    assert (5, "title", "Enter the activity's name") in found
    assert (5, "start_date", "Enter the first date as a real date") in found
    assert (5, "end_time", "The end time must be after the start time") in found
    assert any(p[:2] == (6, "organisation") and "Mansfield Walkers" in p[2] for p in found)
    assert any(p[:2] == (6, "max_age") for p in found)
    assert (7, "days", "For monthly, enter the week and the day, like first Monday") in found
    assert (
        7,
        "not_on",
        "Date 2 in the list: enter a date like 2026-12-24 or a range like 2026-12-21 to 2027-01-03",
    ) in found
    assert not any(p[0] == 2 for p in found)
    check = report.context["check"]
    assert (check.valid_rows, check.invalid_rows) == (1, 5)
    assert "Row 3, column price: Enter the price as a number, like 3.50" in report.text
    assert "price (O)" in report.text  # the spreadsheet's column letter
    assert "Import the 1 valid row only" in report.text
    assert not Activity.objects.filter(title__in=["Good Row", "Friday Film Club"]).exists()


def test_over_long_cells_are_row_problems_and_nothing_is_written(
    coordinator: Client, directory: Directory
) -> None:
    activities = upload(
        coordinator,
        "activities",
        as_csv(
            [
                new_activity_row(title="Long Row", description="a" * 5001),
                new_activity_row(title="t" * 151, what_to_expect="b" * 1001),
            ]
        ),
    )
    found = problems(activities)
    assert (2, "description", "Description must be 5,000 characters or fewer") in found
    assert (3, "title", "Title must be 150 characters or fewer") in found
    assert (
        3,
        "what_to_expect",
        "What to expect on the first visit must be 1,000 characters or fewer",
    ) in found
    venues = upload(
        coordinator,
        "venues",
        as_csv(
            [
                {
                    "public_id": "",
                    "organisation": "Kirkby Knit and Natter",
                    "name": "Long Hall",
                    "address_line_1": "1 Hall Street",
                    "town": "Kirkby-in-Ashfield",
                    "postcode": "NG17 7AE",
                    "access_notes": "c" * 1001,
                }
            ]
        ),
    )
    assert (2, "access_notes", "Other access information must be 1,000 characters or fewer") in (
        problems(venues)
    )
    organisations = upload(
        coordinator,
        "organisations",
        as_csv(
            [
                {
                    "public_id": "",
                    "name": "Wordy Club",
                    "kind": "community_group",
                    "description": "d" * 2001,
                }
            ]
        ),
    )
    assert (2, "description", "Description must be 2,000 characters or fewer") in problems(
        organisations
    )
    assert not Activity.objects.filter(title="Long Row").exists()
    assert not Venue.objects.filter(name="Long Hall").exists()
    assert not Organisation.objects.filter(name="Wordy Club").exists()


def test_one_bad_row_stops_the_whole_import_unless_valid_rows_only_is_chosen(
    coordinator: Client, directory: Directory
) -> None:
    rows = [
        {"public_id": "", "name": "Ashfield Chess Club", "kind": "community_group"},
        {"public_id": "", "name": "Broken Row", "kind": "club", "email": "not-an-email"},
        {"public_id": "", "name": "Kirkby Bowls", "kind": "charity", "charity_number": "1123456"},
    ]
    report = upload(coordinator, "organisations", as_csv(rows))
    assert [p[:2] for p in problems(report)] == [(3, "kind"), (3, "email")]
    # Asking for every row is refused while a row has a problem: nothing is written.
    refused = confirm(coordinator, "organisations", report, rows="all")
    assert refused.status_code == 200
    assert "nothing was imported" in refused.text
    assert not Organisation.objects.filter(name__in=["Ashfield Chess Club", "Kirkby Bowls"])
    imported = confirm(coordinator, "organisations", report, rows="valid")
    assert imported.status_code == 302
    assert set(
        Organisation.objects.filter(home_area=directory.knit.home_area).values_list(
            "name", flat=True
        )
    ) == {"Kirkby Knit and Natter", "Ashfield Chess Club", "Kirkby Bowls"}
    entry = AuditEntry.objects.get(action="spreadsheet.imported")
    assert entry.detail == {
        "kind": "organisations",
        "file": "directory.csv",
        "added": 2,
        "changed": 0,
        "unchanged": 0,
        "rows_left_out": 1,
    }
    assert "1 row with problems was left out" in coordinator.get(CSV_URL).text


def test_a_public_id_from_another_area_is_a_row_problem_and_touches_nothing(
    coordinator: Client, directory: Directory
) -> None:
    rows = [
        {"public_id": str(directory.walkers.public_id), "name": "Taken Over", "kind": "charity"},
        {"public_id": "12345", "name": "Made Up", "kind": "charity"},
        {"public_id": str(directory.knit.public_id), "name": "Kirkby Knit", "kind": "charity"},
        {"public_id": str(directory.knit.public_id), "name": "Again", "kind": "charity"},
    ]
    report = upload(coordinator, "organisations", as_csv(rows))
    assert problems(report) == [
        (
            2,
            "public_id",
            "No organisation in Inspiring Ashfield has this public_id. Leave it empty to add "
            "a new organisation",
        ),
        (
            3,
            "public_id",
            "Enter the public_id exactly as exported, or leave it empty to add a new organisation",
        ),
        (5, "public_id", "Row 4 has the same public_id: each organisation can be in the file once"),
    ]
    confirm(coordinator, "organisations", report, rows="valid")
    directory.walkers.refresh_from_db()
    assert directory.walkers.name == "Mansfield Walkers"
    assert not Organisation.objects.filter(name__in=["Taken Over", "Made Up", "Again"]).exists()
    directory.knit.refresh_from_db()
    assert directory.knit.name == "Kirkby Knit"


def test_records_cannot_move_between_organisations(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    organisation(personas.ashfield, "Ashfield Chess Club")
    (row,) = export(coordinator, "venues")
    row["organisation"] = "Ashfield Chess Club"
    report = upload(coordinator, "venues", as_csv([row]))
    assert [p[:2] for p in problems(report)] == [(2, "organisation")]
    assert "cannot move to another organisation" in report.text


def test_organisation_names_must_stay_different(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    organisation(personas.ashfield, "Ashfield Chess Club")
    rows = [
        {"public_id": "", "name": "ashfield chess club", "kind": "charity"},
        {"public_id": "", "name": "Bowls Club", "kind": "charity"},
        {"public_id": "", "name": "Bowls club", "kind": "charity"},
        # Renaming one organisation frees its name for a new one in the same file.
        {"public_id": str(directory.knit.public_id), "name": "Kirkby Knitters", "kind": "faith"},
        {"public_id": "", "name": "Kirkby Knit and Natter", "kind": "charity"},
    ]
    report = upload(coordinator, "organisations", as_csv(rows))
    assert [p[:2] for p in problems(report)] == [(2, "name"), (3, "name"), (4, "name")]
    assert "Another organisation in Inspiring Ashfield is called ashfield chess club" in report.text


def test_a_shared_venue_name_needs_the_public_id(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    other = organisation(personas.ashfield, "Ashfield Chess Club")
    shared = venue(other, "Kirkby Community Hall", "NG17 7AE", open_to_other_organisations=True)
    report = upload(coordinator, "activities", as_csv([new_activity_row()]))
    assert any("2 venues are called Kirkby Community Hall" in p[2] for p in problems(report))
    # The export writes the public_id where a name is shared, so it still round-trips.
    activity(directory.knit, "Chess for Knitters", at=shared)
    rows = export(coordinator, "activities")
    assert {row["venue"] for row in rows} == {str(directory.hall.public_id), str(shared.public_id)}
    report = upload(coordinator, "activities", as_csv(rows))
    assert report.context["check"].problems == []


# --- Formula injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+44 1623 555123", "'+44 1623 555123"),
        ("-5", "-5"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=already quoted", "''=already quoted"),
        ("'just a quote", "'just a quote"),
        ("Plain = text", "Plain = text"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_and_restored_exactly(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert restore(written) == value


def test_an_export_neutralises_formulas_and_an_upload_restores_them(
    coordinator: Client, directory: Directory
) -> None:
    directory.knit.description = '=HYPERLINK("http://evil.example","Click me")'
    directory.knit.phone = "+44 1623 555123"
    directory.knit.save()
    content = coordinator.get(f"{CSV_URL}organisations/export.csv").content
    assert b"'=HYPERLINK" in content and b"'+44 1623 555123" in content
    (row,) = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert row["description"].startswith("'=")  # what a spreadsheet shows: text, not a formula
    report = upload(coordinator, "organisations", content)
    assert [r.action for r in report.context["check"].results] == ["unchanged"]
    row["name"] = "Kirkby Knitters"
    confirm(coordinator, "organisations", upload(coordinator, "organisations", as_csv([row])))
    directory.knit.refresh_from_db()
    assert directory.knit.name == "Kirkby Knitters"
    assert directory.knit.description == '=HYPERLINK("http://evil.example","Click me")'
    assert directory.knit.phone == "+44 1623 555123"


# --- Files that cannot be used -------------------------------------------------------------------


def file_problems(response: Any) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get("file", [])]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook (such as .xlsx)"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b"\r\n\r\n", "The file is empty"),
        (b"public_id,name,kind,colour\r\n", "Column D (colour) is not a column we know"),
        (b"public_id,name\r\n", "The file needs the column kind"),
        (b"public_id,name,kind,Name\r\n", "The column name appears twice (columns B and D)"),
        (b'public_id,name,kind\r\n,"Unclosed,charity\r\n', "cannot be read as CSV"),
    ],
)
def test_files_that_cannot_be_used_say_why(
    coordinator: Client, directory: Directory, content: bytes, expected: str
) -> None:
    response = upload(coordinator, "organisations", content)
    assert response.status_code == 200
    assert any(expected in problem for problem in file_problems(response)), file_problems(response)
    assert "There is a problem" in response.text
    assert 'href="#id_file"' in response.text  # the error summary leads to the file input
    assert Organisation.objects.count() == 3


def test_no_file_and_an_empty_file_are_refused(coordinator: Client, directory: Directory) -> None:
    response = coordinator.post(f"{CSV_URL}organisations/", {})
    assert file_problems(response) == ["Choose a CSV file to upload"]
    response = upload(coordinator, "organisations", b"")
    assert "The file is empty" in file_problems(response)[0]


def test_a_file_too_large_is_refused(
    coordinator: Client, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_big = b"public_id,name,kind\r\n" + b",Club,charity\r\n" * 200_000
    assert len(too_big) > base.MAX_BYTES
    assert "larger than 2 MB" in file_problems(upload(coordinator, "organisations", too_big))[0]
    monkeypatch.setattr(base, "MAX_ROWS", 3)
    four = b"public_id,name,kind\r\n" + b"".join(b",Club %d,charity\r\n" % n for n in range(4))
    assert "more than 3 rows" in file_problems(upload(coordinator, "organisations", four))[0]


def test_excel_files_are_read_with_or_without_a_byte_order_mark(
    coordinator: Client, directory: Directory
) -> None:
    text = "public_id,name,kind,description\r\n,Café Club,charity,Tea for £1\r\n"
    for content in (text.encode("utf-8-sig"), text.encode("utf-8")):
        report = upload(coordinator, "organisations", content)
        assert report.context["check"].problems == []
        assert report.context["check"].table.encoding == "UTF-8"
    # Excel's plain "CSV (Comma delimited)" on a British Windows computer: Windows-1252.
    report = upload(coordinator, "organisations", text.encode("cp1252"))
    assert report.context["check"].table.encoding == "Windows-1252"
    assert "it was read as Windows-1252" in report.text
    confirm(coordinator, "organisations", report)
    assert Organisation.objects.get(name="Café Club").description == "Tea for £1"


def test_semicolons_headings_in_another_case_and_blank_rows_are_understood(
    coordinator: Client, directory: Directory
) -> None:
    content = (
        b"Public ID;Name;KIND;;\r\n;;;;\r\n;Bowls Club;Charity;;\r\n;;;;\r\n;Chess Club;faith;;\r\n"
    )
    report = upload(coordinator, "organisations", content)
    check = report.context["check"]
    assert check.problems == []
    assert [(r.number, r.label) for r in check.results] == [(3, "Bowls Club"), (5, "Chess Club")]


def test_cells_beyond_the_headings_are_a_row_problem(
    coordinator: Client, directory: Directory
) -> None:
    content = b"public_id,name,kind\r\n,Bowls Club,charity,surprise\r\n,Chess Club,faith\r\n"
    report = upload(coordinator, "organisations", content)
    assert problems(report) == [
        (
            2,
            "",
            "This row has 1 filled cell beyond the last heading: move them into the right "
            "columns or delete them",
        )
    ]
    assert "The whole row" in report.text


def test_read_csv_reports_every_heading_problem_at_once() -> None:
    with pytest.raises(CSVFileError) as raised:
        read_csv(
            b"name,colour,name,,x\r\n,,,data\r\n",
            known={"name", "kind"},
            required=["kind"],
            max_rows=10,
        )
    assert raised.value.problems == [
        "Column B (colour) is not a column we know: check its spelling against the template, "
        "or delete the column.",
        "The column name appears twice (columns A and C): keep one of them.",
        "Column D has no heading: add one, or delete the column.",
        "Column E (x) is not a column we know: check its spelling against the template, or "
        "delete the column.",
        "The file needs the column kind: add it with the heading exactly as in the template.",
    ]


def test_write_csv_is_utf8_with_a_byte_order_mark_and_crlf() -> None:
    assert write_csv(["a", "b"], [["x, y", "=1"]]) == b'\xef\xbb\xbfa,b\r\n"x, y",\'=1\r\n'


# --- Dates ---------------------------------------------------------------------------------------


def test_schedules_round_trip_in_peoples_words(
    coordinator: Client, directory: Directory, on_commit: Any, frozen_today: None
) -> None:
    Schedule.objects.filter(activity=directory.knitting).update(
        rrule="FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231",
        exdates=["2026-05-29", "2026-12-24", "2026-12-25", "2026-12-26"],
        rdates=["2026-04-02"],
    )
    (row,) = export(coordinator, "activities")
    assert (row["repeats"], row["days"], row["until"]) == ("monthly", "last Friday", "2026-12-31")
    assert row["not_on"] == "2026-05-29; 2026-12-24 to 2026-12-26"
    assert row["extra_dates"] == "2026-04-02"
    report = upload(coordinator, "activities", as_csv([row]))
    assert [r.action for r in report.context["check"].results] == ["unchanged"]

    row.update(repeats="fortnightly", days="Mon, wed", until="", not_on="", extra_dates="")
    report = upload(coordinator, "activities", as_csv([row]))
    assert report.context["check"].results[0].changes == ["dates"]
    with on_commit(execute=True):
        confirm(coordinator, "activities", report)
    schedule = Schedule.objects.get(activity=directory.knitting)
    assert schedule.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
    assert schedule.exdates == [] and schedule.rdates == []


def test_an_activity_with_several_schedules_keeps_them(
    coordinator: Client, directory: Directory
) -> None:
    weekly(directory.knitting, "TH", time(18), time(20), from_date=TODAY)
    (row,) = export(coordinator, "activities")
    assert all(row[name] == "" for name in ("start_date", "repeats", "days"))
    row["title"] = "Knit and Natter (two a week)"
    report = upload(coordinator, "activities", as_csv([row]))
    assert report.context["check"].results[0].changes == ["title"]
    confirm(coordinator, "activities", report)
    assert Schedule.objects.filter(activity=directory.knitting).count() == 2
    row.update(start_date="2026-04-01", start_time="10:00", end_time="11:00", repeats="once")
    report = upload(coordinator, "activities", as_csv([row]))
    assert [p[:2] for p in problems(report)] == [(2, "start_date")]
    assert "can only be changed on its page" in report.text


def test_a_one_off_and_a_custom_rule(coordinator: Client, directory: Directory) -> None:
    rows = [
        new_activity_row(title="Summer Fair", repeats="once", days="", start_date="01/08/2026"),
        new_activity_row(
            title="Second Wednesdays", repeats="custom", days="", rrule="FREQ=MONTHLY;BYDAY=2WE"
        ),
        new_activity_row(title="No Rule", repeats="custom", days="Monday"),
        new_activity_row(title="Every Day", repeats="daily"),
    ]
    report = upload(coordinator, "activities", as_csv(rows))
    assert [p[:2] for p in problems(report)] == [(4, "days"), (4, "rrule"), (5, "repeats")]
    confirm(coordinator, "activities", report, rows="valid")
    fair = Schedule.objects.get(activity__title="Summer Fair")
    assert (str(fair.start_date), fair.rrule) == ("2026-08-01", "")
    assert (
        Schedule.objects.get(activity__title="Second Wednesdays").rrule == "FREQ=MONTHLY;BYDAY=2WE"
    )


# --- The held upload -----------------------------------------------------------------------------


def test_a_tampered_or_foreign_upload_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    rows = [{"public_id": "", "name": "Bowls Club", "kind": "charity"}]
    report = upload(client, "organisations", as_csv(rows))
    token = token_of(report)
    response = client.post(
        f"{CSV_URL}organisations/import/", {"token": token[:-3] + "abc", "rows": "all"}
    )
    assert response.status_code == 302
    assert "upload it again" in client.get(response["Location"]).text
    # The token is bound to the sheet, the person and the area.
    response = client.post(f"{CSV_URL}venues/import/", {"token": token, "rows": "all"})
    assert response.status_code == 302
    client.logout()
    sign_in(client, personas.site_admin, area=personas.ashfield)
    response = client.post(f"{CSV_URL}organisations/import/", {"token": token, "rows": "all"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(name="Bowls Club").exists()


def test_an_upload_checked_over_an_hour_ago_must_be_uploaded_again(
    coordinator: Client, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspiring.directory.spreadsheets import importing

    report = upload(
        coordinator,
        "organisations",
        as_csv([{"public_id": "", "name": "Bowls Club", "kind": "charity"}]),
    )
    monkeypatch.setattr(importing, "HOLD_SECONDS", -1)
    response = confirm(coordinator, "organisations", report)
    assert "More than an hour has passed" in coordinator.get(response["Location"]).text
    assert not Organisation.objects.filter(name="Bowls Club").exists()


def test_a_change_to_the_directory_after_the_check_is_shown_before_importing(
    coordinator: Client, directory: Directory
) -> None:
    (row,) = export(coordinator, "organisations")
    row["email"] = "hello@kirkbyknit.org"
    report = upload(coordinator, "organisations", as_csv([row]))
    # Someone else makes the same change meanwhile: the row no longer changes anything.
    Organisation.objects.filter(pk=directory.knit.pk).update(email="hello@kirkbyknit.org")
    response = confirm(coordinator, "organisations", report)
    assert response.status_code == 200
    assert "The directory has changed since the file was checked" in response.text
    assert "Nothing would change" in response.text
    assert not AuditEntry.objects.filter(action="spreadsheet.imported").exists()


# --- Access and audit ----------------------------------------------------------------------------


PAGES = [
    "",
    "organisations/",
    "venues/template.csv",
    "activities/export.csv",
]


@pytest.mark.parametrize("who", ["partner_lead", "link_worker", "researcher", "commissioner"])
def test_only_coordinators_use_the_csv_pages(
    client: Client, personas: Personas, directory: Directory, who: str
) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    for page in PAGES:
        assert client.get(CSV_URL + page).status_code == 403, page
    assert client.post(f"{CSV_URL}organisations/import/", {}).status_code == 403
    content = as_csv([{"public_id": "", "name": "Sneaky", "kind": "charity"}])
    assert upload(client, "organisations", content).status_code == 403
    assert not Organisation.objects.filter(name="Sneaky").exists()


def test_another_areas_coordinator_sees_and_changes_only_their_area(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.mansfield_coordinator)
    assert [row["name"] for row in export(client, "organisations")] == ["Mansfield Walkers"]
    assert [row["title"] for row in export(client, "activities")] == ["Saturday Health Walk"]
    rows = [
        {
            "public_id": str(directory.knitting.public_id),
            "organisation": "Mansfield Walkers",
            "title": "Hijacked",
            "summary": "No.",
            "categories": "Walking",
            "online": "yes",
        }
    ]
    report = upload(client, "activities", as_csv(rows))
    assert [p[:2] for p in problems(report)] == [(2, "public_id")]
    assert "No activity in Inspiring Mansfield has this public_id" in report.text
    directory.knitting.refresh_from_db()
    assert directory.knitting.title == "Knit and Natter"


def test_an_unknown_sheet_is_404(coordinator: Client, directory: Directory) -> None:
    assert coordinator.get(f"{CSV_URL}clients/").status_code == 404
    assert coordinator.get(f"{CSV_URL}clients/export.csv").status_code == 404


def test_import_needs_a_post(coordinator: Client, directory: Directory) -> None:
    assert coordinator.get(f"{CSV_URL}organisations/import/").status_code == 405


def test_exports_are_audited(coordinator: Client, personas: Personas, directory: Directory) -> None:
    export(coordinator, "venues")
    entry = AuditEntry.objects.get(action="spreadsheet.exported")
    assert entry.actor == personas.coordinator
    assert entry.area == personas.ashfield
    assert entry.detail == {"kind": "venues", "rows": 1}
    coordinator.get(f"{CSV_URL}venues/template.csv")  # an empty template is not an export
    assert AuditEntry.objects.filter(action="spreadsheet.exported").count() == 1


def test_the_listings_page_links_to_the_csv_pages(
    coordinator: Client, directory: Directory
) -> None:
    assert f'href="{CSV_URL}"' in coordinator.get("/staff/listings/").text
    page = coordinator.get(CSV_URL).text
    assert f'href="{CSV_URL}activities/export.csv" download>Export' in page
    assert f'href="{CSV_URL}organisations/template.csv"' in page


def test_an_export_takes_the_same_queries_however_many_records(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    def queries(kind: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            export(coordinator, kind)
        return len(captured)

    before = {kind: queries(kind) for kind in SHEETS}
    for n in range(5):
        group = organisation(personas.ashfield, f"Group {n}")
        group.leads.add(personas.partner_lead)
        place = venue(group, f"Room {n}", "NG17 7AE")
        item = activity(group, f"Activity {n}", at=place, features=("outdoors",))
        weekly(item, "MO", time(10), time(11), from_date=TODAY)
    assert {kind: queries(kind) for kind in SHEETS} == before


def test_iterating_sheets_is_in_import_order() -> None:
    assert list(SHEETS) == ["organisations", "venues", "activities"]


def test_leads_and_areas_served_are_named(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    (row,) = export(coordinator, "organisations")
    row.update(leads="PRIYA@ashfield.test; liam@ashfield.test", areas_served="Mansfield; newark")
    report = upload(coordinator, "organisations", as_csv([row]))
    assert problems(report) == [
        (
            2,
            "areas_served",
            "There is no area called newark: use an area's name from the list on the upload page",
        ),
        (
            2,
            "leads",
            "There is no partner lead in your team with the email liam@ashfield.test: invite "
            "them to the team first, or take them out of this cell",
        ),
    ]
    row.update(leads="PRIYA@ashfield.test", areas_served="Mansfield; newark-and-sherwood")
    report = upload(coordinator, "organisations", as_csv([row]))
    assert report.context["check"].results[0].changes == ["areas_served"]
    confirm(coordinator, "organisations", report)
    assert set(directory.knit.areas_served.all()) == {personas.mansfield, personas.newark}
    assert list(directory.knit.leads.all()) == [personas.partner_lead]


def test_a_lead_who_left_the_team_is_not_exported_so_the_file_still_uploads(
    coordinator: Client, personas: Personas, directory: Directory
) -> None:
    Membership.objects.filter(user=personas.partner_lead, area=personas.ashfield).delete()
    (row,) = export(coordinator, "organisations")
    assert row["leads"] == ""
    report = upload(coordinator, "organisations", as_csv([row]))
    assert problems(report) == []
    # As in the web form, saving it drops the lead who is no longer in the team.
    row["description"] = "Knitting, crochet and a natter."
    confirm(coordinator, "organisations", upload(coordinator, "organisations", as_csv([row])))
    assert not directory.knit.leads.exists()


def test_venue_rows_are_held_to_the_venue_forms_rules(
    coordinator: Client, directory: Directory
) -> None:
    rows = [
        {
            "public_id": "",
            "organisation": "Kirkby Knit and Natter",
            "name": "Nowhere Hall",
            "address_line_1": "1 Road",
            "town": "Kirkby",
            "postcode": "NG99 9ZZ",
        },
        {
            "public_id": "",
            "organisation": "Nobody's Group",
            "name": "Somewhere Hall",
            "address_line_1": "",
            "town": "Kirkby",
            "postcode": "NG17",
        },
    ]
    report = upload(coordinator, "venues", as_csv(rows))
    found = problems(report)
    assert (2, "postcode", "We could not find the postcode NG99 9ZZ") in [
        (row, column, message.split(".")[0]) for row, column, message in found
    ]
    assert [p[:2] for p in found if p[0] == 3] == [
        (3, "organisation"),
        (3, "address_line_1"),
        (3, "postcode"),
    ]
    assert "There is no organisation called Nobody's Group in Inspiring Ashfield" in found[1][2]
    assert not Venue.objects.filter(name__endswith="where Hall").exists()


def test_monthly_days_are_written_in_words_or_codes(
    coordinator: Client, directory: Directory
) -> None:
    rows = [
        new_activity_row(title="First Mondays", repeats="Monthly", days="1st monday"),
        new_activity_row(title="Last Fridays", repeats="monthly", days="-1FR"),
        new_activity_row(title="Mon and Thu", repeats="every other week", days="MO; thu"),
    ]
    report = upload(coordinator, "activities", as_csv(rows))
    assert report.context["check"].problems == []
    confirm(coordinator, "activities", report)
    rules = dict(Schedule.objects.values_list("activity__title", "rrule"))
    assert rules["First Mondays"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert rules["Last Fridays"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert rules["Mon and Thu"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"


@pytest.mark.parametrize(
    "content",
    [
        b"sep=;\r\npublic_id;name;kind\r\n;Bowls Club;charity\r\n",
        "public_id\tname\tkind\r\n\tBowls Club\tcharity\r\n".encode("utf-16"),
    ],
)
def test_excels_other_csv_flavours_are_understood(
    coordinator: Client, directory: Directory, content: bytes
) -> None:
    report = upload(coordinator, "organisations", content)
    check = report.context["check"]
    assert check.problems == []
    assert [(r.number, r.label, r.action) for r in check.results] == [(2, "Bowls Club", "new")]


def test_a_windows_1252_file_shows_its_first_rows_as_read(
    coordinator: Client, directory: Directory
) -> None:
    text = (
        "public_id,name,kind,description\r\n,Café Club,charity,Tea for £1\r\n"
        ",Plain Club,charity,Tea\r\n"
    )
    report = upload(coordinator, "organisations", text.encode("cp1252"))
    columns, rows = report.context["check"].first_rows_as_read()
    assert columns == ["name", "description"]  # the columns with accents or £ in them
    assert [row.cells["name"] for row in rows] == ["Café Club", "Plain Club"]
    html = report.text
    assert "The first 2 rows as read" in html
    assert '<td class="nhsuk-table__cell">Café Club</td>' in html
    assert '<td class="nhsuk-table__cell">Tea for £1</td>' in html


def test_a_value_not_in_a_list_names_the_column_the_value_and_what_it_may_be(
    rf: Any, personas: Personas, directory: Directory
) -> None:
    # Whatever path brings Django's "Select a valid choice" to a row, the coordinator sees the
    # column, the cell and the values allowed instead.
    request = rf.get("/")
    request.user = personas.coordinator
    request.session = {}
    sheet = SHEETS["activities"](request)
    form = ScheduleForm({"frequency": "hourly", "start_date": "2026-03-06"})
    assert not form.is_valid() and "Select a valid choice" in str(form.errors["frequency"])
    result = RowResult(2)
    sheet.form_problems(
        form, result, SCHEDULE_FIELD_COLUMNS, row=Row(2, {"repeats": " every hour "})
    )
    messages = {p.column: p.message for p in result.problems}
    assert messages["repeats"].startswith(
        "The repeats column cannot be “every hour”: enter one of once; weekly;"
    )
    assert not any("Select a valid choice" in m for m in messages.values())
    venue_form = ActivityForm(
        {"venue": "999999"}, venues=Venue.objects.filter(pk=directory.hall.pk)
    )
    venue_form.is_valid()
    result = RowResult(3)
    sheet.form_problems(venue_form, result, row=Row(3, {"venue": "The Moon"}))
    venue_message = {p.column: p.message for p in result.problems}["venue"]
    assert venue_message == (
        "The venue column cannot be “The Moon”: enter one of Kirkby Community Hall, "
        "Kirkby-in-Ashfield"
    )


# --- Booking a place: public_booking, waiting_list and the schedule's places ----------------------


def test_booking_settings_are_exported_and_imported(
    coordinator: Client, directory: Directory, on_commit: Any, frozen_today: None
) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(public_booking=True)
    Schedule.objects.filter(activity=directory.knitting).update(places=8)
    (row,) = export(coordinator, "activities")
    assert (row["public_booking"], row["waiting_list"], row["places"]) == ("yes", "yes", "8")

    row.update(public_booking="no", waiting_list="No", places=" 12 ")
    report = upload(coordinator, "activities", as_csv([row]))
    (result,) = report.context["check"].results
    assert problems(report) == []
    assert result.changes == ["public_booking", "waiting_list", "places"]  # not "dates"
    with on_commit(execute=True):
        confirm(coordinator, "activities", report)
    directory.knitting.refresh_from_db()
    assert (directory.knitting.public_booking, directory.knitting.waiting_list) == (False, False)
    assert Schedule.objects.get(activity=directory.knitting).places == 12
    upcoming = Session.objects.filter(activity=directory.knitting, occurrence_date__gte=TODAY)
    assert upcoming.exists() and {s.places for s in upcoming} == {12}

    # An empty places cell: places are not booked here any more.
    row.update(places="")
    with on_commit(execute=True):
        confirm(coordinator, "activities", upload(coordinator, "activities", as_csv([row])))
    assert Schedule.objects.get(activity=directory.knitting).places is None
    assert not upcoming.filter(places__isnull=False).exists()
    (again,) = export(coordinator, "activities")
    assert (again["public_booking"], again["waiting_list"], again["places"]) == ("no", "no", "")


def test_a_new_activity_takes_bookings_from_its_row(
    coordinator: Client, directory: Directory, on_commit: Any, frozen_today: None
) -> None:
    row = new_activity_row(public_booking="yes", waiting_list="no", places="20")
    report = upload(coordinator, "activities", as_csv([row]))
    assert problems(report) == []
    with on_commit(execute=True):
        confirm(coordinator, "activities", report)
    film = Activity.objects.get(title="Friday Film Club")
    assert (film.public_booking, film.waiting_list) == (True, False)
    assert film.schedules.get().places == 20
    assert {s.places for s in Session.objects.filter(activity=film)} == {20}


def test_bad_booking_values_are_row_problems_and_nothing_is_written(
    coordinator: Client, directory: Directory
) -> None:
    (knitting,) = export(coordinator, "activities")
    rows = [
        {**knitting, "title": "Knit and Natter, booked", "places": "10", "public_booking": "yes"},
        new_activity_row(title="Minus", places="-3"),
        new_activity_row(title="Lots", places="lots"),
        new_activity_row(title="Huge", places="50000"),
        new_activity_row(title="Half", places="2.5"),
        new_activity_row(title="Maybe", public_booking="maybe", waiting_list="sometimes"),
        new_activity_row(
            title="No dates", places="6", **dict.fromkeys(("start_date", "start_time"), "")
        ),
    ]
    rows[-1].update(end_time="", repeats="", days="")
    report = upload(coordinator, "activities", as_csv(rows))
    found = problems(report)
    assert (3, "places", "Enter 1 or more places, or leave it empty") in found
    assert (4, "places", "Enter the number of places as a whole number, like 12") in found
    assert (5, "places", "Enter at most 5,000 places") in found
    assert (6, "places", "Enter the number of places as a whole number, like 12") in found
    assert (7, "public_booking", "Enter yes or no") in found
    assert (7, "waiting_list", "Enter yes or no") in found
    assert any(p[:2] == (8, "places") and "enter the activity's dates too" in p[2] for p in found)
    assert not any(p[0] == 2 for p in found)
    assert "Row 3, column places: Enter 1 or more places, or leave it empty" in report.text
    # A file with errors writes nothing, not even its good row.
    refused = confirm(coordinator, "activities", report, rows="all")
    assert refused.status_code == 200 and "nothing was imported" in refused.text
    directory.knitting.refresh_from_db()
    assert directory.knitting.title == "Knit and Natter" and not directory.knitting.public_booking
    assert Schedule.objects.get(activity=directory.knitting).places is None
    assert Activity.objects.count() == 3


def test_a_file_without_the_booking_columns_keeps_them(
    coordinator: Client, directory: Directory
) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(public_booking=True)
    Schedule.objects.filter(activity=directory.knitting).update(places=8)
    (row,) = export(coordinator, "activities")
    for name in ("public_booking", "waiting_list", "places"):
        del row[name]
    row["title"] = "Knit and Natter (Tuesdays)"
    report = upload(coordinator, "activities", as_csv([row]))
    assert report.context["check"].results[0].changes == ["title"]
    assert {"public_booking", "waiting_list", "places"} <= set(report.context["check"].left_out)
    confirm(coordinator, "activities", report)
    directory.knitting.refresh_from_db()
    assert directory.knitting.public_booking and directory.knitting.waiting_list
    assert Schedule.objects.get(activity=directory.knitting).places == 8


def test_places_of_an_activity_with_several_schedules_are_changed_on_its_page(
    coordinator: Client, directory: Directory
) -> None:
    weekly(directory.knitting, "TH", time(18), time(20), from_date=TODAY)
    Schedule.objects.filter(activity=directory.knitting).update(places=8)
    (row,) = export(coordinator, "activities")
    assert row["places"] == ""  # as its dates: the page is the place for them
    report = upload(coordinator, "activities", as_csv([row]))
    assert [r.action for r in report.context["check"].results] == ["unchanged"]
    row["places"] = "10"
    report = upload(coordinator, "activities", as_csv([row]))
    assert [p[:2] for p in problems(report)] == [(2, "places")]
    assert "places can only be changed on its page" in report.text
    assert set(
        Schedule.objects.filter(activity=directory.knitting).values_list("places", flat=True)
    ) == {8}
