"""The made-up groups, towns and names the demo directory is generated from."""

from __future__ import annotations

from dataclasses import dataclass

# Towns and villages of each district, with the postcode sectors they lie in.
LOCALITIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "E07000170": (
        ("Sutton-in-Ashfield", ("NG17 1", "NG17 2", "NG17 4", "NG17 5")),
        ("Kirkby-in-Ashfield", ("NG17 7", "NG17 8", "NG17 9")),
        ("Hucknall", ("NG15 6", "NG15 7")),
        ("Selston", ("NG16 6",)),
        ("Jacksdale", ("NG16 5",)),
        ("Huthwaite", ("NG17 2",)),
        ("Skegby", ("NG17 3",)),
        ("Annesley", ("NG15 0",)),
    ),
    "E07000174": (
        ("Mansfield", ("NG18 1", "NG18 2", "NG18 4", "NG18 5")),
        ("Mansfield Woodhouse", ("NG19 9", "NG19 8")),
        ("Forest Town", ("NG19 0",)),
        ("Warsop", ("NG20 0",)),
        ("Rainworth", ("NG21 0",)),
        ("Pleasley", ("NG19 7",)),
        ("Ladybrook", ("NG19 6",)),
    ),
    "E07000175": (
        ("Newark", ("NG24 1", "NG24 2", "NG24 3", "NG24 4")),
        ("Ollerton", ("NG22 9",)),
        ("Edwinstowe", ("NG21 9",)),
        ("Southwell", ("NG25 0",)),
        ("Clipstone", ("NG21 9",)),
        ("Bilsthorpe", ("NG22 8",)),
        ("Balderton", ("NG24 3",)),
        ("Collingham", ("NG23 7",)),
        ("Blidworth", ("NG21 0",)),
    ),
}


@dataclass(frozen=True)
class Idea:
    """A kind of group and what it runs."""

    name: str  # "{town}" is replaced by the town
    kind: str
    activities: tuple[
        tuple[str, tuple[str, ...], tuple[str, ...]], ...
    ]  # title, categories, features
    venue: str
    evening: bool = False
    cost: str = "free"


IDEAS: tuple[Idea, ...] = (
    Idea(
        "{town} Knit and Natter",
        "community_group",
        (
            (
                "Knit and Natter",
                ("arts-and-crafts", "social-and-friendship"),
                ("come-alone-welcome", "beginners-welcome", "refreshments"),
            ),
            (
                "Crochet for Beginners",
                ("arts-and-crafts", "learning-and-skills"),
                ("beginners-welcome", "small-group"),
            ),
            ("Craft and Chat", ("arts-and-crafts",), ("come-alone-welcome", "quiet-low-sensory")),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Community Choir",
        "charity",
        (
            (
                "Community Choir",
                ("music", "social-and-friendship"),
                ("beginners-welcome", "come-alone-welcome"),
            ),
            (
                "Singing for the Brain",
                ("music", "mental-health"),
                ("dementia-friendly", "carers-welcome", "refreshments"),
            ),
            ("Ukulele Strummers", ("music",), ("beginners-welcome", "small-group")),
        ),
        "St Mary's Church Hall",
        evening=True,
        cost="priced",
    ),
    Idea(
        "{town} Health Walks",
        "charity",
        (
            (
                "Health Walk",
                ("walking", "sport-and-exercise"),
                ("outdoors", "beginners-welcome", "come-alone-welcome"),
            ),
            (
                "Walk and Talk",
                ("walking", "mental-health"),
                ("outdoors", "buddy-available", "small-group"),
            ),
            ("Nature Rambles", ("walking", "gardening-and-nature"), ("outdoors",)),
        ),
        "{town} Park Gates",
    ),
    Idea(
        "{town} Men's Shed",
        "charity",
        (
            (
                "Men's Shed Workshop",
                ("learning-and-skills", "social-and-friendship"),
                ("men-only", "come-alone-welcome", "refreshments"),
            ),
            (
                "Shed Woodturning",
                ("arts-and-crafts", "learning-and-skills"),
                ("men-only", "small-group"),
            ),
            ("Repair Café", ("volunteering", "learning-and-skills"), ("beginners-welcome",)),
        ),
        "The Old Workshop",
    ),
    Idea(
        "{town} Library",
        "council",
        (
            (
                "Digital Drop-in",
                ("digital-skills", "learning-and-skills"),
                ("beginners-welcome", "step-free", "quiet-low-sensory"),
            ),
            (
                "Reading Group",
                ("learning-and-skills", "social-and-friendship"),
                ("come-alone-welcome", "step-free"),
            ),
            ("Rhyme Time", ("parents-and-families",), ("children-welcome", "step-free")),
            ("Local History Talks", ("culture-and-heritage",), ("step-free",)),
        ),
        "{town} Library",
    ),
    Idea(
        "{town} Heritage Society",
        "charity",
        (
            ("Heritage Open Afternoon", ("culture-and-heritage",), ("step-free", "refreshments")),
            (
                "Memories Café",
                ("culture-and-heritage", "social-and-friendship"),
                ("dementia-friendly", "carers-welcome"),
            ),
            (
                "Museum Object Handling",
                ("culture-and-heritage", "learning-and-skills"),
                ("small-group", "quiet-low-sensory"),
            ),
        ),
        "{town} Museum",
    ),
    Idea(
        "{town} Allotment Society",
        "community_group",
        (
            (
                "Community Growing",
                ("gardening-and-nature", "volunteering"),
                ("outdoors", "beginners-welcome"),
            ),
            (
                "Garden Therapy",
                ("gardening-and-nature", "mental-health"),
                ("outdoors", "small-group", "buddy-available"),
            ),
        ),
        "{town} Allotments",
    ),
    Idea(
        "{town} Tai Chi and Chair Yoga",
        "business",
        (
            ("Tai Chi", ("sport-and-exercise",), ("beginners-welcome",)),
            (
                "Chair Yoga",
                ("sport-and-exercise", "mental-health"),
                ("step-free", "beginners-welcome", "small-group"),
            ),
            ("Gentle Stretch", ("sport-and-exercise",), ("step-free",)),
        ),
        "{town} Leisure Centre",
        cost="priced",
    ),
    Idea(
        "{town} Carers Together",
        "charity",
        (
            (
                "Carers' Coffee Morning",
                ("carers", "peer-support"),
                ("carers-welcome", "refreshments", "come-alone-welcome"),
            ),
            ("Carers' Pamper Afternoon", ("carers",), ("carers-welcome", "quiet-low-sensory")),
        ),
        "{town} Methodist Church",
    ),
    Idea(
        "{town} Wellbeing Café",
        "cic",
        (
            (
                "Wellbeing Café",
                ("mental-health", "peer-support", "social-and-friendship"),
                ("come-alone-welcome", "first-visit-accompanied", "refreshments"),
            ),
            (
                "Anxiety Peer Support",
                ("mental-health", "peer-support"),
                ("small-group", "quiet-low-sensory"),
            ),
            (
                "Mindful Colouring",
                ("mental-health", "arts-and-crafts"),
                ("quiet-low-sensory", "beginners-welcome"),
            ),
        ),
        "The Hub, Market Place",
    ),
    Idea(
        "{town} Community Kitchen",
        "cic",
        (
            (
                "Community Lunch Club",
                ("cooking-and-food", "social-and-friendship"),
                ("come-alone-welcome", "refreshments", "step-free"),
            ),
            (
                "Cook and Eat",
                ("cooking-and-food", "learning-and-skills"),
                ("beginners-welcome", "small-group"),
            ),
            (
                "Soup and Sandwich Social",
                ("cooking-and-food", "social-and-friendship"),
                ("refreshments",),
            ),
        ),
        "{town} Miners' Welfare",
        cost="pay_what_you_can",
    ),
    Idea(
        "{town} Money Matters",
        "charity",
        (
            ("Money Advice Drop-in", ("money-and-advice",), ("step-free", "quiet-low-sensory")),
            ("Benefits Help Session", ("money-and-advice",), ("step-free",)),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Bereavement Friends",
        "faith",
        (
            (
                "Bereavement Peer Support",
                ("peer-support", "mental-health"),
                ("small-group", "come-alone-welcome"),
            ),
            (
                "Coffee and Company",
                ("social-and-friendship", "faith"),
                ("refreshments", "come-alone-welcome"),
            ),
        ),
        "St John's Church Hall",
    ),
    Idea(
        "{town} Players",
        "community_group",
        (
            ("Drama Group", ("drama",), ("beginners-welcome",)),
            ("Storytelling Circle", ("drama", "culture-and-heritage"), ("small-group",)),
        ),
        "{town} Arts Centre",
        evening=True,
    ),
    Idea(
        "{town} Tea Dance",
        "community_group",
        (
            (
                "Tea Dance",
                ("dance", "social-and-friendship"),
                ("refreshments", "come-alone-welcome"),
            ),
            ("Line Dancing", ("dance", "sport-and-exercise"), ("beginners-welcome",)),
        ),
        "{town} Town Hall",
        cost="priced",
    ),
    Idea(
        "{town} Family Hub",
        "council",
        (
            ("Stay and Play", ("parents-and-families",), ("children-welcome", "step-free")),
            (
                "Dads' Group",
                ("parents-and-families", "peer-support"),
                ("men-only", "children-welcome"),
            ),
        ),
        "{town} Family Hub",
    ),
    Idea(
        "{town} Volunteers",
        "charity",
        (
            (
                "Litter Pickers",
                ("volunteering", "gardening-and-nature"),
                ("outdoors", "come-alone-welcome"),
            ),
            (
                "Befriending Volunteers Meet-up",
                ("volunteering", "social-and-friendship"),
                ("refreshments",),
            ),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Art Club",
        "community_group",
        (
            ("Art Club", ("arts-and-crafts",), ("beginners-welcome", "small-group")),
            ("Sketching Outdoors", ("arts-and-crafts", "gardening-and-nature"), ("outdoors",)),
        ),
        "{town} Arts Centre",
        cost="priced",
    ),
)

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA")
FIRST_NAMES = ("Sam", "Jo", "Alex", "Pat", "Chris", "Morgan", "Jamie", "Robin", "Kim", "Lee")
LAST_NAMES = ("Green", "Turner", "Walker", "Hill", "Wood", "Baker", "Shaw", "Cooper", "Ward")
STREETS = (
    "Station Road",
    "Church Street",
    "High Street",
    "Victoria Road",
    "Chapel Lane",
    "Park Road",
)
