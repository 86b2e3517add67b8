"""The survey's two CSV files: the summary's figures, and the pseudonymous responses.

The summary CSV is the summary page's figures exactly, as text ("<5", "[c]" where the
page hides them): made from the same Summary, so the file never shows more than the
page to the same person.

The responses CSV is for the area's coordinators and researchers (the Evaluation
issue's input): one row per response under a pseudonym, never its public id (an HMAC of
it under the site's secret key: the same response has the same pseudonym in every
export, so files can be compared, but nobody without the key can go from a pseudonym
back to the response's address); the neighbourhood only as its deprivation decile and
quintile (an LSOA code is about 1,500 people: with age band and sex it could narrow to a
few); no date finer than the month; demographics; each kind of activity and barrier as
a 0/1 column; each instrument's item answers, scores and completeness; the synthetic
flag. Cells are written by lib.csvfiles.write_csv, which neutralises formulas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.utils.crypto import salted_hmac

from inspiring.measures import library

from .choices import BARRIER_BITS
from .models import Response, Survey, SurveyCategory
from .summary import ASPECTS, Summary

PSEUDONYM_SALT = "inspiring.surveys.pseudonym"


# --- The summary's figures ------------------------------------------------------------

SUMMARY_HEADINGS = ["Table", "Row", "Column", "Count", "Percent"]


def summary_rows(summary: Summary) -> Iterator[list[str]]:
    """Every figure on the summary page, one per line, as the page shows it."""
    yield ["Responses", "All responses", "", summary.responses.text, ""]
    for row in summary.by_mode:
        yield [
            "Responses by how they arrived",
            row.label,
            "",
            row.cell.figure.text,
            row.cell.percent,
        ]
    yield ["Responses", "Synthetic (made-up demo data)", "", summary.synthetic.text, ""]
    for aspect_row in summary.categories:
        for column, cell in aspect_row.cells():
            yield [
                "Kinds of activity (share of all responses)",
                aspect_row.label,
                column,
                cell.figure.text,
                cell.percent,
            ]
    for row in summary.barriers:
        yield [
            "What makes it hard to go (share of all responses)",
            row.label,
            "",
            row.cell.figure.text,
            row.cell.percent,
        ]
    for breakdown in summary.breakdowns:
        by = breakdown.by
        for group, count in zip(breakdown.groups, breakdown.responses, strict=True):
            yield [f"Responses {by}", "Responses", group, count.text, ""]
        yield [
            f"Responses {by}",
            "Responses",
            "All",
            breakdown.responses_total.text,
            "",
        ]
        for table in breakdown.tables:
            name = f"{table.title} {by}"
            for group_row in table.rows:
                for group, cell in zip(breakdown.groups, group_row.cells, strict=True):
                    yield [name, group_row.label, group, cell.figure.text, cell.percent]
                yield [name, group_row.label, "All", group_row.total.text, ""]
    for calendar_row in summary.calendar:
        wanted = "Wanted beside the calendar"
        yield [wanted, calendar_row.label, "Would like", calendar_row.wants.text, ""]
        yield [wanted, calendar_row.label, "Sessions a week", calendar_row.per_week_shown, ""]
        yield [
            wanted,
            calendar_row.label,
            "Would like, per weekly session",
            calendar_row.wanting_per_session,
            "",
        ]


# --- Pseudonymous responses -----------------------------------------------------------


def pseudonym(public_id: uuid.UUID) -> str:
    return "R" + salted_hmac(PSEUDONYM_SALT, str(public_id)).hexdigest()[:16]


def _category_name(category: SurveyCategory) -> str:
    slug = category.category.slug if category.category is not None else ""
    return (slug or f"category_{category.position}").replace("-", "_")


def responses_csv(survey: Survey) -> tuple[list[str], Iterator[list[str]]]:
    """The headings and the rows (a generator: 100,000 rows are never all in memory)."""
    categories = list(survey.categories.select_related("category").order_by("position"))
    instruments = []
    for section in survey.sections.filter(kind="instrument"):
        instrument = library.get(section.instrument_code, section.instrument_version or None)
        if instrument is not None:
            instruments.append(instrument)
    headings = [
        "pseudonym",
        "synthetic",
        "mode",
        "month",
        "imd_decile",
        "imd_quintile",
        "age_band",
        "sex",
        "ethnic_group",
        "disability",
        "groups_count",
    ]
    for aspect in ASPECTS:
        headings += [f"{aspect}__{_category_name(c)}" for c in categories]
    headings += [f"barrier__{code}" for code in BARRIER_BITS]
    for instrument in instruments:
        code = instrument.code.replace("-", "_")
        headings += [f"{code}__{item.id}" for item in instrument.items]
        headings += [f"{code}__score__{scale.name}" for scale in instrument.scales]
        headings += [f"{code}__complete"]

    def text(value: object) -> str:
        return "" if value is None else str(value)

    def rows() -> Iterator[list[str]]:
        fields = (
            "public_id",
            "synthetic",
            "mode",
            "submitted_on",
            "imd_decile",
            "imd_quintile",
            "age_band",
            "sex",
            "ethnic_group",
            "disability",
            "groups_count",
            "knows_mask",
            "uses_mask",
            "wants_mask",
            "barriers_mask",
            "measures",
        )
        for values in (
            Response.objects.filter(survey=survey)
            .order_by("pk")
            .values_list(*fields)
            .iterator(chunk_size=2000)
        ):
            record = dict(zip(fields, values, strict=True))
            row = [
                pseudonym(record["public_id"]),
                "1" if record["synthetic"] else "0",
                str(record["mode"]),
                record["submitted_on"].strftime("%Y-%m"),
                text(record["imd_decile"]),
                text(record["imd_quintile"]),
                str(record["age_band"]),
                str(record["sex"]),
                str(record["ethnic_group"]),
                str(record["disability"]),
                text(record["groups_count"]),
            ]
            for aspect in ASPECTS:
                mask = int(record[f"{aspect}_mask"])
                row += ["1" if mask >> c.position & 1 else "0" for c in categories]
            barriers = int(record["barriers_mask"])
            row += ["1" if barriers >> bit & 1 else "0" for bit in BARRIER_BITS.values()]
            measures = record["measures"] or {}
            for instrument in instruments:
                given = measures.get(instrument.code) or {}
                answers = given.get("answers") or {}
                scores = given.get("scores") or {}
                row += [text(answers.get(item.id)) for item in instrument.items]
                row += [text(scores.get(scale.name)) for scale in instrument.scales]
                row += ["" if not given else "1" if given.get("complete") else "0"]
            yield row

    return headings, rows()
