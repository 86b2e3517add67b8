"""Phone numbers and email addresses as links: tap to call, tap to write.

    {% load contact_links %}
    {{ client.phone|tel_link }}    <a href="tel:+441632960001">01632 960001</a>
    {{ client.email|mailto_link }} <a href="mailto:mary@example.org">mary@example.org</a>

The number is shown as it was written; the link holds it in the international form
(E.164) that every phone dials, wherever it is.
"""

from __future__ import annotations

from urllib.parse import quote

import phonenumbers
from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


def tel_href(number: str) -> str:
    """A `tel:` address for a number as written ("01623 555 123" → tel:+441623555123);
    "" when it holds no digits to dial."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and parsed.national_number:
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(c for c in number if c.isdigit() or c == "+")
    return f"tel:{digits}" if any(c.isdigit() for c in digits) else ""


@register.filter
def tel_link(number: str | None) -> SafeString:
    if not number:
        return SafeString("")
    href = tel_href(number)
    if not href:
        return SafeString(conditional_escape(number))
    return format_html('<a href="{}">{}</a>', href, number)


@register.filter
def mailto_link(address: str | None) -> SafeString:
    if not address:
        return SafeString("")
    # "@" and "+" stay readable; anything that could end the address or start a
    # query ("?", "&", "#", spaces) is percent-encoded.
    return format_html('<a href="mailto:{}">{}</a>', quote(address, safe="@+"), address)
