"""What the three spreadsheets share: columns, checking rows with the web forms, reporting.

A sheet checks every row of a file without writing anything: each row is
turned into the data the staff page's form would receive and validated by that
same form, so a row is held to exactly the rules of the web page. The result
(`Check`) says, row by row, what would be added or changed, and every problem
as row, column and message. Writing is a separate step (`importing.do_import`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from lib.csvfiles import Row, Table, read_csv

from ..access import editable_organisations, working_area
from ..models import Organisation

if TYPE_CHECKING:
    from inspiring.areas.models import Area

# A file is checked (and imported) within the request, every row by the web
# form's full validation, about 10 ms and a dozen queries a row: a thousand
# rows (more than an area's whole calendar of activities) is checked in
# seconds. Larger files are split; see the module docstring of importing.py.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x", "on"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off", ""})
# Django's error codes for "Select a valid choice…": never shown as they are.
NOT_IN_THE_LIST = frozenset({"invalid_choice", "invalid_pk_value", "invalid_list"})
LISTED = 12  # allowed values named in a message; the upload page lists them all

Record = TypeVar("Record", bound=models.Model)
FormType = TypeVar("FormType", bound=forms.BaseForm)


def key(text: str) -> str:
    """How names are compared: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def split_list(text: str) -> list[str]:
    """A cell holding several values, separated by semicolons (or line breaks)."""
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def cell(value: Any) -> str:
    """A stored value as a cell: yes/no, ISO dates, 24-hour times, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a sheet, as the upload page documents it.

    `needs`: "value" (the heading must be there and every row needs a value),
    "heading" (the heading must be there, the value may be empty) or "" (the
    column may be left out: existing records keep their value).
    """

    name: str
    help: str
    needs: Literal["value", "heading", ""] = ""
    field: str = ""
    example: str = ""
    export_only: bool = False

    @property
    def form_field(self) -> str:
        return self.field or self.name

    @property
    def required_label(self) -> str:
        return {"value": "Yes", "heading": "Column yes, value optional"}.get(self.needs, "No")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # "" when it is about the row as a whole
    message: str


@dataclass
class RowResult:
    number: int
    label: str = ""
    existing: bool = False
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    save: Callable[[], None] | None = None

    def add(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def action(self) -> str:
        if not self.existing:
            return "new"
        return "changed" if self.changes else "unchanged"


@dataclass
class Check:
    """Every row of a file checked, nothing written."""

    kind: str
    results: list[RowResult]
    table: Table
    left_out: list[str]  # optional columns not in the file: their values are kept
    ignored: list[str]  # export-only columns in the file: not imported

    @property
    def problems(self) -> list[Problem]:
        return [problem for result in self.results for problem in result.problems]

    @property
    def invalid_rows(self) -> int:
        return sum(not result.valid for result in self.results)

    @property
    def valid_rows(self) -> int:
        return sum(result.valid for result in self.results)

    def first_rows_as_read(self, rows: int = 3, columns: int = 5) -> tuple[list[str], list[Row]]:
        """The first rows as the file was read, to check its letters: the columns whose cells
        there hold letters beyond plain English ones (accents, £), else the first few."""
        sample = self.table.rows[:rows]
        accented = [
            name
            for name in self.table.columns
            if any(not row.cells.get(name, "").isascii() for row in sample)
        ]
        return (accented or self.table.columns)[:columns], sample

    def count(self, action: str, *, valid_only: bool = True) -> int:
        return sum(r.action == action and (r.valid or not valid_only) for r in self.results)

    def to_write(self, *, valid_only: bool) -> list[RowResult]:
        """The rows an import would write; none at all if a row has a problem and not valid_only."""
        if self.problems and not valid_only:
            return []
        return [r for r in self.results if r.valid and r.action != "unchanged"]


@dataclass
class Names(Generic[Record]):
    """Records a row refers to by name, or by public_id where a name is shared."""

    noun: str
    records: list[Record]
    name_of: Callable[[Record], str]
    # Completes "There is no venue called X …": where it was looked for, what to do.
    missing: str = ""

    @cached_property
    def by_name(self) -> dict[str, list[Record]]:
        found: dict[str, list[Record]] = {}
        for record in self.records:
            found.setdefault(key(self.name_of(record)), []).append(record)
        return found

    def reference(self, record: Record) -> str:
        """What an export writes: the name, or the public_id where the name is shared."""
        name = self.name_of(record)
        if [r.pk for r in self.by_name.get(key(name), [])] == [record.pk]:
            return name
        return str(record.public_id)  # type: ignore[attr-defined]

    def find(self, text: str) -> tuple[Record | None, str]:
        """The record `text` names, or None with a message saying why not."""
        try:
            wanted = uuid.UUID(text)
        except ValueError:
            matches = self.by_name.get(key(text), [])
        else:
            matches = [r for r in self.records if r.public_id == wanted]  # type: ignore[attr-defined]
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, (
                f"{len(matches)} {self.noun}s are called {text}: enter the public_id of the one "
                f"you mean (from the {self.noun}s export) instead of its name"
            )
        return None, f"There is no {self.noun} called {text}{self.missing}"


@dataclass
class Vocabulary:
    """Words people may type for records chosen from a list (categories, areas, leads)."""

    noun: str  # "category called", "partner lead with the email"
    words: dict[str, int]
    where: str
    labels: list[str]  # what the upload page lists: each record's first name

    @classmethod
    def of(cls, noun: str, where: str, pairs: list[tuple[int, list[str]]]) -> Vocabulary:
        words: dict[str, int] = {}
        for pk, names in pairs:
            for name in names:
                if name:
                    words.setdefault(key(name), pk)
        return cls(noun=noun, words=words, where=where, labels=[names[0] for _, names in pairs])

    def resolve(self, text: str, column: str, result: RowResult) -> list[int] | None:
        chosen: list[int] = []
        unknown: list[str] = []
        for part in split_list(text):
            pk = self.words.get(key(part))
            if pk is None:
                unknown.append(part)
            elif pk not in chosen:
                chosen.append(pk)
        if unknown:
            listed = ", ".join(unknown)
            result.add(column, f"There is no {self.noun} {listed}: {self.where}")
            return None
        return chosen


# What `convert` returns for a cell it could not understand (it has recorded why).
UNREADABLE = object()


class Sheet:
    """One kind of record as a spreadsheet. Subclasses list the columns and fill in the rows."""

    kind: ClassVar[str]
    noun: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    model: ClassVar[type[models.Model]]

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.area: Area = working_area(request)
        self.vocabularies: dict[str, Vocabulary] = {}
        self._seen_ids: dict[uuid.UUID, int] = {}

    # --- Columns -----------------------------------------------------------------

    @classmethod
    def headings(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def column(cls, name: str) -> Column:
        return next(column for column in cls.columns if column.name == name)

    def column_for_field(self, name: str) -> str:
        for column in self.columns:
            if column.form_field == name:
                return column.name
        return ""

    def load_vocabularies(self) -> None:
        """Fill `vocabularies`: the lists a column's values are chosen from."""

    def documentation(self) -> list[dict[str, str]]:
        """The columns as the upload page explains them."""
        self.load_vocabularies()
        return [
            {
                "name": column.name,
                "required": column.required_label,
                "help": column.help,
                "allowed": self.allowed(column),
                "example": column.example,
            }
            for column in self.columns
        ]

    def allowed(self, column: Column) -> str:
        if column.name in self.vocabularies:
            return "; ".join(self.vocabularies[column.name].labels)
        model_field = self.model_field(column.form_field)
        if model_field is None:
            return ""
        if isinstance(model_field, models.BooleanField):
            return "yes or no"
        if model_field.choices:
            return ", ".join(f"{code} ({label})" for code, label in model_field.flatchoices)
        return ""

    # --- Export ------------------------------------------------------------------

    def export_rows(self) -> Iterator[list[str]]:
        raise NotImplementedError

    # --- Checking ----------------------------------------------------------------

    def read(self, data: bytes) -> Table:
        return read_csv(
            data,
            known=self.headings(),
            required=[c.name for c in self.columns if c.needs],
            max_rows=MAX_ROWS,
        )

    def check(self, table: Table) -> Check:
        """Check every row against the forms' rules; writes nothing."""
        self.prepare(table)
        results: list[RowResult] = []
        for row in table.rows:
            result = RowResult(number=row.number)
            if row.overflow:
                result.add(
                    "",
                    f"This row has {row.overflow} filled cell{'s' if row.overflow > 1 else ''} "
                    "beyond the last heading: move them into the right columns or delete them",
                )
            self.check_row(row, result)
            results.append(result)
        self.check_together(results)
        present = set(table.columns)
        return Check(
            kind=self.kind,
            results=results,
            table=table,
            left_out=[c.name for c in self.columns if c.name not in present and not c.export_only],
            ignored=[c.name for c in self.columns if c.name in present and c.export_only],
        )

    def prepare(self, table: Table) -> None:
        """Load, once per file, what rows are checked against."""

    def check_row(self, row: Row, result: RowResult) -> None:
        raise NotImplementedError

    def check_together(self, results: list[RowResult]) -> None:
        """Rules across rows (such as names that must differ)."""

    def public_ids(self, table: Table) -> list[uuid.UUID]:
        found = []
        for row in table.rows:
            try:
                found.append(uuid.UUID(row.get("public_id")))
            except ValueError:
                continue
        return found

    def identify(self, row: Row, result: RowResult, existing: dict[Any, Record]) -> Record | None:
        """The record a row is for: None for a new one (empty public_id) or a problem."""
        text = row.get("public_id")
        if not text:
            return None
        try:
            wanted = uuid.UUID(text)
        except ValueError:
            result.add(
                "public_id",
                f"Enter the public_id exactly as exported, or leave it empty to add a new "
                f"{self.noun}",
            )
            return None
        if wanted in self._seen_ids:
            result.add(
                "public_id",
                f"Row {self._seen_ids[wanted]} has the same public_id: each {self.noun} can be "
                "in the file once",
            )
            return None
        self._seen_ids[wanted] = row.number
        record = existing.get(wanted)
        if record is None:
            # The same words for another area's record as for one that does not exist.
            result.add(
                "public_id",
                f"No {self.noun} in {self.area.programme_name} has this public_id. Leave it "
                f"empty to add a new {self.noun}",
            )
        else:
            result.existing = True
        return record

    def organisation_names(self) -> Names[Organisation]:
        return Names(
            "organisation",
            list(editable_organisations(self.request).only("pk", "name", "public_id")),
            lambda organisation: organisation.name,
            missing=(
                f" in {self.area.programme_name}: check the spelling, or add the organisation "
                "with the organisations file first"
            ),
        )

    def organisation(
        self, row: Row, result: RowResult, names: Names[Organisation]
    ) -> Organisation | None:
        text = row.get("organisation")
        if not text:
            result.add("organisation", "Enter the name of the organisation, as in the directory")
            return None
        found, why = names.find(text)
        if found is None:
            result.add("organisation", why)
        return found

    # --- Rows as form data -------------------------------------------------------

    def bind(
        self, form_class: type[FormType], row: Row, result: RowResult, **kwargs: Any
    ) -> FormType:
        """The staff page's form, bound to what it would receive for this row: the row's
        cells, and the current (or default) value for a column the file leaves out or a
        cell that could not be understood."""
        data: dict[str, Any] = {}
        # Bound to the dict before it is filled: the form reads its data only when
        # validated, and the initial values come from the form itself.
        form = form_class(data, **kwargs)
        for name, form_field in form.fields.items():
            column = self.column_for_field(name)
            value: Any = UNREADABLE
            if column and row.has(column):
                value = self.convert(column, form_field, row.cells[column], result)
            if value is UNREADABLE:
                value = form_field.prepare_value(form.get_initial_for_field(form_field, name))
                if isinstance(form_field, forms.BooleanField):
                    value = "true" if value else "false"
            data[name] = value
        return form

    def convert(self, column: str, form_field: forms.Field, raw: str, result: RowResult) -> Any:
        """A cell as form data; records a problem and returns UNREADABLE when it cannot be."""
        text = raw.strip()
        if column in self.vocabularies:
            chosen = self.vocabularies[column].resolve(text, column, result)
            return UNREADABLE if chosen is None else [str(pk) for pk in chosen]
        if isinstance(form_field, forms.BooleanField):
            word = text.casefold()
            if word in TRUE_WORDS:
                return "true"
            if word in FALSE_WORDS:
                return "false"
            result.add(column, "Enter yes or no")
            return UNREADABLE
        if type(form_field) in (forms.ChoiceField, forms.TypedChoiceField):
            return self.choice(column, form_field, text, result)
        if isinstance(form_field, forms.DecimalField):
            return text.removeprefix("£").strip()
        return raw

    def choice(self, column: str, form_field: forms.Field, text: str, result: RowResult) -> Any:
        assert isinstance(form_field, forms.ChoiceField)
        choices = [(str(code), str(label)) for code, label in form_field.choices]  # type: ignore[misc, union-attr]
        codes = [code for code, _ in choices if code]
        if not text:
            default = self.default_for(column)
            return default if default is not None else ""
        words = {key(code.replace("_", " ")): code for code in codes}
        words.update({key(label): code for code, label in choices if code})
        code = words.get(key(text.replace("_", " ")))
        if code is None:
            result.add(column, f"Enter one of: {', '.join(codes)}")
            return UNREADABLE
        return code

    def default_for(self, column: str) -> str | None:
        """A choice column's value when its cell is empty: the model's default, if it has one."""
        model_field = self.model_field(self.column(column).form_field)
        default = model_field.get_default() if model_field is not None else None
        return None if default in (None, "") else str(default)

    def model_field(self, name: str) -> models.Field[Any, Any] | None:
        try:
            found = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return found if isinstance(found, models.Field) else None

    def form_problems(
        self,
        form: forms.BaseForm,
        result: RowResult,
        columns: dict[str, str] | None = None,
        row: Row | None = None,
    ) -> None:
        """The form's messages as row problems, each under the column it is about.

        One message a cell, the form's first: a cell that already has a problem
        (it could not be understood) gets no second message about the value the
        form saw instead, nor a model rule's restatement of a field's message."""
        marked = {problem.column for problem in result.problems if problem.column}
        for name, errors in form.errors.items():
            if name == "__all__":
                for message in errors:
                    result.add("", str(message).rstrip("."))
                continue
            column = (columns or {}).get(name) or self.column_for_field(name)
            if column not in marked:
                marked.add(column)
                message = str(errors[0]).rstrip(".")
                if form.errors.as_data()[name][0].code in NOT_IN_THE_LIST:
                    message = self.not_in_the_list(form, name, column, row)
                result.add(column, message)

    def not_in_the_list(self, form: forms.BaseForm, name: str, column: str, row: Row | None) -> str:
        """Django's "Select a valid choice", said for a spreadsheet: the column, the value in
        the cell and the values it may take."""
        if row is not None and row.has(column):
            value = row.cells[column].strip()
        else:
            given = form.data.get(name, "")
            value = "; ".join(map(str, given)) if isinstance(given, list) else str(given)
        field = form.fields[name]
        allowed: list[str] = []
        if isinstance(field, forms.ModelChoiceField):
            queryset = field.queryset
            allowed = [str(c) for c in queryset[: LISTED + 1]] if queryset is not None else []
        elif isinstance(field, forms.ChoiceField):
            allowed = [str(code) for code, _ in field.choices if code]  # type: ignore[misc, union-attr]
        # Semicolons, as in a spreadsheet's lists: a venue's name may hold a comma.
        listed = "; ".join(allowed[:LISTED])
        if len(allowed) > LISTED:
            listed += "; or another on the upload page's list"
        if not allowed:
            return f"The {column} column cannot be “{value}”: there is nothing it can be yet"
        return f"The {column} column cannot be “{value}”: enter one of {listed}"

    def changed_columns(self, form: forms.BaseForm) -> list[str]:
        return [self.column_for_field(name) or name for name in form.changed_data]
