from __future__ import annotations

from django.urls import path

from .views import caseload, clients, connections, public

app_name = "casework"

urlpatterns = [
    # Public: someone refers themselves to their area's programme.
    path("<slug:slug>/refer-yourself/", public.self_referral, name="self_referral"),
    path("<slug:slug>/refer-yourself/sent/", public.self_referral_sent, name="self_referral_sent"),
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
]
