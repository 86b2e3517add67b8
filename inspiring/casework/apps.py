from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "inspiring.casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        from . import facts
        from .actions import booking_reminders
        from .privacy import register_personal_data
        from .views.caseload import triage_card_status
        from .views.mesh import mesh_warning
        from .views.safeguarding import safeguarding_card_status, safeguarding_warning

        # What a subject access export holds and an erasure blanks, for casework's records.
        register_personal_data()
        # Monitoring's summary rows kept exact as the records change.
        facts.connect(self)
        # The reminder the day before a booked session, through the outbox.
        booking_reminders.connect()

        register_actions(
            {
                "client.viewed": "Looked at a client's record",
                "client.created": "Added a client",
                "client.changed": "Changed a client's details",
                "client.listed": "Looked at a list of clients",
                "client.handed_over": "Handed a client to another link worker",
                "client.exported": "Exported everything held on a client",
                "client.erased": "Erased a client's personal data",
                "referral.created": "Recorded a referral",
                "referral.self_referred": "Received a self-referral",
                "referral.status_changed": "Moved a referral on",
                "referral.summary_changed": "Wrote the summary for the message back to the GP",
                "assessment.saved": "Recorded an assessment",
                "group.changed": "Changed a client's groups",
                "connection.created": "Connected a client to an activity",
                "connection.changed": "Moved a connection on",
                "connection.booked": "Booked a client a place at a session, with their consent",
                "connection.booking_cancelled": "Cancelled a client's booking at a session",
                "attendance.recorded": "Recorded attendance",
                "register.sent": "Emailed a group a one-time register for a session",
                "contact.recorded": "Recorded a contact",
                "task.changed": "Added or completed a task",
                "message.sent": "Sent a message about a client",
                "message.stopped": "Stopped trying to send a message about a client",
                "plan.printed": "Downloaded a client's plan to print",
                "message_back.downloaded": "Downloaded the message back to a client's GP",
                "mesh.sent": "Handed the message back to MESH for the client's GP practice",
                "mesh.tracked": "MESH said whether the practice collected the message back",
                "mesh.received": "Received a message through MESH",
                "mesh.viewed": "Looked at a message received through MESH",
                "mesh.downloaded": "Downloaded a message received through MESH",
                "mesh.dealt_with": "Dealt by hand with a message received through MESH",
                "safeguarding.raised": "Raised a safeguarding concern",
                "safeguarding.viewed": "Looked at a safeguarding concern",
                "safeguarding.handled": "Recorded the handling of a safeguarding concern",
                "safeguarding.lead_named": "Named the area's safeguarding lead and deputy",
                "outcome.viewed": "Looked at a client's wellbeing and loneliness measures",
                "outcome.recorded": "Recorded a client's answers to a wellbeing or loneliness "
                "measure",
                "outcome.link_sent": "Sent a client a one-time link to answer a measure",
                "outcome.completed": "The client answered a measure through their one-time link",
            }
        )
        register_card(
            HomeCard(
                title="Caseload",
                description="Referrals to triage, your clients, their follow-ups and tasks.",
                url_name="casework:caseload",
                capability=Capability.MANAGE_CASES,
                order=10,
            )
        )
        register_card(
            HomeCard(
                title="New referrals",
                description="Referrals nobody has taken yet, oldest first: take one onto "
                "your caseload.",
                url_name="casework:triage",
                capability=Capability.MANAGE_CASES,
                order=11,
                status=triage_card_status,
            )
        )
        register_card(
            HomeCard(
                title="Referrals from GP systems",
                description="Referrals received through MESH, the NHS's secure message "
                "exchange: those that could not be read wait here to be dealt with by hand.",
                url_name="casework:mesh_messages",
                capability=Capability.OVERSEE_CASES,
                order=12,
                warning=mesh_warning,
            )
        )
        register_card(
            HomeCard(
                title="People coming to your activities",
                description="Who link workers have connected to your activities, and your "
                "session registers.",
                url_name="casework:partner_connections",
                capability=Capability.EDIT_OWN_LISTINGS,
                order=15,
            )
        )
        # Safeguarding: the lead's list (and the raisers' own); partner leads raise
        # concerns about the people connected to their activities from their own page.
        register_card(
            HomeCard(
                title="Safeguarding",
                description="Raise a concern, follow the ones you raised, and (as the "
                "designated lead or deputy) record how each is handled.",
                url_name="casework:safeguarding",
                capability=Capability.MANAGE_CASES,
                order=20,
                # How many concerns wait (for the lead, deputy and coordinators), and the
                # coordinators' warning until a lead and deputy are named.
                status=safeguarding_card_status,
                warning=safeguarding_warning,
            )
        )
        register_card(
            HomeCard(
                title="Safeguarding",
                description="Raise a concern about someone coming to your activities, and "
                "follow the ones you raised.",
                url_name="casework:safeguarding_partner",
                capability=Capability.EDIT_OWN_LISTINGS,
                order=20,
            )
        )
        register_card(
            HomeCard(
                title="Hand over a caseload",
                description="Pass a link worker's open clients to colleagues when they leave "
                "or are away, keeping each case's history.",
                url_name="casework:handover",
                capability=Capability.OVERSEE_CASES,
                order=25,
            )
        )
