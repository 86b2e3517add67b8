"""UK charity, company and NHS numbers: normalising what people type, refusing non-numbers."""

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


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of an NHS number's first nine digits (None: no valid one).

    Weights 10 down to 2; the check digit is 11 minus the remainder mod 11, 11 becomes 0,
    and 10 means no NHS number can start with those nine digits.
    """
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def normalise_nhs_number(value: str) -> str:
    """Ten digits (spaces and dashes as people write them, "943 476 5919", are dropped)."""
    text = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{10}", text):
        raise IdentifierError("Enter an NHS number of 10 digits, like 943 476 5919")
    if nhs_number_check_digit(text[:9]) != int(text[9]):
        raise IdentifierError(
            "This is not a valid NHS number: its last digit does not match. Check it against "
            "the person's NHS letter or app"
        )
    return text


def format_nhs_number(value: str) -> str:
    """3 3 4 spacing, as the NHS writes it."""
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 10 else value
