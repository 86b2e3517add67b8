from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "inspiring.casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

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
                "assessment.saved": "Recorded an assessment",
                "group.changed": "Changed a client's groups",
                "connection.created": "Connected a client to an activity",
                "connection.changed": "Moved a connection on",
                "attendance.recorded": "Recorded attendance",
                "contact.recorded": "Recorded a contact",
                "task.changed": "Added or completed a task",
                "message.sent": "Sent a message about a client",
                "safeguarding.raised": "Raised a safeguarding concern",
                "safeguarding.viewed": "Looked at a safeguarding concern",
                "safeguarding.handled": "Recorded the handling of a safeguarding concern",
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
