"""CSV import and export of the directory: organisations, venues and activities.

Three sheets, one module each (`organisations`, `venues`, `activities`), with
the same small interface (`base.Sheet`): the columns (documented on the upload
page and written as the template's headings), `export_rows`, and `check`,
which validates every row of an uploaded file with the staff pages' own forms
and writes nothing. `importing.do_import` then writes the rows in one
transaction, through the same actions as the staff pages.

Identity: a row carries its record's public_id (empty for a new record), so a
file exported, edited and uploaded again changes the records in place. Only
records of the coordinator's working area can be found by public_id; any
other public_id is a problem on its row, and nothing else is touched.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .activities import ActivitySheet
from .base import MAX_BYTES, MAX_ROWS, Check, Column, Problem, RowResult, Sheet
from .organisations import OrganisationSheet
from .venues import VenueSheet

# In the order they are best imported: venues and activities refer to organisations,
# activities to venues.
SHEETS: dict[str, type[Sheet]] = {
    sheet.kind: sheet for sheet in (OrganisationSheet, VenueSheet, ActivitySheet)
}


def sheet_for(request: HttpRequest, kind: str) -> Sheet:
    try:
        return SHEETS[kind](request)
    except KeyError:
        raise Http404("No such spreadsheet") from None


__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "SHEETS",
    "ActivitySheet",
    "Check",
    "Column",
    "OrganisationSheet",
    "Problem",
    "RowResult",
    "Sheet",
    "VenueSheet",
    "sheet_for",
]
