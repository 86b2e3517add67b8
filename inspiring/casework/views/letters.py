"""What goes out about a client: their plan (preview, large-print PDF, sent by email or
text) and the message back to their GP and referrer (preview, PDF letter, JSON, sent)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST
from weasyprint import HTML

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from lib.http import posted

from .. import choices
from ..access import get_client, get_client_for_change
from ..actions import ActionRefused
from ..actions.clients import do_save_gp_summary
from ..actions.mesh import do_send_message_back_mesh, route_for
from ..actions.messages import do_send_message_back, do_send_plan, do_stop_message
from ..forms.messages import PlanSendForm
from ..forms.referrals import GpSummaryForm
from ..message_back import (
    build_message_back,
    filename,
    letter_heading,
    letter_pdf,
    letter_sections,
    referral_for,
)
from ..models import SentMessage
from ..plan import build_plan, sms_options, sms_text

CASES = Capability.MANAGE_CASES
# The message back by email to the referrer, and to the practice through MESH.
MESSAGES_BACK = (SentMessage.Kind.MESSAGE_BACK, SentMessage.Kind.MESSAGE_BACK_MESH)


def _say_how_it_went(request: HttpRequest, sent: SentMessage, what: str) -> None:
    if sent.status == SentMessage.Status.SENT:
        messages.success(request, f"{what} is sent to {sent.to}.")
    elif sent.status == SentMessage.Status.FAILED:
        messages.warning(
            request,
            f"{what} could not be sent just now. It is saved, and will be tried again "
            "automatically in a few minutes: its progress is shown on this page.",
        )
    elif sent.status == SentMessage.Status.UNKNOWN:
        # Handed over, then no confirmation: it may have gone. Not tried again by itself.
        messages.warning(request, f"{what} may or may not have gone to {sent.to}: {sent.error}")
    else:
        messages.error(request, f"{what} could not be sent: {sent.error}")


@require_capability(CASES)
def plan(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    return render(
        request,
        "casework/plan.html",
        {
            "client": item,
            "plan": build_plan(item),
            "sent": item.messages.filter(
                kind__in=[SentMessage.Kind.PLAN_EMAIL, SentMessage.Kind.PLAN_TEXT]
            ).select_related("by")[:5],
        },
    )


@require_capability(CASES)
def plan_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id, action="plan.printed")
    html = render_to_string("casework/plan_pdf.html", {"plan": build_plan(item)})
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{str(item.public_id)[:8]}.pdf"'
    return response


@require_capability(CASES)
def plan_send(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    preferred: dict[str, str] = {
        choices.ContactMethod.EMAIL: "email",
        choices.ContactMethod.TEXT: "text",
    }
    plan = build_plan(item)
    texts = sms_options(plan)
    form = PlanSendForm(
        posted(request), initial={"method": preferred.get(item.preferred_contact)}, texts=texts
    )
    if request.method == "POST" and form.is_valid():
        try:
            sent = do_send_plan(request, item, form.cleaned_data["method"])
        except ActionRefused as problem:
            form.add_error("method", str(problem))
        else:
            _say_how_it_went(request, sent, "The plan")
            return redirect("casework:plan", public_id=item.public_id)
    return render(
        request,
        "casework/plan_send.html",
        {"client": item, "form": form, "texts": texts, "whole": sms_text(plan)},
    )


@require_capability(CASES)
def message_back(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id)
    referral = referral_for(item, request.GET.get("referral"))
    doc = build_message_back(item, referral)
    return render(
        request,
        "casework/message_back.html",
        {
            "client": item,
            "referral": referral,
            "referrals": item.referrals.all(),
            "doc": doc,
            "heading": letter_heading(doc),
            "sections": letter_sections(doc),
            "sent": item.messages.filter(kind__in=MESSAGES_BACK).select_related("by")[:5],
            "mesh": route_for(item),
            # Gone to the practice through MESH already: the button says "again".
            "mesh_sent": item.messages.filter(
                kind=SentMessage.Kind.MESSAGE_BACK_MESH, status=SentMessage.Status.SENT
            )
            .order_by("-sent_at")
            .first(),
        },
    )


@require_capability(CASES)
def message_back_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id, action="message_back.downloaded")
    doc = build_message_back(item, referral_for(item, request.GET.get("referral")))
    response = HttpResponse(letter_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename(doc, "pdf")}"'
    return response


@require_capability(CASES)
def message_back_json(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client(request, public_id, action="message_back.downloaded")
    doc = build_message_back(item, referral_for(item, request.GET.get("referral")))
    response = JsonResponse(doc, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename(doc, "json")}"'
    return response


@require_capability(CASES)
def message_back_summary(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Review and change the summary the message back carries, before it goes."""
    item = get_client_for_change(request, public_id)
    referral = referral_for(item, request.GET.get("referral") or request.POST.get("referral"))
    initial = {}
    if not referral.summary_for_gp:
        assessment = item.assessments.order_by("-assessed_on", "-pk").first()
        if assessment is not None:
            initial["summary_for_gp"] = assessment.what_matters
    form = GpSummaryForm(posted(request), instance=referral, initial=initial)
    back = f"{reverse('casework:message_back', kwargs={'public_id': item.public_id})}"
    back += f"?referral={referral.public_id}"
    if request.method == "POST" and form.is_valid():
        do_save_gp_summary(request, referral, form.cleaned_data["summary_for_gp"])
        messages.success(request, "The summary is saved: check the letter below.")
        return redirect(back)
    return render(
        request,
        "casework/message_back_summary.html",
        {"client": item, "referral": referral, "form": form, "back": back},
    )


@require_POST
@require_capability(CASES)
def message_back_send(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_client_for_change(request, public_id)
    referral = referral_for(item, request.POST.get("referral"))
    try:
        sent = do_send_message_back(request, item, referral)
    except ActionRefused as problem:
        messages.error(request, str(problem))
    else:
        _say_how_it_went(request, sent, "The message back")
    url = reverse("casework:message_back", kwargs={"public_id": item.public_id})
    return redirect(f"{url}?referral={referral.public_id}")


@require_POST
@require_capability(CASES)
def message_back_send_mesh(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send the message back to the registered practice through MESH."""
    item = get_client_for_change(request, public_id)
    referral = referral_for(item, request.POST.get("referral"))
    try:
        sent = do_send_message_back_mesh(request, item, referral)
    except ActionRefused as problem:
        messages.error(request, str(problem))
    else:
        if sent.status == SentMessage.Status.SENT:
            messages.success(
                request,
                f"The message back went to {item.gp_practice or sent.to} through MESH. "
                "This page says when the practice collects it.",
            )
        else:
            _say_how_it_went(request, sent, "The message back")
    url = reverse("casework:message_back", kwargs={"public_id": item.public_id})
    return redirect(f"{url}?referral={referral.public_id}")


@require_POST
@require_capability(CASES)
def stop_message(request: HttpRequest, public_id: uuid.UUID, message_id: int) -> HttpResponse:
    """Stop trying to send a message that failed, to send it again or another way."""
    item = get_client_for_change(request, public_id)
    message = get_object_or_404(SentMessage, client=item, pk=message_id)
    try:
        do_stop_message(request, message)
    except ActionRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            "It will not be tried again. Send it again, or another way, when you are ready.",
        )
    if message.kind in MESSAGES_BACK:
        return redirect("casework:message_back", public_id=item.public_id)
    return redirect("casework:plan", public_id=item.public_id)
