"""SWEMWBS: the Short Warwick-Edinburgh Mental Wellbeing Scale.

Seven statements about the last two weeks, each answered from "None of the time" (1)
to "All of the time" (5). The raw score is their sum (7-35); the reported score is the
metric score, the raw score converted with the published table (Stewart-Brown et al.
2009 fitted the seven items to the Rasch model; the table turns the ordinal raw sum
into an interval score). No official bands, and every item must be answered: the
table is for complete raw sums, so nothing is prorated.

It is protected by copyright and free to non-profit users who register with its
owners: it is switched off (`needs_licence`) until a site administrator records the
deployment's registration, and the notice below is shown wherever it is used.

Verified (search of stored pages and code, December 2026):
- The conversion table, every raw score 7..35, as used by independent analysis
  scripts and matching the Warwick scoring guidance's description (sum the seven
  items, then transform the total with a conversion table). The Warwick page itself
  was not readable here: check it against the SWEMWBS user guide from the owners on
  registration.
- The copyright notice, as the Child Outcomes Research Consortium (CORC) quotes the
  owners' requirement: "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) ©
  NHS Health Scotland, University of Warwick and University of Edinburgh, 2008, all
  rights reserved." The owners' current licence may give newer wording: the
  registration shows which to use.
- No reliability and reference standard deviation were found with a source to cite,
  so no reliable-change criterion is given.
"""

from __future__ import annotations

from .base import Instrument, Item, Rule, Scale, options

CODE = "swemwbs"
VERSION = "1"

ANSWERS = options(
    [
        (1, "None of the time"),
        (2, "Rarely"),
        (3, "Some of the time"),
        (4, "Often"),
        (5, "All of the time"),
    ]
)

# Raw score -> metric score (Stewart-Brown et al. 2009; the SWEMWBS conversion table).
METRIC: dict[int, float] = {
    7: 7.00,
    8: 9.51,
    9: 11.25,
    10: 12.40,
    11: 13.33,
    12: 14.08,
    13: 14.75,
    14: 15.32,
    15: 15.84,
    16: 16.36,
    17: 16.88,
    18: 17.43,
    19: 17.98,
    20: 18.59,
    21: 19.25,
    22: 19.98,
    23: 20.73,
    24: 21.54,
    25: 22.35,
    26: 23.21,
    27: 24.11,
    28: 25.03,
    29: 26.02,
    30: 27.03,
    31: 28.13,
    32: 29.31,
    33: 30.70,
    34: 32.55,
    35: 35.00,
}

ITEMS = (
    Item("optimistic", "I've been feeling optimistic about the future", ANSWERS),
    Item("useful", "I've been feeling useful", ANSWERS),
    Item("relaxed", "I've been feeling relaxed", ANSWERS),
    Item("problems", "I've been dealing with problems well", ANSWERS),
    Item("thinking", "I've been thinking clearly", ANSWERS),
    Item("close", "I've been feeling close to other people", ANSWERS),
    Item("own_mind", "I've been able to make up my own mind about things", ANSWERS),
)
ITEM_IDS = tuple(item.id for item in ITEMS)

COPYRIGHT = (
    "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
    "University of Warwick and University of Edinburgh, 2008, all rights reserved."
)

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    title="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    introduction=(
        "Below are some statements about feelings and thoughts. Please tick the box that "
        "best describes your experience of each over the last 2 weeks."
    ),
    items=ITEMS,
    scales=(
        Scale(
            name="raw",
            label="Raw score",
            items=ITEM_IDS,
            rule=Rule.SUM,
            low=7,
            high=35,
        ),
        Scale(
            name="metric",
            label="Metric score",
            items=ITEM_IDS,
            rule=Rule.SUM,
            conversion=METRIC,
            low=7,
            high=35,
        ),
    ),
    source=(
        "Stewart-Brown S, Tennant A, Tennant R, Platt S, Parkinson J, Weich S (2009). "
        "Internal construct validity of the Warwick-Edinburgh Mental Well-being Scale "
        "(WEMWBS): a Rasch analysis using data from the Scottish Health Education "
        "Population Survey. Health and Quality of Life Outcomes 7:15. Conversion table: "
        "the SWEMWBS scoring guidance, University of Warwick."
    ),
    licence=(
        "Protected by copyright. Free to non-profit organisations under the owners' standard "
        "licence, given on registration at warwick.ac.uk (WEMWBS: using the scales); "
        "commercial use through Warwick Ventures. Use it unaltered."
    ),
    needs_licence=True,
    copyright_notice=COPYRIGHT,
)
