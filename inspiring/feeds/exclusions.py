"""Which events of a feed are not imported: private ones never, and those its owner leaves out.

A group that links its everyday calendar shares more than its public events.
Events marked CLASS:PRIVATE or CLASS:CONFIDENTIAL (or any class but PUBLIC:
RFC 5545 says an unknown class is to be treated as PRIVATE) are never
imported (ical.py skips them); the feed's owner can also leave out events by
a word or phrase in their title or by one of their CATEGORIES. What is left
out is reported as a count with the rule that matched: never with its title,
nor its UID, which some calendars make from the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PRIVATE_REASON = "a private or confidential event: not imported, and its details are not shown"
# What a feed's owner may type: FeedSource.exclude_keywords and exclude_categories.
MAX_LIST = 500
MAX_ITEM = 100


def listed(text: str) -> list[str]:
    """The items of a comma-separated list: trimmed, without blanks or repeats (any case)."""
    items: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        item = " ".join(part.split())
        if item:
            items.setdefault(item.casefold(), item)
    return list(items.values())


@dataclass(frozen=True)
class Exclusions:
    """A feed owner's rules. Keywords match whole words or phrases in the title, capitals
    ignored ("art" leaves out "Art club", not "Party"); categories match a whole category
    name, capitals ignored."""

    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    _patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compiled once per import, not per event.
        patterns = tuple(
            (keyword, re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE))
            for keyword in self.keywords
        )
        object.__setattr__(self, "_patterns", patterns)

    @classmethod
    def from_text(cls, keywords: str, categories: str) -> Exclusions:
        return cls(tuple(listed(keywords)), tuple(listed(categories)))

    def __bool__(self) -> bool:
        return bool(self.keywords or self.categories)

    def reason(self, title: str, categories: Iterable[str]) -> str | None:
        """Why an event is left out (the owner's rule, never the event's own words), or None."""
        for keyword, pattern in self._patterns:
            if pattern.search(title):
                return f"left out: its title has “{keyword}”, which this feed leaves out"
        wanted = {name.casefold(): name for name in self.categories}
        for category in categories:
            name = wanted.get(" ".join(category.split()).casefold())
            if name is not None:
                return f"left out: it is in the category “{name}”, which this feed leaves out"
        return None
