"""lib: identifiers, text sanitising and CSV cells."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from lib.csvfiles import neutralise, restore
from lib.identifiers import IdentifierError, normalise_charity_number, normalise_company_number
from lib.text import plain_text, render_markdown
from tests.directory.builders import Directory, activity
from tests.directory.conftest import directory  # noqa: F401


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("1012345", "1012345"),
        ("211 581", "211581"),
        ("sc012345", "SC012345"),
        ("NIC100002", "NIC100002"),
    ],
)
def test_charity_numbers(typed: str, canonical: str) -> None:
    assert normalise_charity_number(typed) == canonical


@pytest.mark.parametrize("typed", ["12345", "12345678", "SC12345", "charity", "XX123456"])
def test_bad_charity_numbers(typed: str) -> None:
    with pytest.raises(IdentifierError, match="Enter a charity number as registered"):
        normalise_charity_number(typed)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("1234567", "01234567"),
        ("01234567", "01234567"),
        ("sc123456", "SC123456"),
        ("OC 301234", "OC301234"),
    ],
)
def test_company_numbers(typed: str, canonical: str) -> None:
    assert normalise_company_number(typed) == canonical


@pytest.mark.parametrize("typed", ["123456789", "ZZ123456", "SC12345", "company"])
def test_bad_company_numbers(typed: str) -> None:
    with pytest.raises(IdentifierError, match="Enter a company number as registered"):
        normalise_company_number(typed)


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="position:fixed">x</p>',
        "<svg onload=alert(1)>",
    ],
)
def test_markdown_never_lets_markup_or_scripts_through(attack: str) -> None:
    html = render_markdown(f"Hello {attack}")
    # Escaped text ("&lt;img …") is harmless; no element or attribute may get through.
    assert re.search(r"<(script|img|iframe|svg)", html) is None
    assert re.search(r"<[^>]*\s(on\w+|style)=", html) is None
    assert re.search(r'<a[^>]*href="javascript', html) is None


def test_markdown_keeps_the_safe_subset() -> None:
    html = render_markdown("# Title\n\n**bold**, *it*, [site](https://example.org)\n\n- one\n- two")
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert "<li>one</li>" in html


def test_plain_text() -> None:
    assert plain_text("<p>Tea &amp; <strong>cake</strong></p>") == "Tea & cake"


@pytest.mark.parametrize("number", ["-3", "-0.5", "-1e3", "+2", "-.5", "+1.5E-3", "-12."])
def test_a_signed_number_is_written_as_a_number(number: str) -> None:
    # An apostrophe would make a spreadsheet show the number as text (no sums, no sorting).
    assert neutralise(number) == number
    assert restore(number) == number


@pytest.mark.parametrize(
    "formula",
    [
        "-1+2",
        "-cmd|' /C calc'!A0",
        "=1+1",
        "+SUM(A1:A9)",
        "@x",
        "-",
        "+",
        "-1e3+A1",
        "- 3",
        "-3 ",
        "\t-3",
    ],
)
def test_anything_else_starting_like_a_formula_is_neutralised(formula: str) -> None:
    assert neutralise(formula) == f"'{formula}"
    assert restore(neutralise(formula)) == formula


def test_a_number_an_older_export_quoted_reads_back_as_the_number() -> None:
    assert restore("'-3") == "-3"


@pytest.mark.django_db
def test_one_of_finds_what_in_finds_from_one_parameter() -> None:
    # lib.sql.one_of: a page's ids as one array (PostgreSQL) or JSON (SQLite) parameter.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inspiring.directory.models import Activity, Category
    from lib.sql import one_of

    Category.objects.bulk_create(
        Category(slug=f"one-of-{n}", name=f"One of {n}") for n in range(30)
    )
    pks = sorted(Category.objects.values_list("pk", flat=True))
    for ids in ([], pks[:1], pks[::3], [*pks[5:9], 0, -1, 10**12], list(range(5000))):
        with CaptureQueriesContext(connection) as queries:
            found = sorted(Category.objects.filter(one_of("pk", ids)).values_list("pk", flat=True))
        assert found == sorted(Category.objects.filter(pk__in=ids).values_list("pk", flat=True))
        assert len(queries) == 1 and queries[0]["sql"].count("%s") <= 1
    # On a foreign key too, as the open-data pages use it.
    links = Activity.categories.through.objects.filter(one_of("category_id", pks))
    assert links.count() == Activity.categories.through.objects.count()


def test_read_with_reads_what_django_reads_after_a_with_clause(
    directory: Directory,  # noqa: F811 (the fixture imported above)
) -> None:
    # lib.sql.read_with: a WITH table the queryset's conditions and annotations read, and
    # the instances Django reads for the queryset (its select_related and annotations,
    # every column converted as the ORM converts it), in one statement.
    from django.db import connection
    from django.db.models import Model
    from django.db.models.expressions import RawSQL
    from django.test.utils import CaptureQueriesContext

    from inspiring.directory.models import Activity
    from lib.sql import read_with

    directory.knitting.price = Decimal("2.50")
    directory.knitting.save()
    online = activity(directory.knit, "Online Natter", at=None)
    chosen = [directory.knitting.pk, directory.singing.pk, online.pk]
    shown = Activity.objects.select_related("organisation", "venue", "home_area")

    def columns(instance: Model | None) -> list[tuple[str, Any]] | None:
        if instance is None:
            return None
        return [(f.attname, getattr(instance, f.attname)) for f in instance._meta.concrete_fields]

    def read(activities: list[Activity]) -> list[Any]:
        return [
            (
                columns(a),
                columns(a.organisation),
                columns(a.venue),
                columns(a.home_area),
                getattr(a, "chosen_count", None),
            )
            for a in activities
        ]

    with CaptureQueriesContext(connection) as queries:
        found = read_with(
            shown.filter(pk__in=RawSQL("SELECT chosen_id FROM chosen", ()))
            .annotate(chosen_count=RawSQL("SELECT count(*) FROM chosen", ()))
            .order_by("-title"),
            "WITH chosen (chosen_id) AS "
            "(SELECT id FROM directory_activity WHERE id IN (%s, %s, %s))",
            chosen,
        )
        got = read(found)
    assert len(queries) == 1 and queries[0]["sql"].startswith("WITH chosen")
    expected = list(shown.filter(pk__in=chosen).order_by("-title"))
    for listing in expected:
        listing.chosen_count = 3  # type: ignore[attr-defined]
    assert got == read(expected) and len(got) == 3
    assert [a.title for a in found] == ["Online Natter", "Knit and Natter", "Community Choir"]
    assert found[0].venue is None and found[1].price == Decimal("2.50")
    assert isinstance(found[1].updated_at, datetime) and found[1].updated_at.tzinfo is not None
    # Nothing chosen: no instances.
    assert read_with(shown.filter(pk__in=RawSQL("SELECT 0 WHERE 1 = 0", ())), "") == []


@pytest.mark.django_db
def test_prepared_plans_a_statement_once_a_connection_on_postgresql(settings) -> None:
    # lib.sql.prepared: inside, PostgreSQL prepares what runs (server-side binding) and
    # keeps it for the connection, and the rows read are those read without it; a
    # connection closed after each request (CONN_MAX_AGE 0), DATABASE_PREPARED off, or
    # SQLite changes nothing. Outside, Django's own cursors are back.
    from django.db import connection

    from inspiring.directory.models import Category
    from lib.sql import prepared

    Category.objects.bulk_create(Category(slug=f"prep-{n}", name=f"Prep {n}") for n in range(5))
    wanted = Category.objects.filter(slug__startswith="prep-").order_by("slug")
    expected = [(c.pk, c.name) for c in wanted]
    postgresql = connection.vendor == "postgresql"

    def statements() -> int:
        if not postgresql:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    before = statements()
    for _ in range(3):
        with prepared():
            assert [(c.pk, c.name) for c in wanted.filter(name__startswith="Prep")] == expected
    kept = postgresql and bool(connection.settings_dict["CONN_MAX_AGE"])
    assert statements() == before + kept  # prepared once, executed three times
    if postgresql:
        assert type(connection.connection.cursor()).__name__ != "_Preparing"
        assert connection.connection.prepare_threshold is None  # Django's setting, restored

    settings.DATABASE_PREPARED = False
    with prepared():
        assert [(c.pk, c.name) for c in wanted.filter(name__endswith="")] == expected
    assert statements() == before + kept  # nothing more prepared


@pytest.mark.django_db
def test_prepared_generic_holds_statements_to_one_plan_for_the_block_only() -> None:
    # prepared(generic=True): on PostgreSQL (a connection kept between requests) the
    # statements inside are executed on the plan made once, not planned again for each
    # value; plan_cache_mode is PostgreSQL's default again after the block, also when
    # the block fails. Elsewhere the same rows, nothing else.
    from django.db import connection

    from inspiring.directory.models import Category
    from lib.sql import prepared

    Category.objects.bulk_create(Category(slug=f"gen-{n}", name=f"Gen {n}") for n in range(8))
    names = {c.slug: c.name for c in Category.objects.filter(slug__startswith="gen-")}
    for slug in sorted(names) * 2:
        with prepared(generic=True):
            assert Category.objects.get(slug=slug).name == names[slug]
    if connection.vendor != "postgresql" or not connection.settings_dict["CONN_MAX_AGE"]:
        return

    def mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return str(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%"directory_category"%', '%"slug" = $1%'],
        )
        generic, custom = cursor.fetchone()
    assert (generic, custom) == (16, 0)  # one plan, for every slug
    assert mode() == "auto"
    with pytest.raises(ZeroDivisionError), prepared(generic=True):
        assert mode() == "force_generic_plan"
        raise ZeroDivisionError
    assert mode() == "auto"
