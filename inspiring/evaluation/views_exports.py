"""The report's downloads: "Download the PDF" and "Download the bundle". Access through
access.get_analysis (a person whose scope covers every area of the analysis; 404 for
anyone else, and never cached), only for a finished analysis, and each download audited
in every area it covers. The bundle extracts the data again (itself audited, as every
extract is) with the analysis's own salt, so its CSV has the pseudonyms and bytes of the
run; the README says so when the data have changed since."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User

from .access import ANALYSE, get_analysis, reveals_small_numbers
from .bundle import build_bundle
from .extracts import extract
from .models import Analysis
from .pdf import filename, render_pdf

# Registered here, beside the only code that records them (the URLs import this module).
audit.register_actions(
    {
        "evaluation.pdf_downloaded": "Downloaded an analysis's report as a PDF",
        "evaluation.bundle_downloaded": "Downloaded an analysis's bundle (data, R code, results)",
    }
)


def _finished(request: HttpRequest, public_id: uuid.UUID) -> Analysis:
    analysis = get_analysis(request, public_id)
    if analysis.status != Analysis.Status.DONE or not analysis.result:
        raise Http404("This analysis has no results to download")
    return analysis


def _record(request: HttpRequest, analysis: Analysis, action: str) -> None:
    for area in analysis.areas.all():
        audit.record(request, action, analysis, area=area, detail={"analysis": analysis.kind})


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_capability(ANALYSE)
def download_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    analysis = _finished(request, public_id)
    data = render_pdf(analysis, reveal=reveals_small_numbers(request, analysis))
    _record(request, analysis, "evaluation.pdf_downloaded")
    return _download(data, "application/pdf", filename(analysis, "pdf"))


@require_capability(ANALYSE)
def download_bundle(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    analysis = _finished(request, public_id)
    user = request.user
    assert isinstance(user, User)
    try:
        frame = extract(analysis.spec, analysis.salt, actor=user, analysis=analysis)
    except LookupError as error:  # the survey or an area is gone: nothing to bundle
        raise Http404(str(error)) from None
    data = build_bundle(
        analysis.spec,
        analysis.result or {},
        frame,
        title=analysis.title,
        fingerprint=analysis.data_fingerprint,
        software=analysis.software_version,
    )
    _record(request, analysis, "evaluation.bundle_downloaded")
    return _download(data, "application/zip", filename(analysis, "zip"))
