from __future__ import annotations

from django.urls import path

from .views import (
    bookings,
    caseload,
    clients,
    connections,
    handover,
    letters,
    mesh,
    notify,
    outcomes,
    partner,
    privacy,
    public,
    safeguarding,
)

app_name = "casework"

urlpatterns = [
    # Public: someone refers themselves to their area's programme.
    path("<slug:slug>/refer-yourself/", public.self_referral, name="self_referral"),
    path("<slug:slug>/refer-yourself/sent/", public.self_referral_sent, name="self_referral_sent"),
    # GOV.UK Notify's delivery receipts (no sign-in: its bearer token; views.notify).
    path("api/notify/delivery-receipts/", notify.delivery_receipts, name="notify_receipts"),
    # Link workers and coordinators.
    path("staff/clients/", caseload.caseload, name="caseload"),
    path("staff/clients/triage/", caseload.triage, name="triage"),
    path("staff/clients/new/", clients.new_referral, name="new_referral"),
    path("staff/clients/<uuid:public_id>/", clients.client, name="client"),
    path("staff/clients/<uuid:public_id>/details/", clients.details, name="details"),
    path("staff/clients/<uuid:public_id>/take/", clients.take, name="take"),
    path("staff/clients/<uuid:public_id>/assessment/", clients.assessment, name="assessment"),
    path("staff/clients/<uuid:public_id>/groups/new/", clients.add_group, name="add_group"),
    path(
        "staff/clients/<uuid:public_id>/groups/<int:group_id>/remove/",
        clients.remove_group,
        name="remove_group",
    ),
    path(
        "staff/clients/<uuid:public_id>/referrals/new/", clients.add_referral, name="add_referral"
    ),
    path("staff/referrals/<uuid:public_id>/", clients.referral_status, name="referral_status"),
    path("staff/clients/<uuid:public_id>/contacts/new/", clients.add_contact, name="add_contact"),
    path("staff/clients/<uuid:public_id>/tasks/new/", clients.add_task, name="add_task"),
    path(
        "staff/clients/<uuid:public_id>/tasks/<int:task_id>/done/",
        clients.complete_task,
        name="complete_task",
    ),
    path("staff/clients/<uuid:public_id>/connect/", connections.choose_activity, name="connect"),
    path(
        "staff/clients/<uuid:public_id>/connect/<uuid:activity_id>/",
        connections.connect,
        name="connect_to",
    ),
    path("staff/connections/<uuid:public_id>/", connections.connection, name="connection"),
    path(
        "staff/connections/<uuid:public_id>/change/",
        connections.edit_connection,
        name="connection_edit",
    ),
    path(
        "staff/connections/<uuid:public_id>/withdraw/",
        connections.withdraw_connection,
        name="connection_withdraw",
    ),
    path(
        "staff/connections/<uuid:public_id>/book/",
        bookings.book_first_visit,
        name="connection_book",
    ),
    path(
        "staff/connections/<uuid:public_id>/booking/cancel/",
        bookings.cancel_booking,
        name="connection_booking_cancel",
    ),
    # Partner leads: people connected to their activities, and session registers.
    path("staff/partner/connections/", partner.connections, name="partner_connections"),
    path(
        "staff/partner/connections/<uuid:public_id>/received/",
        partner.referral_received,
        name="partner_referral_received",
    ),
    path("staff/partner/sessions/", partner.sessions, name="partner_sessions"),
    path(
        "staff/partner/sessions/<uuid:public_id>/register/",
        partner.register,
        name="partner_register",
    ),
    path(
        "staff/connections/<uuid:public_id>/register-link/",
        partner.send_register_link,
        name="send_register_link",
    ),
    # Public: a group with no account records a register from a one-time emailed link.
    path("register/<uuid:token>/", partner.group_register, name="group_register"),
    # What goes out about a client: their plan, and the message back to their GP.
    path("staff/clients/<uuid:public_id>/plan/", letters.plan, name="plan"),
    path("staff/clients/<uuid:public_id>/plan.pdf", letters.plan_pdf, name="plan_pdf"),
    path("staff/clients/<uuid:public_id>/plan/send/", letters.plan_send, name="plan_send"),
    path(
        "staff/clients/<uuid:public_id>/messages/<int:message_id>/stop/",
        letters.stop_message,
        name="stop_message",
    ),
    path("staff/clients/<uuid:public_id>/message-back/", letters.message_back, name="message_back"),
    path(
        "staff/clients/<uuid:public_id>/message-back/summary/",
        letters.message_back_summary,
        name="message_back_summary",
    ),
    path(
        "staff/clients/<uuid:public_id>/message-back.pdf",
        letters.message_back_pdf,
        name="message_back_pdf",
    ),
    path(
        "staff/clients/<uuid:public_id>/message-back.json",
        letters.message_back_json,
        name="message_back_json",
    ),
    path(
        "staff/clients/<uuid:public_id>/message-back/send/",
        letters.message_back_send,
        name="message_back_send",
    ),
    # Referrals received through MESH, for coordinators.
    path("staff/mesh/", mesh.mesh_messages, name="mesh_messages"),
    path("staff/mesh/<uuid:public_id>/", mesh.mesh_message, name="mesh_message"),
    path(
        "staff/mesh/<uuid:public_id>/as-received/",
        mesh.mesh_message_download,
        name="mesh_message_download",
    ),
    path(
        "staff/clients/<uuid:public_id>/message-back/send-mesh/",
        letters.message_back_send_mesh,
        name="message_back_send_mesh",
    ),
    # Outcomes: wellbeing and loneliness measures at baseline and follow-up.
    path("staff/clients/<uuid:public_id>/outcomes/", outcomes.outcomes, name="outcomes"),
    path(
        "staff/clients/<uuid:public_id>/outcomes/record/",
        outcomes.record,
        name="record_outcome",
    ),
    path(
        "staff/clients/<uuid:public_id>/outcomes/record/<slug:code>/",
        outcomes.record_for,
        name="record_outcome_for",
    ),
    path(
        "staff/clients/<uuid:public_id>/outcomes/send-link/",
        outcomes.send_link,
        name="send_outcome_link",
    ),
    # Public: a client answers a measure on their own phone, from a one-time link.
    path("wellbeing/<str:token>/", outcomes.outcome_link, name="outcome_link"),
    # Data protection: a subject access export, and erasure (coordinators).
    path("staff/clients/<uuid:public_id>/export/", privacy.export, name="export"),
    path("staff/clients/<uuid:public_id>/erase/", privacy.erase, name="erase"),
    # Safeguarding concerns: raised by link workers and partner leads, seen by the
    # area's designated lead (named by a coordinator) and by whoever raised them.
    path("staff/safeguarding/", safeguarding.safeguarding, name="safeguarding"),
    path("staff/safeguarding/lead/", safeguarding.name_lead, name="safeguarding_lead"),
    path(
        "staff/safeguarding/partner/",
        safeguarding.safeguarding_partner,
        name="safeguarding_partner",
    ),
    path("staff/safeguarding/<uuid:public_id>/", safeguarding.concern, name="concern"),
    path(
        "staff/clients/<uuid:public_id>/safeguarding/",
        safeguarding.raise_concern,
        name="raise_concern",
    ),
    path(
        "staff/partner/connections/<uuid:public_id>/safeguarding/",
        safeguarding.raise_concern_connection,
        name="raise_concern_connection",
    ),
    # Handing a link worker's caseload to colleagues.
    path("staff/clients/handover/", handover.handover, name="handover"),
    path("staff/clients/handover/<uuid:public_id>/", handover.handover_from, name="handover_from"),
]
