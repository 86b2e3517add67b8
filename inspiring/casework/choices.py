"""The controlled lists casework records against, in one place.

Demographics follow the ONS Census 2021 questions and categories (England),
each with "Prefer not to say": the answer is the person's, and they may not
give it. SNOMED CT codes are the UK social prescribing concepts the NHS
records; they are stored as codes beside the status they describe.
"""

from __future__ import annotations

from django.db import models

# SNOMED CT UK concepts for social prescribing.
SNOMED_REFERRAL = "871731000000106"  # Referral to social prescribing service
SNOMED_DECLINED = "871711000000103"  # Social prescribing declined
SNOMED_TERMS = {
    SNOMED_REFERRAL: "Referral to social prescribing service",
    SNOMED_DECLINED: "Social prescribing declined",
}

PREFER_NOT = ("prefer_not", "Prefer not to say")


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class Sex(models.TextChoices):
    # ONS 2021: "What is your sex?"
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    PREFER_NOT = PREFER_NOT


class GenderIdentity(models.TextChoices):
    # ONS 2021: "Is the gender you identify with the same as your sex registered at birth?"
    SAME = "same", "Yes"
    DIFFERENT = "different", "No"
    PREFER_NOT = PREFER_NOT


class EthnicGroup(models.TextChoices):
    # ONS 2021, the 19 categories for England, grouped as the census groups them.
    ASIAN_INDIAN = "asian_indian", "Asian, Asian British or Asian Welsh: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian, Asian British or Asian Welsh: Pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian, Asian British or Asian Welsh: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian, Asian British or Asian Welsh: Chinese"
    ASIAN_OTHER = "asian_other", "Asian, Asian British or Asian Welsh: Any other Asian background"
    BLACK_CARIBBEAN = (
        "black_caribbean",
        "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    )
    BLACK_AFRICAN = (
        "black_african",
        "Black, Black British, Black Welsh, Caribbean or African: African",
    )
    BLACK_OTHER = (
        "black_other",
        "Black, Black British, Black Welsh, Caribbean or African: Any other Black, Black British, "
        "or Caribbean background",
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        "Mixed or Multiple ethnic groups: White and Black Caribbean",
    )
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        "Mixed or Multiple ethnic groups: White and Black African",
    )
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or Multiple ethnic groups: White and Asian"
    MIXED_OTHER = (
        "mixed_other",
        "Mixed or Multiple ethnic groups: Any other Mixed or Multiple background",
    )
    WHITE_BRITISH = (
        "white_british",
        "White: English, Welsh, Scottish, Northern Irish or British",
    )
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: Any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER = "other", "Other ethnic group: Any other ethnic group"
    PREFER_NOT = PREFER_NOT


class Disability(models.TextChoices):
    # ONS 2021: day-to-day activities limited by a health problem or disability
    # which has lasted, or is expected to last, at least 12 months.
    A_LOT = "a_lot", "Yes, limited a lot"
    A_LITTLE = "a_little", "Yes, limited a little"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT


class UnpaidCarer(models.TextChoices):
    # ONS 2021: unpaid care given each week.
    NO = "no", "No"
    UP_TO_9 = "up_to_9", "Yes, 9 hours a week or less"
    FROM_10_TO_19 = "10_to_19", "Yes, 10 to 19 hours a week"
    FROM_20_TO_34 = "20_to_34", "Yes, 20 to 34 hours a week"
    FROM_35_TO_49 = "35_to_49", "Yes, 35 to 49 hours a week"
    FROM_50 = "50_or_more", "Yes, 50 or more hours a week"
    PREFER_NOT = PREFER_NOT


class Employment(models.TextChoices):
    # ONS 2021 economic activity status, as people describe themselves.
    EMPLOYEE = "employee", "Working as an employee"
    SELF_EMPLOYED = "self_employed", "Self-employed or freelance"
    UNEMPLOYED = "unemployed", "Unemployed and looking for work"
    RETIRED = "retired", "Retired"
    STUDENT = "student", "Studying"
    HOME = "home", "Looking after home or family"
    SICK_OR_DISABLED = "sick_or_disabled", "Long-term sick or disabled"
    OTHER = "other", "Other"
    PREFER_NOT = PREFER_NOT


class ReferralSource(models.TextChoices):
    GP = "gp", "GP"
    PRACTICE_STAFF = "practice_staff", "Other GP practice staff"
    PHARMACY = "pharmacy", "Pharmacy"
    HOSPITAL = "hospital", "Hospital or discharge team"
    MENTAL_HEALTH = "mental_health", "Mental health service"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    COUNCIL = "council", "Council"
    HOUSING = "housing", "Housing association"
    JOB_CENTRE = "job_centre", "Job centre"
    POLICE_FIRE = "police_fire", "Police or fire service"
    VOLUNTARY = "voluntary", "Voluntary sector"
    SELF = "self", "Self-referral"
    OTHER = "other", "Other"


class ReferralReason(models.TextChoices):
    LONELINESS = "loneliness", "Loneliness or isolation"
    LOW_MOOD = "low_mood", "Low mood or anxiety"
    LONG_TERM_CONDITION = "long_term_condition", "Long-term condition"
    INACTIVITY = "inactivity", "Physical inactivity"
    BEREAVEMENT = "bereavement", "Bereavement"
    MONEY = "money", "Money worries"
    HOUSING = "housing", "Housing"
    CARER_STRESS = "carer_stress", "Carer stress"
    WEIGHT = "weight", "Weight"
    EMPLOYMENT = "employment", "Employment"
    OTHER = "other", "Other"


class Barrier(models.TextChoices):
    COST = "cost", "Cost"
    TRANSPORT = "transport", "Transport or distance"
    TIME = "time", "Time or caring responsibilities"
    ANXIETY = "anxiety", "Anxiety or low confidence"
    NOT_KNOWING_ANYONE = "not_knowing_anyone", "Not knowing anyone"
    MOBILITY = "mobility", "Mobility or disability"
    HEALTH = "health", "Health"
    DIGITAL = "digital", "Digital exclusion"
    LANGUAGE = "language", "Language"
    INFECTION = "infection", "Fear of infection"
    AWARENESS = "awareness", "Didn't know what's on"
    NOTHING_APPEALING = "nothing_appealing", "Nothing appealing"


class StopReason(models.TextChoices):
    """Why a client declined a connection or stopped going: the coded reason beside the
    link worker's words, so monitoring can count reasons (the words are never shown there)."""

    COST = "cost", "Cost"
    TRANSPORT = "transport", "Transport or distance"
    TIME = "time", "Time, work or caring responsibilities"
    HEALTH = "health", "Health got in the way"
    ANXIETY = "anxiety", "Anxiety or low confidence"
    NOT_FOR_THEM = "not_for_them", "Not what they hoped for"
    FOUND_ELSEWHERE = "found_elsewhere", "Found something else"
    ACTIVITY_ENDED = "activity_ended", "The activity stopped or was full"
    MOVED = "moved", "Moved away"
    OTHER = "other", "Another reason"


class DayPart(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"


DAYS = (
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
)


class GroupKind(models.TextChoices):
    FAMILY = "family", "Family"
    FRIENDS = "friends", "Friends"
    NEIGHBOURS = "neighbours", "Neighbours"
    WORK_OR_STUDY = "work_or_study", "Work or study"
    FAITH = "faith", "Faith or belief"
    HOBBY = "hobby", "Hobby or interest"
    SPORT = "sport", "Sport or exercise"
    COMMUNITY = "community", "Community or volunteering"
    SUPPORT = "support", "Support or health group"
    ONLINE = "online", "Online community"
    OTHER = "other", "Other"


class ContactFrequency(models.TextChoices):
    DAILY = "daily", "Every day or most days"
    WEEKLY = "weekly", "Every week"
    MONTHLY = "monthly", "Every month"
    LESS = "less", "Less often"


class ConnectionLevel(models.TextChoices):
    SIGNPOST = "signpost", "Signpost: the client is given the details"
    INTRODUCTION = "introduction", "Introduction: the group is told the client is coming"
    REFERRAL = "referral", "Referral: the group receives the referral and confirms it"


class Support(models.TextChoices):
    ACCOMPANY = "accompany", "Accompany them on the first visit"
    BUDDY = "buddy", "A buddy"
    TRANSPORT = "transport", "Transport"
    COST = "cost", "Cost covered"
    CONTACT_LEADER = "contact_leader", "Contact the leader beforehand"


class ContactKind(models.TextChoices):
    PHONE = "phone", "Phone"
    FACE_TO_FACE = "face_to_face", "Face to face"
    HOME_VISIT = "home_visit", "Home visit"
    MESSAGE = "message", "Message (text, email or letter)"
