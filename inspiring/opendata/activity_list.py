"""Activities as OpenActive sees them: concepts of the official OpenActive Activity List.

OpenActive describes physical activity, and its consumers find opportunities by
the concepts of its activity list. An activity is matched from the words of its
title first ("Chair Yoga" is Chair Yoga, not just Group Exercise), then from its
categories; the concepts and rules are in data/openactive_activity_list.json
(with its source and licence in data/SOURCE.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LIST_URL = "https://openactive.io/activity-list"
DATA = Path(__file__).parent / "data" / "openactive_activity_list.json"


@dataclass(frozen=True)
class Concept:
    id: str
    pref_label: str

    def as_json(self) -> dict[str, Any]:
        return {
            "@type": "Concept",
            "@id": self.id,
            "prefLabel": self.pref_label,
            "inScheme": LIST_URL,
        }


@dataclass(frozen=True)
class Rules:
    by_words: tuple[tuple[re.Pattern[str], Concept], ...]
    by_category: dict[str, Concept]
    # Any of by_words' patterns: most titles name no physical activity, and one search
    # tells so instead of thirty.
    any_words: re.Pattern[str]


@cache
def rules() -> Rules:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    concepts = {c["prefLabel"]: Concept(c["id"], c["prefLabel"]) for c in data["concepts"]}
    # Longest first, so "chair yoga" is found before "yoga".
    words = sorted(data["titleWords"], key=lambda rule: -len(rule["words"]))
    patterns = [rf"\b{re.escape(rule['words'])}\b" for rule in words]
    return Rules(
        by_words=tuple(
            (re.compile(pattern, re.IGNORECASE), concepts[rule["prefLabel"]])
            for pattern, rule in zip(patterns, words, strict=True)
        ),
        by_category={rule["slug"]: concepts[rule["prefLabel"]] for rule in data["categories"]},
        any_words=re.compile("|".join(patterns), re.IGNORECASE),
    )


def mapped_categories() -> frozenset[str]:
    """The category slugs that stand for a concept (the rest are published as `category`)."""
    return frozenset(rules().by_category)


def concepts_for(title: str, category_slugs: list[str]) -> list[Concept]:
    """The official concepts for an activity, in the order found; none if nothing matches."""
    found: list[Concept] = []
    known = rules()
    if known.any_words.search(title):
        remaining = title
        for pattern, concept in known.by_words:
            if pattern.search(remaining):
                # Blank the words out so "Chair Yoga" does not also count as "Yoga".
                remaining = pattern.sub(" ", remaining)
                if concept not in found:
                    found.append(concept)
    if found:
        return found
    for slug in category_slugs:
        by_category = known.by_category.get(slug)
        if by_category is not None and by_category not in found:
            found.append(by_category)
    return found
