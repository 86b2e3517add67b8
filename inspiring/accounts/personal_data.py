"""Which records hold personal data, and how each is exported and erased: one registry.

Every app that stores personal data about a person the programme supports (a data
subject: today a casework client; measures will add their answers) registers, in its
`AppConfig.ready()`:

- each model that holds it: the kind of subject it is about (`of=Client`), how the
  model reaches them (`subject="client"`, `"connection__client"`, or `""` for the
  subject's own model), and the fields blanked when the person's data is erased (or
  `delete=True`: the rows are deleted);
- each section of the subject access export: its title, and the function that
  gathers the records for one subject as JSON-ready dicts.

Subject access export and erasure walk this registry; neither names another app's
fields. A test walks every relation that hangs off a subject and fails when a model
holding it is not registered, so a new model cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

Gather = Callable[[Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Holding:
    """A model holding personal data about a subject, and how to erase it."""

    model: type[models.Model]
    # The kind of data subject it is about (a casework Client), and the lookup from this
    # model to them ("" when it is the subject's own model).
    of: type[models.Model]
    subject: str
    # Fields blanked on erasure: everything that holds or could hold something that
    # identifies the person (free text, identifiers, contact details). What is left
    # (dates, statuses, codes, counts) identifies nobody and is kept for monitoring.
    erase: tuple[str, ...] = ()
    # Delete the rows instead of blanking fields.
    delete: bool = False

    def rows(self, subject: models.Model) -> models.QuerySet[Any]:
        manager = self.model._default_manager
        if not self.subject:
            return manager.filter(pk=subject.pk)
        return manager.filter(**{self.subject: subject})


@dataclass(frozen=True)
class Section:
    """A part of the subject access export ("Referrals"), one block per record."""

    key: str
    title: str
    singular: str
    model: type[models.Model]
    gather: Gather
    # Models of records nested in each block (a referral's "changes"), for their labels.
    nested: dict[str, type[models.Model]] = field(default_factory=dict)


_holdings: dict[type[models.Model], Holding] = {}
_sections: dict[str, Section] = {}


def register(
    model: type[models.Model],
    *,
    of: type[models.Model],
    subject: str,
    erase: tuple[str, ...] = (),
    delete: bool = False,
) -> None:
    """Declare that `model` holds personal data about a subject of kind `of`, whom the
    lookup `subject` leads to."""
    for name in erase:
        model._meta.get_field(name)  # a misspelt field fails at start-up, not at erasure
    _holdings[model] = Holding(model, of, subject, erase, delete)


def register_section(
    key: str,
    *,
    title: str,
    singular: str,
    model: type[models.Model],
    gather: Gather,
    nested: dict[str, type[models.Model]] | None = None,
) -> None:
    """Add a section to every subject access export, after those registered before it."""
    _sections[key] = Section(key, title, singular, model, gather, dict(nested or {}))


def holdings(of: type[models.Model] | None = None) -> list[Holding]:
    """Every registered holding, or those about subjects of kind `of`."""
    return [h for h in _holdings.values() if of is None or h.of is of]


def holding_for(model: type[models.Model]) -> Holding | None:
    return _holdings.get(model)


def sections() -> list[Section]:
    return list(_sections.values())


def blank(model: type[models.Model], name: str) -> Any:
    """The value a field is erased to: NULL where it may be, otherwise empty."""
    found = model._meta.get_field(name)
    return None if getattr(found, "null", False) else ""


def erase(subject: models.Model) -> dict[str, int]:
    """Blank (or delete) every registered record of `subject`; rows changed per model.

    Call it inside the caller's transaction: the erasure is all or nothing."""
    changed: dict[str, int] = {}
    for holding in holdings(of=type(subject)):
        rows = holding.rows(subject)
        if holding.delete:
            changed[holding.model._meta.label] = rows.delete()[0]
        elif holding.erase:
            values = {name: blank(holding.model, name) for name in holding.erase}
            changed[holding.model._meta.label] = rows.update(**values)
    return changed
