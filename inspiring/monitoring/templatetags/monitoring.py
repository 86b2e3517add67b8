"""`{% bars table %}`: a monitoring table's charted column as horizontal bars (SVG)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from ..tables import Table

register = template.Library()

FULL = 300  # the widest bar, in the SVG's units (420 wide, room for the figure)
ROW = 24
LABEL = 80  # characters of a bar's label that fit above it (the table has it whole)


@register.simple_tag(takes_context=True)
def bars(context: dict[str, Any], table: Table) -> str:
    top = table.chart_max
    items = []
    y = 0
    for label, cell in table.chart_rows:
        width = round(FULL * abs(cell.value) / top, 1) if cell.value and top else 0
        items.append(
            {
                "label": label
                if len(label) <= LABEL
                else label[: LABEL - 1] + "\N{HORIZONTAL ELLIPSIS}",
                "label_y": y + 9,
                "y": y + 12,
                "width": width,
                "text": cell.text,
                "text_x": width + 4,
            }
        )
        y += ROW
    column = table.columns[table.chart] if table.chart is not None else ""
    return render_to_string(
        "monitoring/_bars.html",
        {
            "id": f"chart-{table.key}",
            "title": table.title,
            "column": column,
            "bars": items,
            "height": max(y + 4, 10),
            "full": FULL,
        },
    )
