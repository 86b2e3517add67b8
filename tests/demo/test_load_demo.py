"""The demo data: one sign-in per role, loaded twice without change, only on a demo site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any, NamedTuple

import pytest
from django.core.management import CommandError, call_command

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.demo.data import DEMO_ACCOUNTS, DEMO_AREAS, DEMO_PASSWORD
from inspiring.demo.loading import load_demo
from inspiring.playbook.starting import started_from

pytestmark = pytest.mark.django_db

# The areas with a directory, caseload and survey (Gedling, started from Ashfield, has none).
ESTABLISHED = [area.slug for area in DEMO_AREAS]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_data_is_refused_outside_a_demo_site() -> None:
    with pytest.raises(CommandError, match="only loaded on a demo site"):
        load()
    assert not User.objects.exists()


def test_loading_twice_changes_nothing(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    load()
    snapshot = (
        list(Area.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )
    output = load()
    assert "(all already there)" in output
    assert snapshot == (
        list(Area.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email.split("@")[0])
def test_each_demo_sign_in_reaches_its_roles_home(settings: object, account: object) -> None:
    from django.test import Client

    from inspiring.demo.data import DemoAccount

    assert isinstance(account, DemoAccount)
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    settings.TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    load_demo(directory=False)
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": account.email, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    if account.site_admin or len(account.memberships) > 1:
        # Several areas (or any, for a site administrator): choose one first.
        assert "Choose your area" in html
        area = Area.objects.get(
            slug=account.memberships[0][0] if account.memberships else "ashfield"
        )
        html = client.post("/staff/area/", {"area": area.pk}, follow=True).content.decode()
    if account.site_admin:
        assert "You are a site administrator, working in Ashfield" in html
        assert 'href="/admin/"' in html
        return
    slug, role = account.memberships[0]
    area = Area.objects.get(slug=slug)
    label = dict(Role.choices)[role].lower()
    assert f"You are signed in as <strong>{label}</strong> in {area.name}" in html
    coordinator_tools = 'href="/staff/team/"' in html
    assert coordinator_tools == (role == Role.COORDINATOR)


class Loaded(NamedTuple):
    output: str  # what `load_demo` said
    at: datetime  # just before it started


@pytest.fixture(scope="class")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    """The whole demo loaded once for the class's tests, which only read it (or load it
    again, adding nothing), instead of once each, on each database. Loaded in a
    transaction rolled back after the class, each test in a savepoint inside it
    (pytest-django's tests are never class-level TestCases, so they nest), so no other
    test sees it."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    atomic = transaction.atomic()
    # What a TestCase's own transaction says: a durable block inside is still allowed.
    atomic._from_testcase = True  # type: ignore[attr-defined]
    with django_db_blocker.unblock():
        atomic.__enter__()
        try:
            # As in every test (tests/conftest.py: _fast_password_hashing, per test).
            hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
            with override_settings(DEMO_MODE=True, PASSWORD_HASHERS=hashers):
                at = timezone.now()
                output = load()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield Loaded(output, at)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


class TestTheWholeDemoLoadedOnce:
    def test_demo_data_has_the_three_areas_and_a_sign_in_per_role(self, loaded: Loaded) -> None:
        output = loaded.output
        # The three established areas, and Gedling started from Ashfield's template.
        assert {a.local_authority_code for a in Area.objects.all()} == {
            "E07000170",
            "E07000174",
            "E07000175",
            "E07000173",
        }
        gedling = Area.objects.get(slug="gedling")
        assert gedling.programme_name == "Inspiring Gedling"
        assert started_from(gedling) == Area.objects.get(slug="ashfield")
        assert Membership.objects.get(area=gedling).user.email == "coordinator.gedling@example.org"
        roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == {"coordinator", "link_worker", "partner_lead", "researcher", "commissioner"}
        assert User.objects.get(email="admin@example.org").is_superuser
        for account in DEMO_ACCOUNTS:
            assert account.email in output
            assert User.objects.get(email=account.email).check_password(DEMO_PASSWORD)
        mansfield = Area.objects.get(slug="mansfield")
        assert set(mansfield.shares_with.values_list("slug", flat=True)) == {
            "ashfield",
            "newark-and-sherwood",
        }

    def test_each_area_has_a_full_directory_and_calendar(self, loaded: Loaded) -> None:
        from django.db.models import Count

        from inspiring.directory.models import Activity, Organisation, Session

        # The new area (Gedling) has no partners yet: its playbook is at scoping.
        assert not Organisation.objects.filter(home_area__slug="gedling").exists()
        for area in Area.objects.filter(slug__in=ESTABLISHED):
            organisations = Organisation.objects.filter(home_area=area)
            assert organisations.count() >= 30
            published = Activity.objects.published().filter(home_area=area)
            assert published.count() >= 100
            # Real venue postcodes inside the district.
            districts = set(
                organisations.values_list("venues__district_code", flat=True).exclude(
                    venues__district_code=None
                )
            )
            assert districts == {area.local_authority_code}
            # A realistic spread: many categories, costs, days and capacity states.
            assert published.values("categories").distinct().count() >= 15
            assert set(published.values_list("cost", flat=True)) >= {
                "free",
                "priced",
                "pay_what_you_can",
            }
            assert set(published.values_list("capacity_status", flat=True)) >= {
                "welcoming",
                "limited",
                "full",
            }
            days = set(
                Session.objects.filter(activity__home_area=area).values_list("weekday", flat=True)
            )
            assert len(days) >= 6
            assert Activity.objects.stale().filter(home_area=area).exists()
        # The coordinator's queue has something in it.
        assert Activity.objects.filter(status="pending").count() == 3
        counts = Activity.objects.values("home_area").annotate(n=Count("pk"))
        assert all(row["n"] >= 100 for row in counts)

    def test_the_lead_partners_calendar_feed_is_linked_and_imported(
        self, settings: object, loaded: Loaded
    ) -> None:
        from inspiring.directory.models import Session
        from inspiring.feeds.models import FeedImport, FeedSource

        settings.DEMO_MODE = True  # type: ignore[attr-defined]
        feed = FeedSource.objects.get()
        lead = User.objects.get(email="partner.ashfield@example.org")
        assert feed.organisation.leads.filter(pk=lead.pk).exists()
        assert feed.health == FeedSource.Health.OK
        (record,) = feed.imports.all()
        assert (record.outcome, record.created, record.skipped) == (
            FeedImport.Outcome.IMPORTED,
            3,
            [],
        )
        sessions = Session.objects.filter(activity__feed_items__source=feed)
        assert sessions.filter(moved=True).count() == 1
        assert sessions.filter(status=Session.Status.CANCELLED).count() == 1
        load()  # not imported again
        assert feed.imports.count() == 1

    def test_each_area_has_a_synthetic_caseload_at_every_step(
        self, settings: object, loaded: Loaded
    ) -> None:
        from django.utils import timezone

        from inspiring.casework.models import Client, Connection, Referral
        from lib.identifiers import normalise_nhs_number

        settings.DEMO_MODE = True  # type: ignore[attr-defined]
        loaded_at = loaded.at
        assert not Client.objects.filter(area__slug="gedling").exists()
        for area in Area.objects.filter(slug__in=ESTABLISHED):
            clients = Client.objects.filter(area=area)
            assert clients.count() >= 40
            statuses = set(
                Referral.objects.filter(client__area=area).values_list("status", flat=True)
            )
            assert statuses >= {"received", "contacted", "assessed", "active", "declined", "closed"}
            assert Connection.objects.filter(client__area=area, status="attending").exists()
            for nhs_number in clients.values_list("nhs_number", flat=True):
                # Valid, and in the range the NHS keeps for test data: never a real person's.
                assert (
                    nhs_number.startswith("999") and normalise_nhs_number(nhs_number) == nhs_number
                )
            assert not clients.filter(consent_to_hold=False).exists()
        # The demo partner lead has people coming to their activities.
        lead = User.objects.get(email="partner.ashfield@example.org")
        assert Connection.objects.filter(
            activity__organisation__leads=lead, share_consent=True
        ).exists()
        # Every client of the live caseload gets suggestions, each with its reasons: the
        # reference ranking (every candidate with every session), though sessions were read
        # for a few only. (Not the two years of past, closed cases, recorded as of their
        # referrals: demo/history.py.)
        from inspiring.matching.engine import suggest
        from inspiring.matching.loading import candidates, client_profile
        from inspiring.matching.service import suggestions_for

        now = timezone.now()
        for client in Client.objects.filter(created_at__gte=loaded_at).select_related("area"):
            found = suggestions_for(client, now=now).suggestions
            assert found and all(s.reasons for s in found), client.public_id
            built = client_profile(client)
            every = candidates(client.area, built.profile, home=built.home, now=now)
            reference = suggest(built.profile, every, now)
            assert [(s.candidate.activity_id, s.score, s.next_slot) for s in found] == [
                (s.candidate.activity_id, s.score, s.next_slot) for s in reference
            ], client.public_id
        before = Client.objects.count()
        load()
        assert Client.objects.count() == before
        # Ashfield names its safeguarding lead (the coordinator) and deputy (the link worker).
        from inspiring.casework.models import SafeguardingLead

        named = SafeguardingLead.objects.get(area__slug="ashfield")
        assert (named.user.email, named.deputy and named.deputy.email) == (
            "coordinator.ashfield@example.org",
            "linkworker.ashfield@example.org",
        )
        # A client of Ashfield's link worker is booked a first visit tomorrow, so the
        # reminder the day before shows (tests/demo/test_demo_booking.py: how it is made).
        from inspiring.bookings.models import Booking

        booked = Booking.objects.get(
            connection__client__worker__email="linkworker.ashfield@example.org",
            status=Booking.Status.BOOKED,
        )
        assert booked.channel == Booking.Channel.LINK_WORKER and booked.session is not None
        assert booked.session.local_date == timezone.localdate() + timedelta(days=1)
        assert booked.session.start > timezone.now()
        # A booking partner's request waits for Ashfield's group lead (Open Booking API),
        # made once, with the demo key that lets anyone try the API.
        from inspiring.demo.open_booking import DEMO_PARTNER_KEY
        from inspiring.opendata.models import BookingPartner, Order
        from inspiring.opendata.views_openbooking import key_hash

        (request,) = Order.objects.all()
        assert request.proposal_status == Order.ProposalStatus.AWAITING
        assert request.seller.leads.filter(email="partner.ashfield@example.org").exists()
        assert BookingPartner.objects.get().key_hash == key_hash(DEMO_PARTNER_KEY)
