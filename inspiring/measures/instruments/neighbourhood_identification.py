"""Neighbourhood identification: a TEMPLATE, to be confirmed before use.

The single item "I identify with my neighbourhood", answered from 1 (strongly
disagree) to 7 (strongly agree): the single-item measure of social identification
validated by Postmes, Haslam & Jans (2013), "A single-item measure of social
identification: reliability, validity, and utility", British Journal of Social
Psychology 52(4), 597-617, applied to the neighbourhood as in the neighbourhood
identification studies of Fong, Cruwys, Haslam & Haslam (2019, Journal of
Environmental Psychology). Neither paper was reachable here, so the item's exact
wording and its answer labels are unverified: a coordinator or researcher confirms
them against the paper before use.
"""

from __future__ import annotations

from .base import Instrument, Item, Scale, Status, options

CODE = "neighbourhood-identification"
VERSION = "1"

AGREE_1_TO_7 = options(
    [(1, "1 - strongly disagree")]
    + [(n, str(n)) for n in range(2, 7)]
    + [(7, "7 - strongly agree")]
)

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    title="Neighbourhood identification (single item)",
    introduction=(
        "How far do you agree with this statement, from 1 (strongly disagree) to 7 "
        "(strongly agree)?"
    ),
    items=(Item("identify", "I identify with my neighbourhood", AGREE_1_TO_7),),
    scales=(
        Scale(
            name="identification",
            label="Neighbourhood identification",
            items=("identify",),
            low=1,
            high=7,
        ),
    ),
    source=(
        "Postmes T, Haslam SA, Jans L (2013). A single-item measure of social "
        "identification: reliability, validity, and utility. British Journal of Social "
        "Psychology 52(4):597-617. Applied to the neighbourhood as by Fong P, Cruwys T, "
        "Haslam C, Haslam SA (2019), Journal of Environmental Psychology."
    ),
    licence="Published research item; cite the paper when reporting results.",
    status=Status.TEMPLATE,
    template_note=(
        "The exact wording of this item and its answer labels could not be verified here. "
        "Confirm them against Postmes, Haslam & Jans (2013), British Journal of Social "
        "Psychology 52(4):597-617, and the neighbourhood identification paper you follow "
        "(for example Fong et al., 2019), before use."
    ),
)
