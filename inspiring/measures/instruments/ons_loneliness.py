"""ONS loneliness: the GSS harmonised loneliness measure for adults (16 and over).

Four questions, asked in this order: the three items of the UCLA three-item loneliness
scale, then the direct question "How often do you feel lonely?". They are two
measures, reported side by side and never combined:

- `ucla3`: the three UCLA items scored 1 (hardly ever or never) to 3 (often), summed
  to 3-9, higher is lonelier. ONS publishes no bands for it; "6 or more" is a threshold
  used in the literature (so it is labelled CONVENTIONAL) and the only band shown.
- `direct`: the direct question on its own. ONS reports its answer as it is, so its
  band is the answer's label. For a number to chart and compare, the answers are coded
  so that higher is lonelier, as on the UCLA items: Never 1, Hardly ever 2,
  Occasionally 3, Some of the time 4, Often or always 5 (our coding, not ONS's; the
  options are still listed in the order they are asked, "Often or always" first).

Verified (search of stored public pages, December 2026) against the GSS Harmonisation
Team's "Loneliness harmonised standard/principle" (gss.civilservice.gov.uk,
13 May 2020) and ONS "Measuring loneliness: guidance for use of the national
indicators on surveys": the introduction, the four question stems and the response
options below, and that the first three are the UCLA three-item scale (as on the
English Longitudinal Study of Ageing) and the last the Community Life Survey's direct
question. The GSS page writes the first direct answer "Often or Always" and ONS
"Often/always"; we use "Often or always". The "6 or more" threshold was not found in
ONS guidance, which is why it is conventional here.
"""

from __future__ import annotations

from .base import Band, BandKind, Instrument, Item, Rule, Scale, options

CODE = "ons-loneliness"
VERSION = "1"

UCLA_OPTIONS = options([(1, "Hardly ever or never"), (2, "Some of the time"), (3, "Often")])

# In the order asked; values so that higher is lonelier (see the module's note).
DIRECT_OPTIONS = options(
    [
        (5, "Often or always"),
        (4, "Some of the time"),
        (3, "Occasionally"),
        (2, "Hardly ever"),
        (1, "Never"),
    ]
)

UCLA_ITEMS = ("lack_companionship", "left_out", "isolated")

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    title="ONS loneliness (UCLA three items and the direct question)",
    introduction=(
        "The next four questions are about relationships with others. For each one, "
        "please say how often (if at all) you feel that way."
    ),
    items=(
        Item(
            "lack_companionship",
            "How often do you feel that you lack companionship?",
            UCLA_OPTIONS,
        ),
        Item("left_out", "How often do you feel left out?", UCLA_OPTIONS),
        Item("isolated", "How often do you feel isolated from others?", UCLA_OPTIONS),
        Item("lonely", "How often do you feel lonely?", DIRECT_OPTIONS),
    ),
    scales=(
        Scale(
            name="ucla3",
            label="UCLA loneliness (three items)",
            items=UCLA_ITEMS,
            rule=Rule.SUM,
            bands=(Band(6, 9, "6 or more"),),
            bands_kind=BandKind.CONVENTIONAL,
            higher_is_better=False,
            low=3,
            high=9,
        ),
        Scale(
            name="direct",
            label="How often lonely (direct question)",
            items=("lonely",),
            rule=Rule.SINGLE,
            # The answer itself, as ONS reports it.
            bands=tuple(Band(o.value, o.value, o.label) for o in DIRECT_OPTIONS),
            bands_kind=BandKind.OFFICIAL,
            higher_is_better=False,
            low=1,
            high=5,
        ),
    ),
    source=(
        "Office for National Statistics, 'Measuring loneliness: guidance for use of the "
        "national indicators on surveys' (2018); GSS Harmonisation Team, 'Loneliness' "
        "harmonised standard (2020). UCLA items: Hughes, Waite, Hawkley & Cacioppo (2004), "
        "'A short scale for measuring loneliness in large surveys', Research on Aging 26(6)."
    ),
    licence="Crown copyright, free to use under the Open Government Licence v3.0.",
)
