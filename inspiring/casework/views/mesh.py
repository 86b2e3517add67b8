"""Referrals received through MESH, for the area's coordinators: which became referrals
in triage, and which could not be read (kept whole, with every problem found) until
someone deals with them by hand. Every look and download is audited (access.get_inbound).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import can_oversee, get_inbound, inbound_for
from ..actions import ActionRefused
from ..actions.mesh import do_deal_with, mailboxes, referral_workflow
from ..forms.mesh import DealtWithForm
from ..models import InboundMessage

OVERSEE = Capability.OVERSEE_CASES
PAGE_SIZE = 25


@require_capability(OVERSEE)
def mesh_messages(request: HttpRequest) -> HttpResponse:
    """What came in through MESH, those waiting for someone first, newest first."""
    found = inbound_for(request).select_related("referral__client")
    waiting = found.filter(status=InboundMessage.Status.REJECTED).order_by("-received_at", "-pk")
    rest = found.exclude(status=InboundMessage.Status.REJECTED).order_by("-received_at", "-pk")
    page = Paginator(rest, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/mesh/list.html",
        {
            "waiting": list(waiting[:200]),
            "page": page,
            "connected": bool(mailboxes()),
            "workflow": referral_workflow(),
        },
    )


@require_capability(OVERSEE)
def mesh_message(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    inbound = get_inbound(request, public_id)
    form = DealtWithForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do_deal_with(request, inbound, form.cleaned_data["note"])
        except ActionRefused as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, "Recorded as dealt with. The message as received is let go.")
        return redirect("casework:mesh_messages")
    return render(request, "casework/mesh/message.html", {"inbound": inbound, "form": form})


@require_capability(OVERSEE)
def mesh_message_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The message as received (a FHIR bundle, or whatever came), to read or pass on."""
    inbound = get_inbound(request, public_id, action="mesh.downloaded")
    if inbound.payload is None:
        messages.info(request, "The message as received is no longer kept.")
        return redirect("casework:mesh_message", public_id=inbound.public_id)
    response = HttpResponse(bytes(inbound.payload), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="mesh-{inbound.message_id}.json"'
    return response


def mesh_warning(request: HttpRequest) -> str:
    """The coordinators' warning on the staff home while referrals that came through MESH
    wait to be dealt with by hand (one query)."""
    if not can_oversee(request):
        return ""
    count = inbound_for(request).filter(status=InboundMessage.Status.REJECTED).count()
    if not count:
        return ""
    return (
        f"{count} referral{pluralize(count)} from GP systems could not be read and "
        f"{pluralize(count, 'needs,need')} dealing with by hand."
    )
