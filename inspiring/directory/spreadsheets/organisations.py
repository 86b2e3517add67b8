"""The partner organisations sheet: one row per organisation, checked by OrganisationForm."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from inspiring.accounts.models import User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from lib.csvfiles import Row, Table

from ..access import editable_organisations
from ..actions import do_save_organisation
from ..forms import OrganisationForm
from ..models import Organisation
from .base import Column, RowResult, Sheet, Vocabulary, cell, key

COLUMNS = (
    Column(
        "public_id",
        "Empty for a new organisation. To change one, keep the public_id from an export.",
        needs="heading",
    ),
    Column(
        "name",
        "The organisation's name. The venues and activities files refer to organisations by "
        "name, so no two may have the same one.",
        needs="value",
        example="Kirkby Knit and Natter",
    ),
    Column("kind", "What kind of organisation it is.", needs="value", example="community_group"),
    Column("charity_number", "Its registered charity number.", example="1123456"),
    Column("company_number", "Its Companies House number.", example="09876543"),
    Column("description", "What the organisation does."),
    Column("website", "Its web address (https:// is added if left out).", example="kirkbyknit.org"),
    Column(
        "email",
        "Where the emails asking whether its listings are still right are sent.",
        example="hello@kirkbyknit.org",
    ),
    Column("phone", "Its phone number.", example="01623 555123"),
    Column(
        "areas_served",
        "Other programmes' areas it also serves, by name, separated by semicolons (;).",
    ),
    Column("agreement", "The partner agreement. Empty means none.", example="signed"),
    Column("trusted", "yes if it may publish without approval; empty means no.", example="no"),
    Column(
        "leads",
        "Email addresses of the partner leads in your team who keep its listings current, "
        "separated by semicolons (;).",
        example="priya@example.org",
    ),
)


class OrganisationSheet(Sheet):
    kind = "organisations"
    noun = "organisation"
    columns = COLUMNS
    model = Organisation

    def export_rows(self) -> Iterator[list[str]]:
        # Only leads who are still partner leads in the team: the ones the web form
        # offers, so that the exported file uploads again unchanged.
        current_leads = User.objects.filter(
            memberships__area=self.area, memberships__role=Role.PARTNER_LEAD
        )
        organisations = (
            editable_organisations(self.request)
            .prefetch_related("areas_served", Prefetch("leads", queryset=current_leads))
            .order_by("name", "pk")
        )
        for item in organisations:
            yield [
                str(item.public_id),
                item.name,
                item.kind,
                item.charity_number,
                item.company_number,
                item.description,
                item.website,
                item.email,
                item.phone,
                "; ".join(sorted(area.name for area in item.areas_served.all())),
                item.agreement,
                cell(item.trusted),
                "; ".join(sorted(user.email for user in item.leads.all())),
            ]

    def load_vocabularies(self) -> None:
        areas = Area.objects.order_by("name")
        leads = User.objects.filter(
            memberships__area=self.area, memberships__role=Role.PARTNER_LEAD
        ).order_by("email")
        self.vocabularies = {
            "areas_served": Vocabulary.of(
                "area called",
                "use an area's name from the list on the upload page",
                [(a.pk, [a.name, a.slug, a.programme_name]) for a in areas],
            ),
            "leads": Vocabulary.of(
                "partner lead in your team with the email",
                "invite them to the team first, or take them out of this cell",
                [(u.pk, [u.email]) for u in leads],
            ),
        }

    def prepare(self, table: Table) -> None:
        self.load_vocabularies()
        organisations = editable_organisations(self.request)
        self.existing = organisations.prefetch_related("areas_served", "leads").in_bulk(
            self.public_ids(table), field_name="public_id"
        )
        self.stored_names: dict[Any, str] = dict(organisations.values_list("pk", "name"))
        # What each row's organisation would be called: by pk, or ("row", n) for a new one.
        self.row_names: dict[Any, str] = {}
        self.row_keys: dict[int, Any] = {}

    def check_row(self, row: Row, result: RowResult) -> None:
        record = self.identify(row, result, self.existing)
        name = row.get("name") if row.has("name") or record is None else record.name
        result.label = name
        identity = record.pk if record is not None else ("row", row.number)
        self.row_keys[row.number], self.row_names[identity] = identity, name
        form = self.bind(
            OrganisationForm, row, result, instance=record, area=self.area, curator=True
        )
        if not form.is_valid():
            self.form_problems(form, result, row=row)
            return
        result.changes = self.changed_columns(form)

        def save() -> None:
            saved = form.save(commit=False)
            do_save_organisation(self.request, saved, created=record is None)
            form.save_m2m()

        result.save = save

    def check_together(self, results: list[RowResult]) -> None:
        # Organisations are found by name in the other files, so names must differ.
        # A row is at fault only if it brings the name in (new, or renamed to it).
        final = {**self.stored_names, **self.row_names}
        counts = Counter(key(name) for name in final.values() if name)
        for result in results:
            identity = self.row_keys[result.number]
            name = final[identity]
            if not name or counts[key(name)] < 2:
                continue
            if any(problem.column == "public_id" for problem in result.problems):
                continue  # already wrong, and perhaps a copy of another row
            if isinstance(identity, tuple) or key(self.stored_names[identity]) != key(name):
                result.add(
                    "name",
                    f"Another organisation in {self.area.programme_name} is called {name}: "
                    "give each organisation a different name",
                )
