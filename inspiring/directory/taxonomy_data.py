"""The seeded vocabularies. Migrations load these; tests and demo data use the codes."""

from __future__ import annotations

from typing import Any

# (slug, name, description)
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("arts-and-crafts", "Arts and crafts", "Painting, drawing, knitting, making things"),
    ("music", "Music", "Singing, choirs, bands, learning an instrument"),
    ("drama", "Drama", "Theatre, acting, storytelling"),
    ("dance", "Dance", "Dance classes and social dancing"),
    ("sport-and-exercise", "Sport and exercise", "Sports, fitness, swimming, chair exercise"),
    ("walking", "Walking", "Walking groups and health walks"),
    ("gardening-and-nature", "Gardening and nature", "Gardening, allotments, conservation"),
    (
        "culture-and-heritage",
        "Culture and heritage",
        "Museums, libraries, galleries, local history",
    ),
    ("learning-and-skills", "Learning and skills", "Courses, talks, languages"),
    ("digital-skills", "Digital skills", "Getting online, using a phone or computer"),
    ("cooking-and-food", "Cooking and food", "Cooking, community meals, lunch clubs"),
    ("social-and-friendship", "Social and friendship", "Coffee mornings, clubs, meeting people"),
    ("peer-support", "Peer support", "Groups for people with shared experience"),
    ("mental-health", "Mental health", "Support for wellbeing and mental health"),
    ("carers", "Carers", "For people who look after someone"),
    ("parents-and-families", "Parents and families", "Groups for parents, children and families"),
    ("faith", "Faith", "Faith groups and places of worship"),
    ("volunteering", "Volunteering", "Ways to help out and give time"),
    ("money-and-advice", "Money and advice", "Benefits, debt, housing and practical advice"),
)

# (code, name, description)
SUPPORT_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("come-alone-welcome", "Come alone welcome", "Many people come on their own"),
    ("beginners-welcome", "Beginners welcome", "No experience needed"),
    ("buddy-available", "Buddy available", "A volunteer can keep you company"),
    (
        "first-visit-accompanied",
        "First visit accompanied",
        "Someone can come with you the first time",
    ),
    ("small-group", "Small group", "Usually fewer than 12 people"),
    ("quiet-low-sensory", "Quiet or low-sensory", "Calm, quiet surroundings"),
    ("outdoors", "Outdoors", "Takes place outside"),
    ("online-option", "Online option", "You can join online"),
    ("step-free", "Step-free", "Step-free access throughout"),
    ("bsl", "British Sign Language", "BSL interpretation or signing leaders"),
    ("dementia-friendly", "Dementia friendly", "Suitable for people living with dementia"),
    ("women-only", "Women only", "For women"),
    ("men-only", "Men only", "For men"),
    ("carers-welcome", "Carers welcome", "Bring the person you care for"),
    ("children-welcome", "Children welcome", "Children can come too"),
    ("refreshments", "Refreshments", "Tea, coffee or food provided"),
    ("transport-offered", "Transport offered", "Help getting there"),
)


def seed_taxonomy(category_model: Any, feature_model: Any) -> None:
    """Create missing categories and features; leave existing rows (and their edits) alone.

    Takes the models as arguments so a migration can pass its historical ones.
    """
    for order, (slug, name, description) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )
    for order, (code, name, description) in enumerate(SUPPORT_FEATURES, start=1):
        feature_model.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )
