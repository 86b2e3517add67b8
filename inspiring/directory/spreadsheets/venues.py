"""The venues sheet: one row per venue, checked by VenueForm (postcodes resolved as there)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms

from lib.csvfiles import Row, Table
from lib.postcodes import PostcodeError, normalise_postcode

from ..access import editable_venues
from ..actions import do_save_venue
from ..forms import VenueForm
from ..models import Venue
from .base import Column, RowResult, Sheet, cell

COLUMNS = (
    Column(
        "public_id",
        "Empty for a new venue. To change one, keep the public_id from an export.",
        needs="heading",
    ),
    Column(
        "organisation",
        "The name of the organisation that owns the venue, exactly as in the directory (or its "
        "public_id). A venue cannot move to another organisation.",
        needs="value",
        example="Kirkby Knit and Natter",
    ),
    Column("name", "The venue's name.", needs="value", example="Kirkby Community Hall"),
    Column("address_line_1", "The first line of the address.", needs="value", example="Hall St"),
    Column("address_line_2", "The second line of the address."),
    Column("town", "The town or village.", needs="value", example="Kirkby-in-Ashfield"),
    Column(
        "postcode",
        "A full postcode in the area's postcode data; it places the venue on the map.",
        needs="value",
        field="postcode_place",
        example="NG17 7AE",
    ),
    Column("step_free", "yes if there is step-free access; empty means no.", example="yes"),
    Column("accessible_toilet", "yes or no; empty means no.", example="yes"),
    Column("hearing_loop", "yes or no; empty means no.", example="no"),
    Column("parking", "yes or no; empty means no.", example="yes"),
    Column("near_bus_stop", "yes or no; empty means no.", example="yes"),
    Column("bus_routes", "Buses that stop nearby.", example="1, 141, Pronto"),
    Column("access_notes", "Other access information."),
    Column(
        "open_to_other_organisations",
        "yes if other organisations may list activities here; empty means no.",
        example="no",
    ),
)


class VenueSheet(Sheet):
    kind = "venues"
    noun = "venue"
    columns = COLUMNS
    model = Venue

    def export_rows(self) -> Iterator[list[str]]:
        names = self.organisation_names()
        venues = editable_venues(self.request).select_related("organisation")
        for item in venues.order_by("organisation__name", "name", "pk"):
            yield [
                str(item.public_id),
                names.reference(item.organisation),
                item.name,
                item.address_line_1,
                item.address_line_2,
                item.town,
                item.postcode,
                cell(item.step_free),
                cell(item.accessible_toilet),
                cell(item.hearing_loop),
                cell(item.parking),
                cell(item.near_bus_stop),
                item.bus_routes,
                item.access_notes,
                cell(item.open_to_other_organisations),
            ]

    def prepare(self, table: Table) -> None:
        self.names = self.organisation_names()
        self.existing = (
            editable_venues(self.request)
            .select_related("organisation")
            .in_bulk(self.public_ids(table), field_name="public_id")
        )

    def convert(self, column: str, form_field: forms.Field, raw: str, result: RowResult) -> Any:
        if column == "postcode":
            # The form resolves it; written the canonical way, an unchanged postcode
            # typed in another case or spacing is not a change.
            try:
                return normalise_postcode(raw)
            except PostcodeError:
                return raw
        return super().convert(column, form_field, raw, result)

    def check_row(self, row: Row, result: RowResult) -> None:
        record = self.identify(row, result, self.existing)
        owner = self.organisation(row, result, self.names)
        result.label = row.get("name") or (record.name if record else "")
        if record is not None and owner is not None and record.organisation_id != owner.pk:
            result.add(
                "organisation",
                f"This venue belongs to {record.organisation.name} and cannot move to another "
                "organisation: enter that organisation, or add the venue as a new one",
            )
        form = self.bind(VenueForm, row, result, instance=record)
        if not form.is_valid():
            self.form_problems(form, result, row=row)
            return
        result.changes = self.changed_columns(form)
        if owner is None:
            return

        def save() -> None:
            saved = form.save(commit=False)
            saved.organisation = owner
            do_save_venue(self.request, saved, created=record is None)

        result.save = save
