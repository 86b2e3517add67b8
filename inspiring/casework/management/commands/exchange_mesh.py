"""Collect referrals from our MESH mailboxes and learn what became of the messages back
sent through MESH (the scheduler, every MESH_POLL_MINUTES)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from inspiring.casework.actions.mesh import mailboxes, receive_referrals, track_sent


class Command(BaseCommand):
    help = (
        "Read the referrals waiting in each MESH mailbox into triage (or keep them for a "
        "coordinator when they cannot be read), acknowledge them, and ask MESH whether "
        "the practices collected the messages back. Nothing to do where MESH is not set up."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not mailboxes():
            self.stdout.write("MESH is not set up (no MESH_MAILBOX_ID): nothing to do.")
            return
        received = receive_referrals()
        tracked = track_sent()
        self.stdout.write(
            f"{received['imported']} referrals received, {received['rejected']} kept for a "
            f"coordinator (could not be read), {received['again']} acknowledged again, "
            f"{received['reports']} MESH reports, {received['failed']} not collected "
            f"(tried again next time); {tracked['acknowledged']} messages back collected, "
            f"{tracked['undeliverable']} undeliverable, {tracked['waiting']} still waiting."
        )
