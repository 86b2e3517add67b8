"""ONS4: the Office for National Statistics' four personal wellbeing questions.

The GSS harmonised standard for personal well-being: four questions answered 0 to 10,
each reported on its own and never added up. Thresholds are the ONS's own (Personal
well-being user guidance): life satisfaction, worthwhile and happiness 0-4 low, 5-6
medium, 7-8 high, 9-10 very high; anxiety (where lower is better) 0-1 very low, 2-3
low, 4-5 medium, 6-10 high.
"""

from __future__ import annotations

from .base import Band, BandKind, Instrument, Item, Scale, options

CODE = "ons4"
VERSION = "1"

ZERO_TO_TEN = options(
    [(0, "0 - not at all")] + [(n, str(n)) for n in range(1, 10)] + [(10, "10 - completely")]
)
ANXIOUS_ZERO_TO_TEN = options(
    [(0, "0 - not at all anxious")]
    + [(n, str(n)) for n in range(1, 10)]
    + [(10, "10 - completely anxious")]
)

POSITIVE_BANDS = (
    Band(0, 4, "Low"),
    Band(5, 6, "Medium"),
    Band(7, 8, "High"),
    Band(9, 10, "Very high"),
)
ANXIETY_BANDS = (
    Band(0, 1, "Very low"),
    Band(2, 3, "Low"),
    Band(4, 5, "Medium"),
    Band(6, 10, "High"),
)


def _scale(name: str, label: str, *, anxiety: bool = False) -> Scale:
    return Scale(
        name=name,
        label=label,
        items=(name,),
        bands=ANXIETY_BANDS if anxiety else POSITIVE_BANDS,
        bands_kind=BandKind.OFFICIAL,
        higher_is_better=not anxiety,
        low=0,
        high=10,
    )


INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    title="ONS personal wellbeing (ONS4)",
    introduction=(
        "Next I would like to ask you four questions about your feelings on aspects of your "
        "life. There are no right or wrong answers. For each of these questions I'd like you "
        "to give an answer on a scale of 0 to 10, where 0 is 'not at all' and 10 is "
        "'completely'."
    ),
    items=(
        Item(
            "life_satisfaction",
            "Overall, how satisfied are you with your life nowadays?",
            ZERO_TO_TEN,
        ),
        Item(
            "worthwhile",
            "Overall, to what extent do you feel that the things you do in your life are "
            "worthwhile?",
            ZERO_TO_TEN,
        ),
        Item("happiness", "Overall, how happy did you feel yesterday?", ZERO_TO_TEN),
        Item(
            "anxiety",
            "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', "
            "overall, how anxious did you feel yesterday?",
            ANXIOUS_ZERO_TO_TEN,
        ),
    ),
    scales=(
        _scale("life_satisfaction", "Life satisfaction"),
        _scale("worthwhile", "Worthwhile"),
        _scale("happiness", "Happiness"),
        _scale("anxiety", "Anxiety", anxiety=True),
    ),
    source=(
        "Office for National Statistics, Personal well-being user guidance; Government "
        "Statistical Service harmonised standard 'Personal well-being'."
    ),
    licence="Crown copyright, free to use under the Open Government Licence v3.0.",
)
