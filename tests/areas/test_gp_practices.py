"""load_gp_practices: the invented demo files in the NHS's layouts, what each file fills,
idempotence, and bad files that change nothing."""

from __future__ import annotations

import zipfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from inspiring.areas import figures
from inspiring.areas.models import GPPractice
from inspiring.areas.practices import PracticeFileError, load_gp_practices, tidy_name
from tests.personas import Personas

pytestmark = pytest.mark.django_db

GP = Path(settings.BASE_DIR) / "data" / "gp"
EPRACCUR = GP / "epraccur_demo.csv"
EPCN = GP / "epcn_demo.csv"
LIST_SIZES = GP / "gp_registered_patients_demo.csv"
ALL_FILES = (str(EPRACCUR), "--pcns", str(EPCN), "--list-sizes", str(LIST_SIZES))


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_gp_practices", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    return list(GPPractice.objects.order_by("code").values_list())


def _epraccur_row(
    code: str, name: str, postcode: str, status: str = "A", setting: str = "4"
) -> str:
    cells = [""] * 27
    cells[0], cells[1], cells[9], cells[12], cells[25] = code, name, postcode, status, setting
    return ",".join(f'"{cell}"' for cell in cells) + "\r\n"


def test_the_demo_files_load_the_practices_of_the_three_districts() -> None:
    output = run(*ALL_FILES)
    assert "GP practices: 20 created, 0 updated, 0 unchanged" in output
    # The out-of-hours service and the community team are not GP practices.
    assert "Skipped 2 rows that are not GP practices" in output
    assert "1 of setting 2, 1 of setting 9" in output
    assert "1 practice with a postcode outside the loaded postcodes" in output
    for district in ("E07000170", "E07000174", "E07000175"):
        open_ones = GPPractice.objects.filter(district_code=district, status="active")
        assert open_ones.count() == 6
    # The Nottingham practice's postcode is not among the loaded ones: on no list.
    assert GPPractice.objects.get(code="Y90031").district_code == ""
    practice = GPPractice.objects.get(code="Y90001")
    assert (practice.name, practice.postcode, practice.district_code) == (
        "Kirkby Example Surgery",
        "NG17 7ED",
        "E07000170",
    )


def test_each_practice_gets_its_current_pcn_and_list_size() -> None:
    output = run(*ALL_FILES)
    practice = GPPractice.objects.get(code="Y90005")
    assert (practice.pcn_code, practice.pcn_name) == ("U99002", "Ashfield South Example PCN")
    assert (practice.list_size, practice.list_size_on) == (14310, date(2025, 11, 1))
    # Moved from South to North in 2023: the open relationship wins.
    assert GPPractice.objects.get(code="Y90003").pcn_code == "U99001"
    assert "Primary care networks: 20 practices in one" in output
    assert "List sizes as at 1 November 2025: 19 practices; 1 practice in the file" in output
    sizes = GPPractice.objects.filter(list_size__isnull=False).values_list("list_size", flat=True)
    assert all(size is not None and 3_000 <= size <= 15_000 for size in sizes)


def test_a_closed_practice_is_loaded_with_its_status_but_is_on_no_list(
    personas: Personas,
) -> None:
    run(*ALL_FILES)
    closed = GPPractice.objects.get(code="Y90007")
    assert (closed.status, closed.district_code) == ("closed", "E07000170")
    # Its PCN is the one it left when it closed; it has no list size any more.
    assert (closed.pcn_code, closed.list_size) == ("U99002", None)
    offered = [p.code for p in figures.practices([personas.ashfield.pk])]
    assert "Y90007" not in offered
    assert offered == sorted(offered, key=lambda code: GPPractice.objects.get(code=code).name)
    assert len(offered) == 6


def test_running_it_again_changes_nothing() -> None:
    run(*ALL_FILES)
    before = snapshot()
    output = run(*ALL_FILES)
    assert "GP practices: 0 created, 0 updated, 20 unchanged" in output
    assert "nothing changed" in output
    assert snapshot() == before


def test_a_file_not_given_leaves_its_fields_alone_and_a_file_given_is_the_whole_truth(
    tmp_path: Path,
) -> None:
    run(*ALL_FILES)
    run(str(EPRACCUR))
    assert GPPractice.objects.get(code="Y90001").pcn_code == "U99001"
    assert GPPractice.objects.get(code="Y90001").list_size == 8412
    # A PCN file without Y90001: it is in no network now.
    lines = EPCN.read_text(encoding="utf-8").splitlines(keepends=True)
    fewer = tmp_path / "epcn.csv"
    fewer.write_text("".join(line for line in lines if not line.startswith("Y90001,")))
    report = load_gp_practices(epraccur=EPRACCUR, pcns=fewer)
    assert (report.updated, GPPractice.objects.get(code="Y90001").pcn_code) == (1, "")


def test_the_headerless_epcn_report_and_a_zipped_epraccur_load_the_same(tmp_path: Path) -> None:
    headerless = tmp_path / "epcncorepartnerdetails.csv"
    headerless.write_text("".join(EPCN.read_text(encoding="utf-8").splitlines(True)[1:]))
    archive = tmp_path / "epraccur.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(EPRACCUR, "epraccur.csv")
    report = load_gp_practices(epraccur=archive, pcns=headerless)
    assert (report.created, report.with_pcn) == (20, 20)
    assert GPPractice.objects.get(code="Y90003").pcn_name == "Ashfield North Example PCN"


def test_only_the_gp_rows_for_all_sexes_and_ages_give_the_list_size(tmp_path: Path) -> None:
    sizes = tmp_path / "gp-reg-pat-prac-all.csv"
    sizes.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,"
        "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,2025-12-01,GP,52R,E38000243,Y90001,NG17 7ED,MALE,ALL,4000\n"
        "GP_PRAC_PAT_LIST,2025-12-01,GP,52R,E38000243,Y90001,NG17 7ED,ALL,0_4,300\n"
        "GP_PRAC_PAT_LIST,2025-12-01,PCN,52R,E38000243,Y90001,,ALL,ALL,99999\n"
        'GP_PRAC_PAT_LIST,2025-12-01,GP,52R,E38000243,Y90001,NG17 7ED,ALL,ALL,"8,500"\n'
    )
    load_gp_practices(epraccur=EPRACCUR, list_sizes=sizes)
    practice = GPPractice.objects.get(code="Y90001")
    assert (practice.list_size, practice.list_size_on) == (8500, date(2025, 12, 1))
    assert GPPractice.objects.get(code="Y90002").list_size is None


def test_status_codes_become_the_practices_status(tmp_path: Path) -> None:
    epraccur = tmp_path / "epraccur.csv"
    epraccur.write_text(
        _epraccur_row("Y90041", "DORMANT EXAMPLE SURGERY", "NG17 7ED", "D")
        + _epraccur_row("Y90042", "PROPOSED EXAMPLE SURGERY", "ng177ed", "P")
        + _epraccur_row("Y90043", "Dr Example's Practice", "NOT A POSTCODE")
    )
    load_gp_practices(epraccur=epraccur)
    statuses = dict(GPPractice.objects.values_list("code", "status"))
    assert statuses == {"Y90041": "dormant", "Y90042": "proposed", "Y90043": "active"}
    # The postcode in its canonical form finds the district; a name with small letters
    # is kept as written; a malformed postcode is left out.
    assert GPPractice.objects.get(code="Y90042").district_code == "E07000170"
    assert GPPractice.objects.get(code="Y90043").name == "Dr Example's Practice"
    assert GPPractice.objects.get(code="Y90043").postcode == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("", "the file is empty"),
        ('"Y90001","KIRKBY EXAMPLE SURGERY","Y60"\r\n', "3 columns, not the 27"),
        (_epraccur_row("Y90001", "KIRKBY EXAMPLE SURGERY", "NG17 7ED", "X"), "status code 'X'"),
        (_epraccur_row("Y90001", "", "NG17 7ED"), "no name for Y90001"),
        ('"Y90001,"broken\r\n', "not readable as CSV"),
    ],
)
def test_a_bad_epraccur_file_is_refused_in_one_line_and_changes_nothing(
    tmp_path: Path, content: str | None, message: str
) -> None:
    run(*ALL_FILES)
    before = snapshot()
    epraccur = tmp_path / "epraccur.csv"
    if content is not None:
        epraccur.write_text(content)
    with pytest.raises(CommandError, match=message) as refused:
        run(str(epraccur))
    assert str(refused.value).startswith("Nothing was loaded: ")
    assert "\n" not in str(refused.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--pcns", "Partner Organisation Code,Partner Name\nY90001,X\n", "no PCN_CODE"),
        (
            "--pcns",
            "Y90001,KIRKBY,52R,ICB,U99001,PCN,52R,ICB,yesterday,\n",
            "'yesterday' is not a date",
        ),
        ("--list-sizes", "CODE,NUMBER_OF_PATIENTS\nY90001,10\n", "no EXTRACT_DATE, SEX, AGE"),
        (
            "--list-sizes",
            "EXTRACT_DATE,TYPE,CODE,SEX,AGE,NUMBER_OF_PATIENTS\n01NOV2025,GP,Y90001,ALL,ALL,many\n",
            "'many' is not a number of patients",
        ),
        ("--list-sizes", "PK\x03\x04 a broken workbook", "spreadsheet workbook"),
    ],
)
def test_a_bad_pcn_or_list_size_file_changes_nothing_at_all(
    tmp_path: Path, option: str, content: str, message: str
) -> None:
    """The epraccur file is good and has a change in it; the other file is not: nothing,
    not even the good file's change, is written."""
    run(*ALL_FILES)
    before = snapshot()
    renamed = tmp_path / "epraccur.csv"
    renamed.write_text(
        EPRACCUR.read_text(encoding="utf-8").replace("KIRKBY EXAMPLE SURGERY", "NEW NAME")
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(CommandError, match=message):
        run(str(renamed), option, str(bad))
    assert snapshot() == before


def test_a_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    old = tmp_path / "ePCN.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 an old Excel workbook")
    with pytest.raises(PracticeFileError, match="spreadsheet workbook"):
        load_gp_practices(epraccur=EPRACCUR, pcns=old)
    workbook = tmp_path / "ePCN.xlsx"
    with zipfile.ZipFile(workbook, "w") as zipped:
        zipped.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(PracticeFileError, match="PCN Core Partner Details sheet"):
        load_gp_practices(epraccur=EPRACCUR, pcns=workbook)
    assert not GPPractice.objects.exists()


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("KINGSWAY SURGERY", "Kingsway Surgery"),
        ("DR SMITH'S PRACTICE", "Dr Smith's Practice"),
        ("KIRKBY-IN-ASHFIELD NHS HEALTH CENTRE", "Kirkby-In-Ashfield NHS Health Centre"),
        ("ST. ANN'S  PCN", "St. Ann's PCN"),
        ("The Densham Surgery", "The Densham Surgery"),
    ],
)
def test_names_in_capitals_are_given_ordinary_capitals(published: str, shown: str) -> None:
    assert tidy_name(published) == shown
