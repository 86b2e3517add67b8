"""The report as a PDF (pdf.py): WeasyPrint, the same summary, tables, pictures and
methods as the page, with the seed, fingerprint and software version; audited."""

from __future__ import annotations

import io

import pytest
from django.test import Client as Browser
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.evaluation.pdf import render_pdf
from tests.conftest import sign_in
from tests.evaluation.test_bundle import CHANGE, finished_analysis
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def test_the_pdf_says_what_the_page_says(personas: Personas) -> None:
    analysis = finished_analysis(personas, CHANGE)
    data = render_pdf(analysis, reveal=True)
    assert data.startswith(b"%PDF")
    text = _text(data)
    for words in ("Summary", "Methods", "Pictures", "95% interval of the mean"):
        assert words in text
    assert analysis.data_fingerprint[:16] in text.replace(" ", "")
    assert str(analysis.seed) in text
    mean = f"{analysis.result['diff']['mean']:.2f}".replace("-", "\u2212")  # type: ignore[index]
    assert mean in text


def test_the_researcher_downloads_the_pdf(client: Browser, personas: Personas) -> None:
    analysis = finished_analysis(personas, CHANGE)
    sign_in(client, personas.researcher, area=personas.ashfield)
    response = client.get(f"/staff/evaluation/{analysis.public_id}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="inspiring-change-' in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="evaluation.pdf_downloaded").count() == 1


@pytest.mark.parametrize(("query", "reveal"), [("", True), ("?for=sharing", False)])
def test_the_pdf_for_sharing_hides_small_counts_whoever_downloads_it(
    client: Browser, personas: Personas, monkeypatch: pytest.MonkeyPatch, query: str, reveal: bool
) -> None:
    from inspiring.evaluation import views_exports

    asked: list[bool] = []

    def recording(analysis: object, *, reveal: bool) -> bytes:
        asked.append(reveal)
        return render_pdf(analysis, reveal=reveal)  # type: ignore[arg-type]

    monkeypatch.setattr(views_exports, "render_pdf", recording)
    analysis = finished_analysis(personas, CHANGE)
    sign_in(client, personas.researcher, area=personas.ashfield)
    response = client.get(f"/staff/evaluation/{analysis.public_id}/report.pdf{query}")
    assert response.status_code == 200
    assert asked == [reveal]
