"""An analysis's report as a PDF, made with WeasyPrint as the calendar booklets are: the
same summary, tables, warnings, pictures and methods paragraph as the report page (from
report.build and plots.plots_for, on the stored spec and result alone), with the seed,
the data fingerprint and the software version, so a printed copy says exactly what was
run. The SVG pictures go in inline: WeasyPrint draws them, and their text stays text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from . import plots
from . import report as reports

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .models import Analysis


def pdf_context(analysis: Analysis, *, reveal: bool) -> dict[str, Any]:
    """What the PDF shows; `reveal` as on the page (counts under 5 shown or hidden)."""
    result = analysis.result or {}
    return {
        "analysis": analysis,
        "kind_label": reports.kind_label(analysis.kind),
        "report": reports.build(
            analysis.spec,
            result,
            reveal=reveal,
            seed=analysis.seed,
            software=analysis.software_version,
            fingerprint=analysis.data_fingerprint,
        ),
        "plots": _plots(analysis, result, reveal=reveal),
        "areas": sorted(area.name for area in analysis.areas.all()),
        "generated": timezone.localtime(),
    }


def _plots(analysis: Analysis, result: dict[str, Any], *, reveal: bool) -> list[Any]:
    """As on the page: a picture that cannot be drawn never stops the numbers going out."""
    try:
        return list(plots.plots_for(analysis.spec, result, reveal=reveal))
    except Exception:
        logger.exception("Could not draw the pictures of analysis %s", analysis.public_id)
        return []


def render_pdf(analysis: Analysis, *, reveal: bool) -> bytes:
    """The report's PDF bytes (only for a finished analysis with a result)."""
    html = render_to_string("evaluation/report_pdf.html", pdf_context(analysis, reveal=reveal))
    return bytes(HTML(string=html, base_url=settings.SITE_URL).write_pdf())


def filename(analysis: Analysis, extension: str) -> str:
    """A download's file name: the kind and the day it finished, and the id's start."""
    day = (analysis.finished_at or analysis.created_at or timezone.now()).date().isoformat()
    return (
        f"inspiring-{analysis.kind or 'analysis'}-{day}-{str(analysis.public_id)[:8]}.{extension}"
    )
