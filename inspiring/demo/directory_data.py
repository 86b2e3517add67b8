"""The made-up groups, towns and names the demo directory is generated from.

Everything here is invented for the demonstration (the site says so on every page):
groups, people and listings are fictional, written to read like a real programme.
"""

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
class Plan:
    """One activity a group runs, as its listing reads. Made up for the demo.

    "{town}" and "{venue}" in the text are replaced by the group's town and venue.
    """

    title: str
    categories: tuple[str, ...]
    features: tuple[str, ...]
    summary: str
    description: str  # Markdown
    first_visit: str  # what to expect the first time
    audience: str
    min_age: int | None = None
    max_age: int | None = None
    cost: str | None = None  # None: the group's usual cost (Idea.cost)
    price: str = "3.00"  # when priced
    concession: str | None = None
    cost_notes: str = ""
    booking: str = "drop_in"
    capacity: int | None = None
    greeter: str = "{name}, one of the volunteers"
    bring_someone: str = "yes"


@dataclass(frozen=True)
class Idea:
    """A kind of group and what it runs."""

    name: str  # "{town}" is replaced by the town
    kind: str
    activities: tuple[Plan, ...]
    venue: str
    evening: bool = False
    cost: str = "free"


ADULTS = "Adults"
EVERYONE = "Everyone: children with an adult"

IDEAS: tuple[Idea, ...] = (
    Idea(
        "{town} Knit and Natter",
        "community_group",
        (
            Plan(
                "Knit and Natter",
                ("arts-and-crafts", "social-and-friendship"),
                ("come-alone-welcome", "beginners-welcome", "refreshments"),
                "Bring whatever you are making, or borrow needles and wool, and chat over a cuppa.",
                "A relaxed knitting circle that has met in {town} for years. Some people knit "
                "blankets for the baby unit, some come mostly for the conversation.\n\n"
                "- Needles and wool to borrow\n- Tea, coffee and biscuits\n"
                "- Help to pick up a dropped stitch",
                "Come in through the side door by the car park. Someone will find you a seat "
                "and a cup of tea; you do not need to bring anything.",
                ADULTS,
                min_age=18,
                greeter="{name}, who started the group",
            ),
            Plan(
                "Crochet for Beginners",
                ("arts-and-crafts", "learning-and-skills"),
                ("beginners-welcome", "small-group"),
                "Learn to crochet from scratch over six friendly weeks: a hook, some yarn and a "
                "patient teacher.",
                "Start with a chain and finish with a granny square. Each week builds on the "
                "last, but if you miss one we will help you catch up.\n\n"
                "Hooks and yarn are provided for the course.",
                "The group is small, so it helps to let us know you are coming. Sessions start "
                "with a quick show-and-tell of what people made at home.",
                "Adults and young people",
                min_age=16,
                cost="priced",
                price="2.00",
                cost_notes="Materials included",
                booking="book_first",
                capacity=8,
            ),
            Plan(
                "Craft and Chat",
                ("arts-and-crafts",),
                ("come-alone-welcome", "quiet-low-sensory"),
                "A quiet afternoon making cards, collage and small crafts, with no pressure to "
                "chat if you would rather not.",
                "Each week there is a simple project on the table (cards in December, "
                "bunting in spring), or bring your own.\n\n"
                "The room is kept calm, with soft lighting and no music.",
                "Turn up any time in the first half hour. There is a quiet corner if you want "
                "to watch before joining in.",
                EVERYONE,
            ),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Community Choir",
        "charity",
        (
            Plan(
                "Community Choir",
                ("music", "social-and-friendship"),
                ("beginners-welcome", "come-alone-welcome"),
                "A friendly choir for anyone who likes to sing: pop, folk and musicals, learnt "
                "by ear. No auditions and no need to read music.",
                "We learn songs in parts by listening and repeating, with lyrics on sheets. "
                "Twice a year we sing at the {town} Christmas lights and the summer fair.\n\n"
                "Your first two weeks are free.",
                "Arrive ten minutes early and say hello to {name} at the door, who will put "
                "you next to someone in your part. Just listen if you prefer.",
                "Adults and young people",
                min_age=14,
                price="3.00",
                concession="1.50",
                cost_notes="First two weeks free",
                greeter="{name}, the choir leader",
            ),
            Plan(
                "Singing for the Brain",
                ("music", "mental-health"),
                ("dementia-friendly", "carers-welcome", "refreshments"),
                "Singing familiar songs together for people living with dementia and the "
                "people who care for them.",
                "Warm-ups, well-known songs from the 1950s to the 1980s and a cuppa halfway "
                "through. Run with the local dementia support service.\n\n"
                "The session is gentle and everyone joins in as much as they like.",
                "Please ring before your first visit so we can tell you about the building "
                "and get a name badge ready.",
                "People living with dementia, with a family member or carer",
                cost="free",
                booking="book_first",
                capacity=20,
                bring_someone="yes",
            ),
            Plan(
                "Ukulele Strummers",
                ("music",),
                ("beginners-welcome", "small-group"),
                "Learn three chords and play a song on the first night. Ukuleles to borrow.",
                "A cheerful group learning simple songs on the ukulele. We go at the pace of "
                "the newest player.\n\nSpare ukuleles are kept at the hall.",
                "Ask for a loan ukulele when you arrive; someone will tune it and show you "
                "how to hold it.",
                "Young people and adults (under 16s with an adult)",
                min_age=12,
                price="2.50",
                capacity=15,
            ),
        ),
        "St Mary's Church Hall",
        evening=True,
        cost="priced",
    ),
    Idea(
        "{town} Health Walks",
        "charity",
        (
            Plan(
                "Health Walk",
                ("walking", "sport-and-exercise"),
                ("outdoors", "beginners-welcome", "come-alone-welcome"),
                "A gentle hour's walk on paths and pavements, led by trained volunteers, with "
                "a café stop at the end for those who want it.",
                "About two miles at an easy pace, mostly flat. A walk leader goes at the front "
                "and a back marker makes sure nobody is left behind.\n\n"
                "- Comfortable shoes are all you need\n- Walks go ahead in light rain",
                "Meet at {venue} five minutes before the start. The leader will ask you to "
                "fill in a short form the first time.",
                EVERYONE,
                greeter="{name}, the walk leader",
            ),
            Plan(
                "Walk and Talk",
                ("walking", "mental-health"),
                ("outdoors", "buddy-available", "small-group"),
                "A slow walk in a small group, for anyone finding things hard: talking is "
                "welcome but never expected.",
                "Run with the local mental health charity. Walks are about forty minutes and "
                "finish back where they started.\n\n"
                "A buddy can walk with you and keep you company the first few times.",
                "Tell the leader if you would like a buddy. You can leave at any point: just "
                "let someone know.",
                ADULTS,
                min_age=18,
                capacity=10,
                bring_someone="yes",
            ),
            Plan(
                "Nature Rambles",
                ("walking", "gardening-and-nature"),
                ("outdoors",),
                "Longer rambles through woods and country parks around {town}, stopping to "
                "look at birds, trees and wildflowers.",
                "Three to five miles, some stiles and muddy paths. The route changes every "
                "month and is posted on the noticeboard.\n\nBring water and a snack.",
                "Walking boots help. If you are not sure you can manage the distance, ring "
                "first and we will suggest a shorter route.",
                "Adults and families with older children",
                min_age=8,
            ),
        ),
        "{town} Park Gates",
    ),
    Idea(
        "{town} Men's Shed",
        "charity",
        (
            Plan(
                "Men's Shed Workshop",
                ("learning-and-skills", "social-and-friendship"),
                ("men-only", "come-alone-welcome", "refreshments"),
                "A workshop where men make, mend and chat shoulder to shoulder: bird boxes, "
                "benches for the park and repairs for neighbours.",
                "Tools, wood and a kettle. Members share skills, and there is always a job "
                "that needs a spare pair of hands.\n\n"
                "Safety training is given before you use the machines.",
                "Knock on the green door. You can just have a brew and look round the first time.",
                "Men",
                min_age=18,
                cost="priced",
                price="2.00",
                cost_notes="Covers tea and materials",
                greeter="{name}, the shed chair",
            ),
            Plan(
                "Shed Woodturning",
                ("arts-and-crafts", "learning-and-skills"),
                ("men-only", "small-group"),
                "Learn to turn bowls and pens on the lathe, four people at a time.",
                "An experienced turner takes you through the basics. Goggles and aprons are "
                "provided.",
                "Places are limited by the number of lathes: ring to book a slot.",
                "Men",
                min_age=18,
                cost="priced",
                price="4.00",
                booking="book_first",
                capacity=4,
            ),
            Plan(
                "Repair Café",
                ("volunteering", "learning-and-skills"),
                ("beginners-welcome",),
                "Bring a broken lamp, a torn coat or a wobbly chair and fix it with a "
                "volunteer, instead of throwing it away.",
                "Volunteer fixers for electrics, sewing, bikes and furniture. You stay with "
                "your item and learn how it was mended.\n\nOne item per person at busy times.",
                "Give your name at the welcome desk and we will call you when a fixer is free. "
                "There is tea while you wait.",
                "Everyone (under 16s with an adult)",
                cost="pay_what_you_can",
            ),
        ),
        "The Old Workshop",
    ),
    Idea(
        "{town} Library",
        "council",
        (
            Plan(
                "Digital Drop-in",
                ("digital-skills", "learning-and-skills"),
                ("beginners-welcome", "step-free", "quiet-low-sensory"),
                "Help with a phone, tablet or computer: video calls, repeat prescriptions, "
                "online forms and staying safe from scams.",
                "Library staff and digital volunteers sit with you one to one. Bring your own "
                "device or use one of ours.\n\nBring any passwords you need written down.",
                "Sessions are first come, first served; you may wait a few minutes at busy times.",
                "Adults",
                min_age=16,
                cost="free",
                greeter="{name} from the library team",
            ),
            Plan(
                "Reading Group",
                ("learning-and-skills", "social-and-friendship"),
                ("come-alone-welcome", "step-free"),
                "A friendly book group that reads one book a month and talks about it over "
                "tea. Copies are lent free by the library.",
                "We choose the books together, from crime to memoirs. Not finishing the book "
                "is fine; many people come for the company.",
                "Collect this month's book from the library desk a few weeks before.",
                ADULTS,
                min_age=18,
                cost="free",
                capacity=14,
            ),
            Plan(
                "Rhyme Time",
                ("parents-and-families",),
                ("children-welcome", "step-free"),
                "Songs, rhymes and stories for babies and toddlers with their parents, "
                "grandparents or carers.",
                "Half an hour of action songs and nursery rhymes, then time to play and look "
                "at books. Buggies can be left by the children's library.\n\n"
                "A good way to meet other parents nearby.",
                "Arrive a few minutes early to find a space on the mat. Babies can feed, "
                "sleep or crawl about as they like.",
                "Babies and toddlers with a parent or carer",
                min_age=0,
                max_age=4,
                cost="free",
                capacity=25,
                greeter="{name} from the children's library",
            ),
            Plan(
                "Local History Talks",
                ("culture-and-heritage",),
                ("step-free",),
                "Monthly talks on {town}'s past, from the pits and mills to the people who "
                "lived here, with old photographs.",
                "A local historian speaks for forty minutes, then there are questions and "
                "memories. Bring your own photos to share.",
                "Seats are set out from ten minutes before; there is a hearing loop.",
                "Everyone",
                cost="free",
            ),
        ),
        "{town} Library",
    ),
    Idea(
        "{town} Heritage Society",
        "charity",
        (
            Plan(
                "Heritage Open Afternoon",
                ("culture-and-heritage",),
                ("step-free", "refreshments"),
                "Look round the society's collection of photographs, maps and objects from "
                "old {town}, with volunteers to show you round.",
                "Different displays each month, and time to look up your street or family in "
                "the archive.",
                "Just walk in. Tea and cake are served in the back room.",
                "Everyone",
            ),
            Plan(
                "Memories Café",
                ("culture-and-heritage", "social-and-friendship"),
                ("dementia-friendly", "carers-welcome"),
                "A relaxed café for people living with memory loss and the people who care "
                "for them, with old objects and music to spark conversation.",
                "Dementia Friends volunteers host each table. Carers often swap tips while "
                "their family member chats.",
                "Come together with the person you care for. Ring first if you would like to "
                "talk things through.",
                "People living with memory loss, with their carers",
                bring_someone="yes",
            ),
            Plan(
                "Museum Object Handling",
                ("culture-and-heritage", "learning-and-skills"),
                ("small-group", "quiet-low-sensory"),
                "Hold and talk about real objects from the collection in a small, calm group.",
                "A curator brings out a box of things (a miner's lamp, a ration book) and the "
                "group guesses what they are and shares stories.",
                "Numbers are small so that everyone gets a turn: please book.",
                "Adults",
                min_age=16,
                booking="book_first",
                capacity=8,
            ),
        ),
        "{town} Museum",
    ),
    Idea(
        "{town} Allotment Society",
        "community_group",
        (
            Plan(
                "Community Growing",
                ("gardening-and-nature", "volunteering"),
                ("outdoors", "beginners-welcome"),
                "Grow vegetables and flowers on the shared plot: digging, sowing, weeding and "
                "taking home some of the harvest.",
                "No experience needed. Jobs are chosen to suit what you can do, from potting "
                "on at a bench to heavier digging.\n\nTools and gloves provided.",
                "Wear old clothes and shoes you do not mind getting muddy. Meet at the shed "
                "at the top of the site.",
                EVERYONE,
            ),
            Plan(
                "Garden Therapy",
                ("gardening-and-nature", "mental-health"),
                ("outdoors", "small-group", "buddy-available"),
                "Small therapeutic gardening sessions for people recovering from illness or "
                "finding life hard, led by a horticultural therapist.",
                "Gentle tasks in a sheltered corner of the allotments, with a polytunnel for "
                "wet days.\n\nPlaces come through a link worker or GP practice.",
                "Your link worker will arrange a short visit first so you can meet the therapist.",
                ADULTS,
                min_age=18,
                booking="referral_only",
                capacity=6,
                bring_someone="ask",
            ),
        ),
        "{town} Allotments",
    ),
    Idea(
        "{town} Tai Chi and Chair Yoga",
        "business",
        (
            Plan(
                "Tai Chi",
                ("sport-and-exercise",),
                ("beginners-welcome",),
                "Slow, flowing movements for balance, strength and calm. Suitable for "
                "beginners; you can sit for parts of it.",
                "A qualified instructor teaches a short form step by step. Regular practice "
                "is known to help balance and reduce falls.",
                "Wear loose clothes and flat shoes. Tell the instructor about any health "
                "conditions before you start.",
                ADULTS,
                min_age=18,
                price="5.00",
                concession="4.00",
                capacity=20,
                greeter="{name}, the instructor",
            ),
            Plan(
                "Chair Yoga",
                ("sport-and-exercise", "mental-health"),
                ("step-free", "beginners-welcome", "small-group"),
                "Gentle yoga done sitting on, or holding, a chair: good for stiff joints, "
                "limited mobility or just starting out.",
                "Breathing, stretches and relaxation, led at a gentle pace. Everything can be "
                "adapted.",
                "Places are limited: please book. Arrive five minutes early so we can set "
                "out a chair for you.",
                "Adults, especially older people or anyone with limited mobility",
                min_age=18,
                price="4.00",
                concession="3.00",
                booking="book_first",
                capacity=12,
            ),
            Plan(
                "Gentle Stretch",
                ("sport-and-exercise",),
                ("step-free",),
                "A low-impact stretch and mobility class to ease aches and keep you moving.",
                "Standing and seated stretches to music, finishing with ten minutes of relaxation.",
                "Bring a bottle of water. Mats are provided.",
                ADULTS,
                min_age=18,
                price="3.50",
                capacity=20,
            ),
        ),
        "{town} Leisure Centre",
        cost="priced",
    ),
    Idea(
        "{town} Carers Together",
        "charity",
        (
            Plan(
                "Carers' Coffee Morning",
                ("carers", "peer-support"),
                ("carers-welcome", "refreshments", "come-alone-welcome"),
                "Time out for unpaid carers: a cuppa, a chat with people who understand, and "
                "advice if you want it.",
                "A carers' support worker is there each month to help with carer's "
                "assessments, breaks and benefits.\n\n"
                "You can bring the person you care for.",
                "Just come in; someone will introduce you. Everything you share stays in the "
                "group.",
                "Adult carers",
                min_age=18,
            ),
            Plan(
                "Carers' Pamper Afternoon",
                ("carers",),
                ("carers-welcome", "quiet-low-sensory"),
                "An afternoon just for you: hand massage, a haircut or a quiet sit-down, "
                "given by volunteer therapists.",
                "Treatments are short and free. There is a quiet room if you would rather "
                "just rest.",
                "Treatments are booked in advance: ring to choose a time.",
                "Adult carers",
                min_age=18,
                booking="book_first",
                capacity=10,
            ),
        ),
        "{town} Methodist Church",
    ),
    Idea(
        "{town} Wellbeing Café",
        "cic",
        (
            Plan(
                "Wellbeing Café",
                ("mental-health", "peer-support", "social-and-friendship"),
                ("come-alone-welcome", "first-visit-accompanied", "refreshments"),
                "A drop-in café for anyone feeling low, anxious or alone: free drinks, a warm "
                "room and people to talk to.",
                "Run by people with their own experience of mental ill health. A wellbeing "
                "worker is there to talk things through privately.",
                "Someone can meet you outside the first time: ring ahead and ask for {name}.",
                ADULTS,
                min_age=18,
                bring_someone="yes",
            ),
            Plan(
                "Anxiety Peer Support",
                ("mental-health", "peer-support"),
                ("small-group", "quiet-low-sensory"),
                "A small, confidential group for people living with anxiety, sharing what helps.",
                "Facilitated by a trained peer. Each week has a theme, such as sleep or "
                "panic, and there is no pressure to speak.",
                "Please ring before your first visit so the facilitator can say hello and "
                "explain how the group works.",
                ADULTS,
                min_age=18,
                booking="book_first",
                capacity=10,
                bring_someone="ask",
            ),
            Plan(
                "Mindful Colouring",
                ("mental-health", "arts-and-crafts"),
                ("quiet-low-sensory", "beginners-welcome"),
                "Colouring, calm music and a hot drink: an easy way to switch off for an hour.",
                "Pens, pencils and designs provided. Many people find it helps with "
                "racing thoughts.",
                "Sit wherever you like. Nobody will ask you to share your work.",
                "Adults",
                min_age=16,
            ),
        ),
        "The Hub, Market Place",
    ),
    Idea(
        "{town} Community Kitchen",
        "cic",
        (
            Plan(
                "Community Lunch Club",
                ("cooking-and-food", "social-and-friendship"),
                ("come-alone-welcome", "refreshments", "step-free"),
                "A hot two-course lunch and good company, cooked fresh by volunteers. Pay what "
                "you can.",
                "A main course, a pudding and a cup of tea. Vegetarian and soft options "
                "every week.\n\nMany people come on their own.",
                "Please book by the Monday before so we cook enough. Tell us about any diets "
                "or allergies.",
                "Everyone, especially older people and anyone eating alone",
                booking="book_first",
                capacity=40,
            ),
            Plan(
                "Cook and Eat",
                ("cooking-and-food", "learning-and-skills"),
                ("beginners-welcome", "small-group"),
                "Learn to cook cheap, healthy meals on a budget, then sit down and eat together.",
                "A six-week course: one-pot meals, batch cooking and using up leftovers. You "
                "take home recipe cards.",
                "Places are limited to eight: book with the kitchen.",
                ADULTS,
                min_age=18,
                cost="pay_what_you_can",
                booking="book_first",
                capacity=8,
            ),
            Plan(
                "Soup and Sandwich Social",
                ("cooking-and-food", "social-and-friendship"),
                ("refreshments",),
                "Homemade soup, a sandwich and a natter. No need to book.",
                "Soup made from surplus food from local shops. Bring a friend or come on your own.",
                "Find a seat and a volunteer will bring you a bowl.",
                "Everyone",
            ),
        ),
        "{town} Miners' Welfare",
        cost="pay_what_you_can",
    ),
    Idea(
        "{town} Money Matters",
        "charity",
        (
            Plan(
                "Money Advice Drop-in",
                ("money-and-advice",),
                ("step-free", "quiet-low-sensory"),
                "Free, confidential help with debts, bills and budgeting from trained advisers.",
                "See an adviser in a private room. They can talk to your creditors for you "
                "and help you make a plan.",
                "Bring any letters or bills you are worried about. You may wait up to half "
                "an hour at busy times.",
                ADULTS,
                min_age=18,
                greeter="{name} on the welcome desk",
            ),
            Plan(
                "Benefits Help Session",
                ("money-and-advice",),
                ("step-free",),
                "Help to check what you are entitled to and fill in benefit forms, including "
                "PIP and Universal Credit.",
                "One-to-one appointments of about an hour with a welfare rights adviser.",
                "Appointments only: ring to book. Bring any letters from the DWP.",
                ADULTS,
                min_age=18,
                booking="book_first",
                capacity=6,
            ),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Bereavement Friends",
        "faith",
        (
            Plan(
                "Bereavement Peer Support",
                ("peer-support", "mental-health"),
                ("small-group", "come-alone-welcome"),
                "A gentle group for anyone who has lost someone close, however long ago.",
                "Led by trained volunteers who have been bereaved themselves. You do not have "
                "to talk; listening is welcome too.\n\nOpen to people of any faith or none.",
                "Ring first if you can, so someone can look out for you.",
                ADULTS,
                min_age=18,
                bring_someone="ask",
            ),
            Plan(
                "Coffee and Company",
                ("social-and-friendship", "faith"),
                ("refreshments", "come-alone-welcome"),
                "Coffee, cake and conversation in the church hall. Everyone welcome, whether "
                "or not you go to church.",
                "Board games and the papers are out, and there is always someone to chat to.",
                "Walk in any time. The hall is to the left of the church.",
                "Everyone",
            ),
        ),
        "St John's Church Hall",
    ),
    Idea(
        "{town} Players",
        "community_group",
        (
            Plan(
                "Drama Group",
                ("drama",),
                ("beginners-welcome",),
                "Theatre games, improvisation and two shows a year. No experience needed, "
                "and you never have to act on stage if you would rather help backstage.",
                "Warm-up games, then scene work. Newcomers often start by reading small parts.",
                "Wear clothes you can move in. The first evening is just games.",
                "Adults and young people",
                min_age=16,
                cost="priced",
                price="2.00",
            ),
            Plan(
                "Storytelling Circle",
                ("drama", "culture-and-heritage"),
                ("small-group",),
                "Share a story, a memory or a folk tale, or just listen, by candlelight.",
                "Each month has a theme. Stories last a few minutes each.",
                "Come and listen the first time if you prefer.",
                "Everyone, children included",
                min_age=8,
            ),
        ),
        "{town} Arts Centre",
        evening=True,
    ),
    Idea(
        "{town} Tea Dance",
        "community_group",
        (
            Plan(
                "Tea Dance",
                ("dance", "social-and-friendship"),
                ("refreshments", "come-alone-welcome"),
                "Ballroom and sequence dancing to music from the 1940s to today, with tea and "
                "cake halfway through.",
                "A mix of dances with a teacher calling the steps for newcomers. Many people "
                "come without a partner.",
                "Tickets at the door. Flat shoes are fine.",
                "Everyone, especially older people",
                price="3.00",
                cost_notes="Includes tea and cake",
            ),
            Plan(
                "Line Dancing",
                ("dance", "sport-and-exercise"),
                ("beginners-welcome",),
                "Beginners' line dancing: learn a new dance each week to country and pop.",
                "The teacher breaks each dance into steps before putting it to music. No "
                "partner needed.",
                "Arrive ten minutes early to learn the first steps.",
                "Adults and young people",
                min_age=14,
                price="4.00",
                capacity=30,
            ),
        ),
        "{town} Town Hall",
        cost="priced",
    ),
    Idea(
        "{town} Family Hub",
        "council",
        (
            Plan(
                "Stay and Play",
                ("parents-and-families",),
                ("children-welcome", "step-free"),
                "Play sessions for under-fives with their parents or carers: toys, messy "
                "play and a chance to meet other families.",
                "Family hub staff are there to chat about sleep, feeding or anything else on "
                "your mind.\n\nFree fruit and drinks for children.",
                "Sign in at reception. There is space for buggies and baby changing.",
                "Children under 5 with a parent or carer",
                min_age=0,
                max_age=4,
                cost="free",
            ),
            Plan(
                "Dads' Group",
                ("parents-and-families", "peer-support"),
                ("men-only", "children-welcome"),
                "A Saturday morning group for dads, grandads and male carers, with their children.",
                "Play, a bacon roll and a chat with other dads. Sometimes a trip out.",
                "Just come along with your children. {name} will show you round.",
                "Dads and male carers, with children under 5",
                cost="free",
            ),
        ),
        "{town} Family Hub",
    ),
    Idea(
        "{town} Volunteers",
        "charity",
        (
            Plan(
                "Litter Pickers",
                ("volunteering", "gardening-and-nature"),
                ("outdoors", "come-alone-welcome"),
                "Help keep {town} tidy: an hour's litter pick around the parks and streets, "
                "then a brew.",
                "Pickers, bags, gloves and hi-vis vests provided.",
                "Meet at {venue}. Under 16s with an adult.",
                EVERYONE,
            ),
            Plan(
                "Befriending Volunteers Meet-up",
                ("volunteering", "social-and-friendship"),
                ("refreshments",),
                "For people who volunteer as befrienders, or would like to: share news, get "
                "support and hear about training.",
                "Volunteers visit or phone older people who live alone. This meet-up is where "
                "new volunteers start.",
                "New volunteers need a DBS check, which we arrange and pay for.",
                ADULTS,
                min_age=18,
            ),
        ),
        "{town} Community Centre",
    ),
    Idea(
        "{town} Art Club",
        "community_group",
        (
            Plan(
                "Art Club",
                ("arts-and-crafts",),
                ("beginners-welcome", "small-group"),
                "Drawing and painting for all abilities, with a tutor on hand for tips.",
                "Watercolours, acrylics or pencil: work on your own piece or try the week's "
                "theme. An exhibition every summer.",
                "Materials are provided for your first visit.",
                "Adults and young people",
                min_age=16,
                price="4.00",
                cost_notes="Materials included",
                capacity=15,
            ),
            Plan(
                "Sketching Outdoors",
                ("arts-and-crafts", "gardening-and-nature"),
                ("outdoors",),
                "Sketch the parks and buildings of {town} with others, whatever your level.",
                "We meet at a different spot each week in the warmer months, and in the arts "
                "centre when it rains.",
                "Bring a pencil and something to lean on; sketchbooks can be borrowed.",
                "Everyone",
                cost="free",
            ),
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
