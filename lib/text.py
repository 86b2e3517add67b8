"""Text from people and from outside: Markdown rendered to a safe subset of HTML.

Descriptions are written by partner groups (and later imported from feeds),
so whatever HTML or script they contain must never reach a page. Markdown is
rendered with raw HTML switched off, then the result is sanitised with nh3
(ammonia) to an allow-list of tags and attributes; links are marked
rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3
from django.core.validators import MaxLengthValidator
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h3", "h4", "code"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# CommonMark without raw HTML; links are linkified only when written as links.
_markdown = MarkdownIt("commonmark", {"html": False}).disable("image")
_HEADING = re.compile(r"<(/?)h([1-6])>")


def sanitise_html(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Safe HTML for a description written in Markdown (headings become h3/h4)."""
    rendered = _markdown.render(text or "")
    # The page owns h1 and h2: a description's headings become h3 (#) or h4 (## and deeper).
    rendered = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 4)}>", rendered)
    return sanitise_html(rendered)


def plain_text(html_or_text: str) -> str:
    """Text with every tag removed and entities decoded (for iCalendar and JSON-LD)."""
    return " ".join(html.unescape(nh3.clean(html_or_text or "", tags=set())).split())


def limited(length: int, what: str) -> dict[str, Any]:
    """A text field's `max_length` and the validator that enforces it, as model field
    keyword arguments: a TextField's max_length binds its form field, but neither the
    database nor the model's full_clean checks it without the validator."""
    return {
        "max_length": length,
        "validators": [MaxLengthValidator(length, too_long(what, length))],
    }


def too_long(what: str, length: int) -> str:
    """The message for text past its limit, as every form says it."""
    return f"{what} must be {length:,} characters or fewer"


def search_text(value: str | None, *, limit: int = 100) -> str:
    """What someone typed into a search box, safe to put in a query: trimmed, cut to
    `limit` characters, without NUL characters (which PostgreSQL refuses in text)."""
    return (value or "").replace("\x00", "").strip()[:limit]
