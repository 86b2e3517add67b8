"""Multiple group memberships: a TEMPLATE, to be confirmed before use.

The Exeter Identity Transition Scales (EXITS; Haslam, Holme, Haslam, Iyer, Jetten &
Williams, 2008, "Maintaining group memberships: social identity continuity predicts
well-being after stroke", Neuropsychological Rehabilitation 18(5-6), 671-691) measure
multiple group memberships with four statements answered on a 7-point agreement
scale, scored as their mean. The wording below is as widely reproduced, but could not
be checked against the paper here (no copy was reachable): the platform says so
wherever the template is offered, and a coordinator or researcher confirms it against
the paper (recording the citation) before anyone can administer it.
"""

from __future__ import annotations

from .base import Instrument, Item, Rule, Scale, Status, options

CODE = "group-memberships"
VERSION = "1"

AGREE_1_TO_7 = options(
    [
        (1, "Strongly disagree"),
        (2, "Disagree"),
        (3, "Somewhat disagree"),
        (4, "Neither agree nor disagree"),
        (5, "Somewhat agree"),
        (6, "Agree"),
        (7, "Strongly agree"),
    ]
)

ITEMS = (
    Item("belong", "I belong to lots of different groups.", AGREE_1_TO_7),
    Item("join_in", "I join in the activities of lots of different groups.", AGREE_1_TO_7),
    Item("friends", "I have friends who are in lots of different groups.", AGREE_1_TO_7),
    Item("ties", "I have strong ties with lots of different groups.", AGREE_1_TO_7),
)

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    title="Multiple group memberships (EXITS)",
    introduction=(
        "We are interested in the groups you belong to, such as sports teams, community "
        "or faith groups, clubs, classes and groups of friends. How far do you agree with "
        "each statement?"
    ),
    items=ITEMS,
    scales=(
        Scale(
            name="groups",
            label="Multiple group memberships",
            items=tuple(item.id for item in ITEMS),
            rule=Rule.MEAN,
            low=1,
            high=7,
        ),
    ),
    source=(
        "Haslam C, Holme A, Haslam SA, Iyer A, Jetten J, Williams WH (2008). Maintaining "
        "group memberships: social identity continuity predicts well-being after stroke. "
        "Neuropsychological Rehabilitation 18(5-6):671-691 (Exeter Identity Transition "
        "Scales)."
    ),
    licence="Published research scale; cite the paper when reporting results.",
    status=Status.TEMPLATE,
    template_note=(
        "The exact wording of these items, their answer labels and the introduction could "
        "not be verified here. Confirm them against Haslam et al. (2008), Neuropsychological "
        "Rehabilitation 18(5-6):671-691 (Exeter Identity Transition Scales), before use."
    ),
)
