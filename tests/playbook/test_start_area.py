"""Starting a new area from another (issue 18, item 1): what is copied and what never
is, idempotence and refusals, the start_area command (its output and exit codes, the
district's postcodes), and the site administrator's page."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as Browser
from django.urls import reverse

from inspiring.accounts.models import AuditEntry, Invitation, Membership
from inspiring.areas.geography import UnknownPostcode, area_for_place, resolve_postcode
from inspiring.areas.models import Area, Postcode
from inspiring.casework.models import Client
from inspiring.directory.models import Activity, Organisation
from inspiring.matching.models import BarrierRule
from inspiring.playbook.defaults import ensure_stages
from inspiring.playbook.models import Stage, Task
from inspiring.playbook.starting import Started, StartRefused, area_name_from, start_area
from inspiring.surveys.models import Response, Survey
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

GEDLING = "E07000173"
# A Gedling postcode from data/geography/onspd_nov2025_gedling.csv (Burton Joyce).
GEDLING_POSTCODE = "NG14 5AA"
PAGE = "/staff/areas/new/"


def start_gedling(personas: Personas, **changes: object) -> Started:
    details: dict[str, object] = {
        "name": "Gedling",
        "programme_name": "Inspiring Gedling",
        "slug": "gedling",
        "districts": GEDLING,
        "lead_organisation": "Gedling Council for Voluntary Service",
        "source": personas.ashfield,
        "by": personas.site_admin,
    }
    details.update(changes)
    return start_area(**details)  # type: ignore[arg-type]


def counts() -> dict[str, int]:
    return {
        "areas": Area.objects.count(),
        "stages": Stage.objects.count(),
        "tasks": Task.objects.count(),
        "rules": BarrierRule.objects.count(),
        "surveys": Survey.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def ashfield_in_use(personas: Personas) -> Area:
    """Ashfield as a running programme: adapted playbook, its own barrier table, a
    partner with an activity, a client, its team and an invitation out."""
    ashfield = personas.ashfield
    ensure_stages(ashfield)
    adapted = Task.objects.filter(stage__area=ashfield).order_by("pk").first()
    assert adapted is not None
    adapted.title = "Run the community survey, with the libraries"
    adapted.owner = personas.coordinator
    adapted.done_on = adapted.updated_at.date()
    adapted.done_by = personas.coordinator
    adapted.save()
    BarrierRule.objects.bulk_create(
        [
            BarrierRule(area=ashfield, barrier="cost", feature="free"),
            BarrierRule(area=ashfield, barrier="travel", feature="transport-offered"),
            BarrierRule(area=ashfield, barrier="social_anxiety", feature=""),
        ]
    )
    group = organisation(ashfield, "Kirkby Walking Group")
    activity(group, "Health walk", at=None)
    make_client(ashfield, worker=personas.link_worker)
    Invitation.objects.create(
        area=ashfield,
        email="new.worker@example.org",
        role="link_worker",
        invited_by=personas.coordinator,
    )
    return ashfield


# --- What is copied --------------------------------------------------------------------


def test_a_new_area_copies_the_playbook_and_barrier_table_and_gets_a_draft_survey(
    personas: Personas, ashfield_in_use: Area
) -> None:
    started = start_gedling(personas)

    gedling = Area.objects.get(slug="gedling")
    assert started.created and started.area == gedling and started.source == ashfield_in_use
    assert (gedling.name, gedling.programme_name, gedling.local_authority_code) == (
        "Gedling",
        "Inspiring Gedling",
        GEDLING,
    )
    # The playbook as adapted in Ashfield, without Ashfield's owners or what it did.
    theirs = list(
        Task.objects.filter(stage__area=ashfield_in_use).values_list(
            "stage__code", "title", "detail", "evidence", "rule", "target", "order"
        )
    )
    ours = list(
        Task.objects.filter(stage__area=gedling).values_list(
            "stage__code", "title", "detail", "evidence", "rule", "target", "order"
        )
    )
    assert ours == theirs and started.tasks == len(ours) > 0
    assert "Run the community survey, with the libraries" in [t[1] for t in ours]
    assert not Task.objects.filter(stage__area=gedling, owner__isnull=False).exists()
    assert not Task.objects.filter(stage__area=gedling, done_on__isnull=False).exists()
    assert started.stages == Stage.objects.filter(area=gedling).count() == 4
    # The barrier table, a barrier set to answer nothing included.
    assert set(BarrierRule.objects.filter(area=gedling).values_list("barrier", "feature")) == {
        ("cost", "free"),
        ("travel", "transport-offered"),
        ("social_anxiety", ""),
    }
    assert started.barrier_rules == 3
    # A draft community survey from the template, ready to open.
    survey = Survey.objects.get(area=gedling)
    assert survey.status == Survey.Status.DRAFT and started.survey == survey
    assert survey.sections.exists() and survey.categories.exists()
    assert not Response.objects.filter(survey=survey).exists()
    # The district's postcodes (shipped) are there.
    assert started.postcodes == Postcode.objects.filter(district_code=GEDLING).count() > 3000


def test_a_new_area_never_gets_partners_activities_clients_or_people(
    personas: Personas, ashfield_in_use: Area
) -> None:
    before = {
        "organisations": Organisation.objects.count(),
        "activities": Activity.objects.count(),
        "clients": Client.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
    }
    start_gedling(personas)
    gedling = Area.objects.get(slug="gedling")
    assert not Organisation.objects.filter(home_area=gedling).exists()
    assert not Activity.objects.filter(home_area=gedling).exists()
    assert not Client.objects.filter(area=gedling).exists()
    assert not Membership.objects.filter(area=gedling).exists()
    assert not Invitation.objects.filter(area=gedling).exists()
    assert not gedling.shares_with.exists() and not gedling.shared_by.exists()
    assert before == {
        "organisations": Organisation.objects.count(),
        "activities": Activity.objects.count(),
        "clients": Client.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
    }


def test_an_area_with_no_stages_yet_is_given_the_blueprint_first(personas: Personas) -> None:
    assert not Stage.objects.filter(area=personas.mansfield).exists()
    started = start_gedling(personas, source=personas.mansfield)
    assert Stage.objects.filter(area=personas.mansfield).count() == 4
    assert started.tasks == Task.objects.filter(stage__area=personas.mansfield).count()
    # Mansfield uses the default barrier table: so does Gedling (no rows of its own).
    assert started.barrier_rules == 0
    assert not BarrierRule.objects.filter(area=started.area).exists()


def test_starting_is_audited(personas: Personas) -> None:
    started = start_gedling(personas)
    entry = AuditEntry.objects.get(action="area.started")
    assert entry.area == started.area and entry.actor == personas.site_admin
    assert entry.detail["from"] == "ashfield" and entry.detail["district"] == GEDLING
    # The survey's own action says it was made, as for any survey.
    assert AuditEntry.objects.filter(action="survey.created", area=started.area).exists()


# --- Idempotence and refusals ----------------------------------------------------------


def test_starting_again_with_the_same_details_changes_nothing_and_says_so(
    personas: Personas,
) -> None:
    first = start_gedling(personas)
    before = counts()
    again = start_gedling(personas)
    assert not again.created and again.area == first.area
    assert again.message == (
        "Nothing changed: Inspiring Gedling (/gedling/) was already started from Ashfield."
    )
    assert counts() == before
    assert (again.tasks, again.barrier_rules, again.survey) == (
        first.tasks,
        first.barrier_rules,
        first.survey,
    )


def test_the_same_web_address_with_another_district_is_refused(personas: Personas) -> None:
    start_gedling(personas)
    before = counts()
    with pytest.raises(StartRefused) as refused:
        start_gedling(personas, districts="E07000172")
    assert "districts" in refused.value.errors
    assert "already started with its districts “E07000173”, not “E07000172”" in str(refused.value)
    assert counts() == before


def test_the_same_web_address_from_another_area_is_refused(personas: Personas) -> None:
    start_gedling(personas)
    with pytest.raises(StartRefused) as refused:
        start_gedling(personas, source=personas.mansfield)
    assert refused.value.errors == {
        "source": ["Inspiring Gedling (/gedling/) was started from Ashfield, not Mansfield."]
    }


def test_an_existing_area_not_started_here_is_refused(personas: Personas) -> None:
    with pytest.raises(StartRefused) as refused:
        start_gedling(personas, slug="mansfield", name="Mansfield", districts="E07000174")
    assert "already has the web address /mansfield/" in str(refused.value)


def test_a_bad_gss_code_is_refused_and_nothing_is_made(personas: Personas) -> None:
    before = counts()
    with pytest.raises(StartRefused) as refused:
        start_gedling(personas, districts="Gedling")
    assert refused.value.errors == {
        "districts": ["Enter a GSS code: a letter and 8 digits, like E07000170"]
    }
    assert counts() == before


def test_a_taken_name_and_a_reserved_web_address_are_refused(personas: Personas) -> None:
    with pytest.raises(StartRefused) as refused:
        start_gedling(personas, name="ashfield", slug="staff")
    assert refused.value.errors["name"] == [
        "An area is already called Ashfield (/ashfield/). Choose another name."
    ]
    assert "staff is used by the site itself" in refused.value.errors["slug"][0]
    assert not Area.objects.filter(slug="staff").exists()


def test_the_area_name_is_the_programme_name_without_inspiring() -> None:
    assert area_name_from("Inspiring Gedling") == "Gedling"
    assert area_name_from("inspiring  Broxtowe ") == "Broxtowe"
    assert area_name_from("Gedling Together") == "Gedling Together"
    assert area_name_from("Inspiring") == "Inspiring"


# --- The command ---------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("start_area", *args, stdout=out)
    return out.getvalue()


GEDLING_ARGS = ("--name", "Inspiring Gedling", "--slug", "gedling", "--district", GEDLING)


def test_the_command_starts_the_area_and_loads_its_postcodes(personas: Personas) -> None:
    # As on a site whose geography has no Gedling yet: the command loads the district.
    Postcode.objects.filter(district_code=GEDLING).delete()
    with pytest.raises(UnknownPostcode):
        resolve_postcode(GEDLING_POSTCODE)

    out = run(*GEDLING_ARGS, "--from", "ashfield")

    gedling = Area.objects.get(slug="gedling")
    assert (gedling.name, gedling.programme_name) == ("Gedling", "Inspiring Gedling")
    assert gedling.lead_organisation == "Gedling Council for Voluntary Service"
    assert out.startswith("Started Inspiring Gedling (/gedling/) from Ashfield: E07000173")
    assert "Geography of E07000173: 3,565 postcodes added" in out
    assert "Copied from Ashfield: 4 playbook stages" in out
    assert "Never copied: partners, venues, activities, clients" in out
    assert Postcode.objects.filter(district_code=GEDLING).count() == 3565
    place = resolve_postcode(GEDLING_POSTCODE)
    assert place.district_code == GEDLING
    assert area_for_place(place) == gedling
    # Only the district's rows: Ashfield's are as they were.
    assert Postcode.objects.filter(district_code="E07000170").exists()


def test_the_command_a_second_time_says_nothing_changed(personas: Personas) -> None:
    run(*GEDLING_ARGS, "--from", "ashfield")
    before = counts()
    out = run(*GEDLING_ARGS, "--from", "ashfield")
    assert out.splitlines()[0] == (
        "Nothing changed: Inspiring Gedling (/gedling/) was already started from Ashfield."
    )
    assert "Geography of E07000173: already loaded from these files" in out
    assert counts() == before


def test_the_command_takes_an_area_name_and_a_lead_organisation(personas: Personas) -> None:
    run(
        "--name",
        "Gedling Together",
        "--area-name",
        "Gedling",
        "--slug",
        "gedling",
        "--district",
        GEDLING,
        "--from",
        "ashfield",
        "--lead-organisation",
        "Gedling CVS",
    )
    gedling = Area.objects.get(slug="gedling")
    assert (gedling.name, gedling.programme_name, gedling.lead_organisation) == (
        "Gedling",
        "Gedling Together",
        "Gedling CVS",
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--from", "nowhere"),
            "No area has the web address /nowhere/ to start from (there are: ashfield, "
            "mansfield, newark-and-sherwood).",
        ),
        (
            # A second district (GEDLING_ARGS give the first) that is not a GSS code.
            ("--from", "ashfield", "--district", "E0700017"),
            "Nothing was started: “E0700017” is not a GSS code. Enter a GSS code: a letter "
            "and 8 digits, like E07000170",
        ),
    ],
)
def test_the_command_refuses_in_one_line_with_status_1(
    personas: Personas, args: tuple[str, ...], said: str
) -> None:
    with pytest.raises(CommandError) as refused:
        run(*GEDLING_ARGS, *args)
    assert str(refused.value) == said and "\n" not in said
    assert refused.value.returncode == 1
    assert not Area.objects.filter(slug="gedling").exists()


def test_the_command_refuses_the_same_slug_with_another_district(personas: Personas) -> None:
    run(*GEDLING_ARGS, "--from", "ashfield")
    with pytest.raises(CommandError) as refused:
        run("--name", "Inspiring Gedling", "--slug", "gedling", "--district", "E07000172",
            "--from", "ashfield")  # fmt: skip
    assert str(refused.value).startswith(
        "Nothing was started: Inspiring Gedling (/gedling/) was already started with its "
        "districts “E07000173”, not “E07000172”."
    )


def test_the_command_says_when_a_geography_file_is_missing(
    personas: Personas, tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as refused:
        run(*GEDLING_ARGS, "--from", "ashfield", "--postcodes", str(tmp_path / "ONSPD.csv"))
    assert "Inspiring Gedling is started, but its geography was not loaded" in str(refused.value)
    assert "ONSPD.csv: file not found" in str(refused.value)
    # Run again with the files: the area is there, its geography loads.
    out = run(*GEDLING_ARGS, "--from", "ashfield")
    assert out.startswith("Nothing changed:")


def test_the_command_without_its_arguments_exits_with_status_2() -> None:
    finished = subprocess.run(
        [sys.executable, "manage.py", "start_area", "--slug", "gedling"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 2
    assert "the following arguments are required: --name, --district, --from" in finished.stderr


# --- The page ------------------------------------------------------------------------------


def form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Gedling",
        "programme_name": "Inspiring Gedling",
        "slug": "gedling",
        "districts": GEDLING,
        "lead_organisation": "Gedling Council for Voluntary Service",
        "source": "ashfield",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_form_to_a_site_administrator(
    client: Browser, personas: Personas
) -> None:
    assert reverse("playbook:start_area") == PAGE
    sign_in(client, personas.site_admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Start a new area" in text
    for area in ("Inspiring Ashfield (/ashfield/)", "Inspiring Mansfield (/mansfield/)"):
        assert area in text
    assert "Never copied: its partners, venues, activities, clients" in text


def test_the_page_keeps_what_was_typed_and_says_what_is_wrong(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    page = client.post(PAGE, form(districts="Gedling", slug="mansfield"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text
    assert "already has the web address /mansfield/" in text
    assert 'value="Gedling Council for Voluntary Service"' in text
    assert 'value="Inspiring Gedling"' in text
    assert not Area.objects.filter(programme_name="Inspiring Gedling").exists()

    page = client.post(PAGE, form(districts="Gedling"))
    text = page.content.decode()
    assert page.status_code == 200 and 'href="#id_districts"' in text
    assert "Enter a GSS code: a letter and 8 digits, like E07000170" in text
    assert 'value="Gedling"' in text

    page = client.post(PAGE, form(source="", name=""))
    text = page.content.decode()
    assert "Choose the area to start from" in text and "Enter the area&#x27;s name" in text


def test_the_page_starts_the_area_and_shows_what_was_copied(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    response = client.post(PAGE, form())
    assert response.status_code == 302
    assert response["Location"] == "/staff/areas/gedling/started/"
    gedling = Area.objects.get(slug="gedling")
    entry = AuditEntry.objects.get(action="area.started")
    assert entry.actor == personas.site_admin and entry.path == PAGE

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Started Inspiring Gedling (/gedling/) from Ashfield" in text  # the message
    assert "4 stages with" in text and "ready to open" in text
    assert 'href="/gedling/"' in text and 'href="/gedling/whats-on/"' in text
    assert "postcodes of the district are loaded" in text
    assert "The directory&#x27;s categories and support features" in text
    assert f'name="area" value="{gedling.pk}"' in text

    # Sent again (Back and resubmit): nothing changes, and it says so.
    response = client.post(PAGE, form(), follow=True)
    assert "Nothing changed: Inspiring Gedling (/gedling/) was already started from Ashfield." in (
        response.content.decode()
    )
    assert Area.objects.filter(slug="gedling").count() == 1
    # The area starts at scoping: its public pages answer.
    assert Browser().get("/gedling/").status_code == 200
    assert Browser().get("/gedling/whats-on/").status_code == 200


def test_working_in_the_new_area_from_the_page_opens_its_playbook(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    client.post(PAGE, form())
    gedling = Area.objects.get(slug="gedling")
    response = client.post(
        reverse("accounts:choose_area"), {"area": gedling.pk, "next": "/staff/playbook/"}
    )
    assert response["Location"] == "/staff/playbook/"
    assert client.get("/staff/playbook/").status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "mansfield_coordinator", "commissioner"])
def test_nobody_else_may_start_an_area(client: Browser, personas: Personas, who: str) -> None:
    sign_in(client, getattr(personas, who))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, form()).status_code == 403
    assert not Area.objects.filter(slug="gedling").exists()
    start_gedling(personas)
    assert client.get("/staff/areas/gedling/started/").status_code == 403


def test_the_started_page_is_only_for_areas_started_from_another(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    assert client.get("/staff/areas/ashfield/started/").status_code == 404
    assert client.get("/staff/areas/nowhere/started/").status_code == 404
