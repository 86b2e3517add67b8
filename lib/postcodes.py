"""UK postcode parsing: the shape of a postcode, not whether it exists.

Whether a postcode exists (and where it is) is the geography tables' job
(`inspiring.areas.geography`); this module only turns what someone typed into
the canonical form ("NG18 1AA") or says clearly why it cannot.
"""

from __future__ import annotations

import re

# The outward code is one of A9, A99, AA9, AA99, A9A, AA9A; the inward code is
# 9AA. Letters that are never used in particular positions are not checked:
# an unknown-but-well-formed postcode gets the clearer "we could not find it".
_POSTCODE = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<inward>[0-9][A-Z]{2})$")
# Girobank's postcode, the one outward code with no digit.
_GIR = "GIR0AA"


class PostcodeError(ValueError):
    """A postcode that cannot be understood; str(error) is a message for the person."""


def normalise_postcode(value: str) -> str:
    """Return the canonical form ("NG18 1AA") of a typed postcode.

    Accepts any case and any spacing ("ng181aa", " NG18  1AA ", "N G 1 8 1 A A").
    Raises PostcodeError with a message fit to show the person who typed it.
    """
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        raise PostcodeError("Enter a postcode")
    if compact == _GIR:
        return "GIR 0AA"
    if not re.fullmatch(r"[A-Z0-9]+", compact):
        raise PostcodeError("Enter a postcode using only letters and numbers, like NG18 1AA")
    if len(compact) < 5 or len(compact) > 7:
        raise PostcodeError("Enter a full postcode, like NG18 1AA")
    match = _POSTCODE.match(compact)
    if match is None:
        raise PostcodeError("Enter a real postcode, like NG18 1AA")
    return f"{match['outward']} {match['inward']}"
