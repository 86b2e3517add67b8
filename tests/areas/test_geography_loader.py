"""load_geography: the shipped files, other files of the same shape, bad files, idempotence."""

from __future__ import annotations

import gzip
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from inspiring.areas.loading import load_geography
from inspiring.areas.models import LSOA, District, GeographyLoad, Postcode

DATA = Path(settings.GEOGRAPHY_DATA_DIR)
SHIPPED: dict[str, Any] = {
    "postcodes": DATA / "onspd_nov2025_ashfield_mansfield_newark.csv",
    "centroids": DATA / "lsoa11_pwc_nottinghamshire.csv",
    "imd": DATA / "imd2019_file1_nottinghamshire.csv",
}
# The national deprivation file (MHCLG's File 1, gzipped, 516 kB) is not shipped: the
# check that it loads runs only when a developer points this at a copy. The suite
# itself reads nothing outside the checkout.
GEDLING = DATA / "onspd_nov2025_gedling.csv"
ENGLAND_IMD = Path(os.environ.get("INSPIRING_ENGLAND_IMD", "/nonexistent"))

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_geography", *args, stdout=out)
    return out.getvalue()


def test_the_shipped_files_are_loaded_for_the_four_districts() -> None:
    # Loaded once for the whole test run by conftest.django_db_setup: both postcode files.
    assert Postcode.objects.count() == 10_987 + 3_565
    assert set(Postcode.objects.values_list("district_code", flat=True).distinct()) == {
        "E07000170",
        "E07000174",
        "E07000175",
        "E07000173",  # Gedling: onspd_nov2025_gedling.csv
    }
    assert Postcode.objects.filter(district_code="E07000173").count() == 3_565
    assert LSOA.objects.count() == 679
    assert District.objects.get(code="E07000175").name == "Newark and Sherwood"
    assert not Postcode.objects.filter(lsoa__isnull=True).exists()
    assert LSOA.objects.filter(imd_decile__isnull=True).count() == 0


def test_a_decile_matches_the_published_file() -> None:
    # First data line of the shipped File 1: E01013810, Nottingham 018A, decile 1.
    lsoa = LSOA.objects.get(code="E01013810")
    assert (lsoa.name, lsoa.imd_rank, lsoa.imd_decile) == ("Nottingham 018A", 1767, 1)


def test_running_it_again_changes_nothing() -> None:
    before = list(Postcode.objects.order_by("pk").values_list())
    assert "nothing to do" in run()
    report = load_geography(**SHIPPED, force=True)
    assert not report.changed
    assert report.postcodes.unchanged == 10_987
    assert report.lsoas.unchanged == 679
    assert list(Postcode.objects.order_by("pk").values_list()) == before


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_several_postcode_files_load_as_one(tmp_path: Path) -> None:
    first = _write(tmp_path / "first.csv", "pcd,laua,lat,long\nZZ1 1AA,E07000170,53.1,-1.25\n")
    second = _write(
        tmp_path / "second.csv",
        "pcd,laua,lat,long\nZZ1 1AB,E07000173,52.98,-1.04\nZZ1 1AA,E07000170,53.2,-1.25\n",
    )
    files = ["--centroids", str(SHIPPED["centroids"]), "--imd", str(SHIPPED["imd"])]
    out = run("--postcodes", str(first), "--postcodes", str(second), *files)
    assert "Postcodes: 2 created" in out
    assert "Skipped 1: duplicate postcode" in out  # the first file's is kept
    assert Postcode.objects.get(postcode="ZZ1 1AA").latitude == 53.1
    assert Postcode.objects.get(postcode="ZZ1 1AB").district_code == "E07000173"
    assert "nothing to do" in run("--postcodes", str(first), "--postcodes", str(second), *files)
    # Another file in the list is another load.
    assert "nothing to do" not in run("--postcodes", str(first), *files)


def test_both_shipped_postcode_files_are_the_default() -> None:
    report = load_geography(
        postcodes=[DATA / "onspd_nov2025_ashfield_mansfield_newark.csv", GEDLING],
        centroids=SHIPPED["centroids"],
        imd=SHIPPED["imd"],
        force=True,
    )
    assert report.postcodes.unchanged == 10_987 + 3_565 and not report.changed


ONSPD_HEADER = "pcd,pcds,doterm,oslaua,lat,long,lsoa11\n"


def test_the_full_onspd_layout_uses_its_lsoa_column_and_skips_what_it_cannot_use(
    tmp_path: Path,
) -> None:
    postcodes = _write(
        tmp_path / "ONSPD_NOV_2025_UK.csv",
        ONSPD_HEADER
        # In the file's LSOA: not approximate.
        + "ZZ1 1AA,ZZ1 1AA,,E07000170,53.1,-1.25,E01013810\n"
        # No LSOA column value: nearest centroid, approximate.
        + "ZZ1 1AB,ZZ1 1AB,,E07000170,53.1,-1.25,\n"
        # Terminated, no grid reference (ONSPD's 99.999999), malformed, another district.
        + "ZZ1 1AD,ZZ1 1AD,201901,E07000170,53.1,-1.25,E01013810\n"
        + "ZZ1 1AE,ZZ1 1AE,,E07000170,99.999999,0.000000,\n"
        + "NOT A POSTCODE,,,E07000170,53.1,-1.25,\n"
        + "ZZ1 1AF,ZZ1 1AF,,E09000001,51.5,-0.1,\n",
    )
    report = load_geography(
        postcodes=postcodes,
        centroids=SHIPPED["centroids"],
        imd=SHIPPED["imd"],
        districts={"E07000170"},
    )
    exact = Postcode.objects.get(postcode="ZZ1 1AA")
    assert exact.lsoa is not None and exact.lsoa.code == "E01013810"
    assert exact.lsoa_approximate is False
    assert Postcode.objects.get(postcode="ZZ1 1AB").lsoa_approximate is True
    assert not Postcode.objects.filter(postcode__in=["ZZ1 1AD", "ZZ1 1AE", "ZZ1 1AF"]).exists()
    assert report.skipped["terminated postcode"] == 1
    assert report.skipped["no coordinates"] == 1
    assert report.skipped["malformed postcode"] == 1
    assert report.skipped_lines["malformed postcode"] == [6]
    assert report.skipped["outside the chosen districts"] == 1
    # Loading another file keeps the postcodes already there.
    assert Postcode.objects.filter(district_code="E07000174").count() == 3_421


def test_a_changed_coordinate_is_updated(tmp_path: Path) -> None:
    original = Postcode.objects.get(postcode="NG18 1AA")
    postcodes = _write(
        tmp_path / "one.csv",
        "pcd,laua,lat_derived,long_derived\n"
        f"NG181AA,E07000174,{original.latitude + 0.001},{original.longitude}\n",
    )
    report = load_geography(postcodes=postcodes, centroids=SHIPPED["centroids"], imd=SHIPPED["imd"])
    assert (report.postcodes.created, report.postcodes.updated) == (0, 1)
    original.refresh_from_db()
    assert original.latitude == pytest.approx(53.14, abs=0.02)


@pytest.mark.skipif(
    not ENGLAND_IMD.is_file(),
    reason="set INSPIRING_ENGLAND_IMD to the national IMD 2019 File 1 (.csv.gz) to run",
)
def test_the_gzipped_national_deprivation_file_loads_the_same_deciles() -> None:
    before = dict(LSOA.objects.values_list("code", "imd_decile"))
    report = load_geography(
        postcodes=SHIPPED["postcodes"], centroids=SHIPPED["centroids"], imd=ENGLAND_IMD
    )
    assert dict(LSOA.objects.values_list("code", "imd_decile")) == before
    # England has 32,844 LSOAs; only the 679 with a centroid here are stored.
    assert report.skipped["LSOA with deprivation data but no centroid"] == 32_844 - 679
    assert District.objects.count() > 300


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "postcodes.csv",
            "code,district,lat,long\nNG18 1AA,E07000174,53,-1\n",
            "no postcode column",
        ),
        ("postcodes.csv", "", "the file is empty"),
        ("postcodes.csv", None, "not a readable CSV file"),
        ("postcodes.csv.gz", b"this is not gzip", "not a readable CSV file"),
    ],
)
def test_a_bad_postcode_file_loads_nothing_and_says_why(
    tmp_path: Path, filename: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / filename
    if content is None:
        path.write_bytes(b"pcd,laua,lat,long\n\xff\xfe\x00garbage\n")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    count = Postcode.objects.count()
    loads = GeographyLoad.objects.count()
    with pytest.raises(CommandError) as error:
        run("--postcodes", str(path))
    assert message in str(error.value)
    assert str(error.value).startswith("Nothing was loaded")
    assert Postcode.objects.count() == count
    assert GeographyLoad.objects.count() == loads


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="file not found"):
        run("--imd", str(tmp_path / "missing.csv"))


def test_an_impossible_decile_stops_the_load_before_anything_is_written(tmp_path: Path) -> None:
    text = SHIPPED["imd"].read_text(encoding="utf-8-sig").splitlines()
    # Turn the first LSOA's decile (last column) into 11.
    text[1] = text[1].rsplit(",", 1)[0] + ",11"
    imd = _write(tmp_path / "imd.csv", "\n".join(text) + "\n")
    decile = LSOA.objects.get(code="E01013810").imd_decile
    with pytest.raises(CommandError, match="IMD decile 11 is not between 1 and 10"):
        run("--imd", str(imd), "--force")
    assert LSOA.objects.get(code="E01013810").imd_decile == decile


def test_centroids_in_grid_metres_are_refused(tmp_path: Path) -> None:
    centroids = _write(
        tmp_path / "pwc.csv", "X,Y,lsoa11cd,lsoa11nm\n452000,360000,E01013810,Somewhere\n"
    )
    with pytest.raises(CommandError, match="British National Grid"):
        run("--centroids", str(centroids), "--force")


def test_gzipped_postcodes_load_too(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("pcds,laua,lat,long\nZZ9 9ZZ,E07000175,53.07,-0.81\n")
    run("--postcodes", str(path))
    assert Postcode.objects.get(postcode="ZZ9 9ZZ").district_code == "E07000175"


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    text = SHIPPED["imd"].read_text(encoding="utf-8-sig").splitlines()
    text[3] = "E01013812,Nottingham 018C"
    imd = _write(tmp_path / "imd.csv", "\n".join(text) + "\n")
    with pytest.raises(CommandError, match="line 4: no district code"):
        run("--imd", str(imd), "--force")


def test_an_lsoa_centroid_without_a_code_is_refused(tmp_path: Path) -> None:
    centroids = _write(tmp_path / "pwc.csv", "X,Y,lsoa11cd,lsoa11nm\n-1.2,53.1,,Somewhere\n")
    with pytest.raises(CommandError, match="line 2: no LSOA code"):
        run("--centroids", str(centroids), "--force")


def test_a_postcode_terminated_in_a_later_file_is_removed(tmp_path: Path) -> None:
    assert Postcode.objects.filter(postcode="NG18 1AA").exists()
    postcodes = _write(
        tmp_path / "later.csv",
        ONSPD_HEADER + "NG181AA,NG18 1AA,202601,E07000174,53.14,-1.2,\n",
    )
    report = load_geography(postcodes=postcodes, centroids=SHIPPED["centroids"], imd=SHIPPED["imd"])
    assert report.postcodes.removed == 1
    assert not Postcode.objects.filter(postcode="NG18 1AA").exists()
