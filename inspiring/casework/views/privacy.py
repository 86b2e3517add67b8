"""A client's data protection rights: the subject access export (JSON and PDF), and erasure.

Coordinators make both. Safeguarding concerns are seen only by the area's designated
lead and whoever raised them, so only the lead may put them into an export (or withhold
them, where disclosing them could cause serious harm); an export made by anyone else
leaves them out and says the lead sends safeguarding records separately.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import can_oversee, get_client, is_safeguarding_lead
from ..actions.privacy import ErasureRefused, do_erase_client
from ..forms.privacy import EraseForm, ExportForm
from ..models import Client
from ..privacy import (
    SEPARATE_NOTE,
    pdf_sections,
    scrub,
    subject_access_data,
)


def _may_export(request: HttpRequest) -> bool:
    return can_oversee(request) or is_safeguarding_lead(request)


@require_capability(Capability.MANAGE_CASES)
def export(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Everything held on a client, for a subject access request."""
    if not _may_export(request):
        raise PermissionDenied("Only coordinators and the safeguarding lead export records.")
    item = get_client(request, public_id)
    lead = is_safeguarding_lead(request)
    form = ExportForm(posted(request), lead=lead)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not lead:
            safeguarding = "separate"
        elif data.get("withhold"):
            safeguarding = "withheld"
        else:
            safeguarding = "included"
        audit.record(
            request,
            "client.exported",
            item,
            area=item.area,
            detail={
                "format": data["format"],
                "safeguarding": safeguarding,
                "reason": scrub(data.get("withhold_reason", ""), item)[:500],
            },
        )
        content = subject_access_data(item, safeguarding=safeguarding)
        return _download(request, item, content, data["format"])
    return render(
        request,
        "casework/privacy/export.html",
        {"client": item, "form": form, "lead": lead, "separate_note": SEPARATE_NOTE},
    )


def _download(
    request: HttpRequest, item: Client, content: dict[str, Any], kind: str
) -> HttpResponse:
    # Named by the record's short id, never the person's name (downloads folders, logs).
    stem = f"subject-access-{str(item.public_id)[:8]}-{timezone.localdate():%Y-%m-%d}"
    if kind == "json":
        response = HttpResponse(
            json.dumps(content, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    else:
        html = render_to_string(
            "casework/privacy/export_pdf.html",
            {"data": content, "sections": pdf_sections(content)},
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    return response


@require_capability(Capability.OVERSEE_CASES)
def erase(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Erase a client's personal data, after a page that says what it does and asks why."""
    item = get_client(request, public_id)
    form = EraseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do_erase_client(request, item, reason=form.cleaned_data["reason"])
        except ErasureRefused as problem:
            form.add_error("reason", str(problem))
        else:
            messages.success(
                request,
                "Their personal data is erased. A record with no personal details is kept, "
                "so the programme's totals stay right.",
            )
            return redirect("casework:caseload")
    return render(request, "casework/privacy/erase.html", {"client": item, "form": form})
