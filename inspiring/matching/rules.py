"""The readable tables matching uses. Coordinators adjust the barrier table for their
area (models.BarrierRule); these are the defaults every area starts from.

The evidence behind them: the barriers people report are low awareness, time,
cost and social anxiety; belonging to several *different* groups goes with less
loneliness and better wellbeing (hence the widening bonus, by kind of group).
"""

from __future__ import annotations

# barrier -> the support features that answer it (directory SupportFeature codes).
DEFAULT_BARRIER_FEATURES: dict[str, tuple[str, ...]] = {
    "cost": ("free",),
    "transport": ("transport-offered", "online-option"),
    "time": ("online-option", "carers-welcome", "children-welcome"),
    "anxiety": (
        "come-alone-welcome",
        "small-group",
        "buddy-available",
        "first-visit-accompanied",
        "quiet-low-sensory",
    ),
    "not_knowing_anyone": ("come-alone-welcome", "buddy-available", "first-visit-accompanied"),
    "mobility": ("step-free", "transport-offered", "online-option"),
    "health": ("step-free", "quiet-low-sensory", "small-group", "dementia-friendly"),
    "digital": (),
    "language": ("bsl",),
    "infection": ("outdoors", "small-group", "online-option"),
    "awareness": ("beginners-welcome",),
    "nothing_appealing": ("beginners-welcome",),
}
# "free" is not a support feature but the activity's cost; it is matched as one.
FREE = "free"

# What kind of group an activity is, by its categories: a suggestion of a kind the
# person has none of yet earns the widening bonus. Keys are directory category
# slugs; values are casework GroupKind codes (the social identity map's types).
CATEGORY_KIND: dict[str, str] = {
    "arts-and-crafts": "hobby",
    "music": "hobby",
    "drama": "hobby",
    "dance": "sport",
    "sport-and-exercise": "sport",
    "walking": "sport",
    "gardening-and-nature": "hobby",
    "culture-and-heritage": "hobby",
    "learning-and-skills": "work_or_study",
    "digital-skills": "work_or_study",
    "cooking-and-food": "hobby",
    "social-and-friendship": "friends",
    "peer-support": "support",
    "mental-health": "support",
    "carers": "support",
    "parents-and-families": "family",
    "faith": "faith",
    "volunteering": "community",
    "money-and-advice": "support",
}

# Score weights: one place to read (and tune) what matters how much.
WEIGHTS = {
    "interest": 3.0,  # each of their interests the activity serves (at most two count)
    "barrier": 2.0,  # each of their barriers a feature answers
    "near": 2.0,  # at the door; falls to 0 at the edge of their travel
    "soon": 1.5,  # next fitting session within a week (half within a fortnight)
    "confirmed": 0.5,  # the group confirmed the listing in the last 90 days
    "spaces": 0.5,  # welcoming new people (not "limited spaces")
    "widening": 2.0,  # a kind of group they do not belong to yet
}
