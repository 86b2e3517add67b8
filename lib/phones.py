"""Phone numbers a text message can go to.

The same rule as casework's `text_number` for a UK number (a number the numbering plan
knows must be a mobile by its type; a full-length 07 number it has not allocated, such
as Ofcom's drama range 07700 900 xxx that the forms accept and the examples use, is
taken as the mobile it looks like), for callers that must not import casework. UK
mobiles only: a resident booking online gives a UK number.
"""

from __future__ import annotations

import re

import phonenumbers

_NOT_DIGITS = re.compile(r"[\s\-().]")
_UK_MOBILE = re.compile(r"(?:\+44|44|0044|0)7\d{9}")


def uk_mobile(phone: str) -> str | None:
    """The number as a text message is sent to it ("+447700900982"), or None for a
    landline, a number from abroad, or nonsense."""
    number = _NOT_DIGITS.sub("", phone or "")
    if not _UK_MOBILE.fullmatch(number):
        return None
    mobile = "+447" + number[-9:]
    parsed = phonenumbers.parse(mobile)
    if phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None  # 070 personal numbers, 076 pagers
    return mobile
