"""What's on's filter form draws each field once per state (templatetags/whats_on.py):
what it gives must be what the field draws itself, whatever the values, errors and choices."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import QueryDict

from inspiring.directory.models import Category
from inspiring.directory.search import WhatsOnForm
from inspiring.directory.templatetags import whats_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_drawn() -> Iterator[None]:
    whats_on._drawn.clear()
    yield
    whats_on._drawn.clear()


def drawn(form: WhatsOnForm) -> dict[str, str]:
    return {name: str(whats_on.field_group(form[name])) for name in form.fields}


def own(form: WhatsOnForm) -> dict[str, str]:
    return {name: str(form[name].as_field_group()) for name in form.fields}


@pytest.mark.parametrize(
    "query",
    [
        None,
        "",
        "page=2",
        "q=walk&free=on&day=1&day=3&time=morning&category=walking&feature=outdoors&view=dates",
        "postcode=NG17+7AE&within=5&sort=distance&date_from=2026-03-01&date_to=2026-03-31",
        # Errors: not a date, a distance without a postcode, a choice that is not one.
        "date_from=soon&within=5&category=no-such-thing&sort=distance",
    ],
)
def test_each_field_is_drawn_as_it_draws_itself(query: str | None) -> None:
    def form() -> WhatsOnForm:
        made = WhatsOnForm(QueryDict(query) if query is not None else None)
        made.is_valid()
        return made

    first = drawn(form())  # drawn afresh
    again = drawn(form())  # remembered
    assert first == again == own(form())


def test_a_field_in_another_state_is_drawn_again() -> None:
    plain = drawn(WhatsOnForm(None))
    chosen = WhatsOnForm(QueryDict("category=walking"))
    chosen.is_valid()
    assert drawn(chosen)["category"] == own(chosen)["category"] != plain["category"]
    assert drawn(chosen)["q"] == plain["q"]


def test_a_renamed_category_is_drawn_with_its_new_name() -> None:
    before = drawn(WhatsOnForm(None))["category"]
    Category.objects.filter(slug="walking").update(name="Walking and rambling")
    after = drawn(WhatsOnForm(None))["category"]
    assert "Walking and rambling" in after
    assert after != before


def test_only_so_many_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whats_on, "SIZE", 3)
    for word in ("choir", "walk", "knit", "yoga"):
        form = WhatsOnForm(QueryDict(f"q={word}"))
        form.is_valid()
        assert f'value="{word}"' in whats_on.field_group(form["q"])
    assert len(whats_on._drawn) == 3


@pytest.mark.django_db
def test_the_list_of_activities_is_shown_chosen_until_another_view_is() -> None:
    # A radio group with none chosen reads as a question still to answer.
    def chosen(query: str | None) -> str | None:
        form = WhatsOnForm(None if query is None else QueryDict(query))
        return str(form["view"].value()) if form["view"].value() else None

    assert chosen(None) == "activities"
    assert chosen("postcode=NG17+7AA&day=0&day=1") == "activities"
    assert chosen("view=") == "activities"
    assert chosen("view=dates") == "dates"
    form = WhatsOnForm(QueryDict("day=0&day=1"))
    assert form.is_valid() and form.cleaned_data["day"] == ["0", "1"]
