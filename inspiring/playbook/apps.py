from __future__ import annotations

from django.apps import AppConfig


class PlaybookConfig(AppConfig):
    name = "inspiring.playbook"
    verbose_name = "Playbook"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions

        from . import cards

        cards.register()

        register_actions(
            {
                "area.started": "Started a new area from another",
                "playbook.task_changed": "Changed a playbook task",
                "playbook.task_added": "Added a playbook task",
                "playbook.task_deleted": "Deleted a playbook task",
                "resource.created": "Added a resource",
                "resource.changed": "Changed a resource",
                "resource.deleted": "Deleted a resource",
                "training.recorded": "Recorded a training completed",
                "training.deleted": "Deleted a training record",
                "sharing.proposed": "Proposed sharing with another area",
                "sharing.answered": "Answered a proposal to share",
                "sharing.withdrawn": "Withdrew a proposal to share",
                "scale_up.exported": "Downloaded the scale-up report",
            }
        )
