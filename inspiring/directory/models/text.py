"""How long the directory's free text may be, enforced by the model and its forms alike.

A TextField's max_length is not enforced by the database, and a model's
full_clean does not check it either: the validator here does. The forms get
the same limit from the field (and say it in words, see forms.py), and
importers cut imported text to `Model._meta.get_field(name).max_length`.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator


def limited(length: int, what: str) -> dict[str, Any]:
    """A text field's max_length and the validator that enforces it, with a message for people."""
    message = f"{what} must be {length:,} characters or fewer"
    return {"max_length": length, "validators": [MaxLengthValidator(length, message)]}
