from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "inspiring.directory"
    verbose_name = "Directory and calendar"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from . import home  # noqa: F401  (registers the staff home cards and audit actions)
        from .invitations import connect
        from .tasks import booklet_task_finished

        # Inviting a partner lead asks for their organisation; accepting makes them its lead.
        connect()
        task_finished.connect(booklet_task_finished, dispatch_uid="directory.booklet_failed")
