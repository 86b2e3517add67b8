"""UK charity and company numbers: normalising what people type, refusing what cannot be one."""

from __future__ import annotations

import re

# England and Wales: 6 or 7 digits (1012345, 211581); Scotland: SC and 6 digits;
# Northern Ireland: NIC and 6 digits (NIC100002).
_CHARITY = re.compile(r"^(\d{6,7}|SC\d{6}|NIC\d{6})$")
# Companies House: 8 digits, or a 2-letter register prefix and 6 digits
# (SC Scotland, NI Northern Ireland, OC LLP, CE/CS charitable incorporated …).
_COMPANY = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
_COMPANY_PREFIXES = frozenset(
    [
        "SC",
        "NI",
        "OC",
        "SO",
        "NC",
        "R0",
        "NF",
        "FC",
        "SE",
        "IP",
        "SP",
        "RS",
        "SL",
        "NP",
        "NO",
        "NA",
        "RC",
        "SR",
        "LP",
        "GE",
        "ES",
        "PC",
        "CE",
        "CS",
        "SA",
        "NZ",
    ]
)


class IdentifierError(ValueError):
    """str(error) is a message for the person who typed the number."""


def normalise_charity_number(value: str) -> str:
    text = re.sub(r"[\s-]", "", value or "").upper()
    if not _CHARITY.match(text):
        raise IdentifierError(
            "Enter a charity number as registered, like 1012345, SC012345 or NIC100002"
        )
    return text


def normalise_company_number(value: str) -> str:
    text = re.sub(r"\s", "", value or "").upper()
    if text.isdigit() and 1 <= len(text) < 8:
        text = text.zfill(8)  # Companies House pads numbers to 8 digits
    if not _COMPANY.match(text) or (text[:2].isalpha() and text[:2] not in _COMPANY_PREFIXES):
        raise IdentifierError("Enter a company number as registered, like 01234567 or SC123456")
    return text
