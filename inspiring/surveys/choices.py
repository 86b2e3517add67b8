"""The survey's controlled lists: what residents say about each kind of activity, what
stops them, and the demographics asked (ONS Census 2021 categories, from casework's
lists, each with "Prefer not to say")."""

from __future__ import annotations

from django.db import models


class Aspect(models.TextChoices):
    """For one category of activity: what is true for the resident (any of them)."""

    KNOWS = "knows", "I know of activities like this near me"
    USES = "uses", "I go to activities like this"
    WANTS = "wants", "I would like to go to (more) activities like this"


class SurveyBarrier(models.TextChoices):
    # The barriers of the original Inspiring Ashfield community survey, in its order.
    AWARENESS = "awareness", "I don't know what's on"
    TIME = "time", "I don't have time"
    NOTHING_APPEALING = "nothing_appealing", "Nothing appeals to me"
    COST = "cost", "Cost"
    SOCIAL_ANXIETY = "social_anxiety", "Feeling anxious about meeting new people"
    TRAVEL = "travel", "Getting there (travel or transport)"
    HEALTH = "health", "My health"
    CARING = "caring", "Caring for someone"
    INFECTION = "infection", "Worry about catching an infection"
    OTHER = "other", "Something else"


# Bit positions in Response.barriers_mask: the order above, never reordered (a new
# barrier goes on the end), or stored answers would change meaning.
BARRIER_BITS: dict[str, int] = {code: bit for bit, code in enumerate(SurveyBarrier.values)}


class AgeBand(models.TextChoices):
    # ONS age bands (adults); the survey asks the band, never a date of birth.
    FROM_16_TO_24 = "16_24", "16 to 24"
    FROM_25_TO_34 = "25_34", "25 to 34"
    FROM_35_TO_44 = "35_44", "35 to 44"
    FROM_45_TO_54 = "45_54", "45 to 54"
    FROM_55_TO_64 = "55_64", "55 to 64"
    FROM_65_TO_74 = "65_74", "65 to 74"
    FROM_75 = "75_plus", "75 or over"
    PREFER_NOT = "prefer_not", "Prefer not to say"


class Mode(models.TextChoices):
    ONLINE = "online", "Online"
    PAPER = "paper", "Paper return, entered by staff"
    IMPORTED = "imported", "Imported from a spreadsheet"


class SectionKind(models.TextChoices):
    CATEGORIES = "categories", "Kinds of activity: knowing of, going to, wanting"
    BARRIERS = "barriers", "What stops you"
    INSTRUMENT = "instrument", "A measure (wellbeing, loneliness, …)"
    GROUPS = "groups", "Groups you belong to"
    DEMOGRAPHICS = "demographics", "About you"
    POSTCODE = "postcode", "Your postcode (kept only as a neighbourhood)"
