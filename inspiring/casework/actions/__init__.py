"""Every change to casework records: one `do_…` function per change, in one transaction.

Split by sub-concept: `clients` (a client, their referrals, assessment, groups,
contacts, tasks and link worker), `connections`, `safeguarding`, `registers`,
`messages` (what is sent to or about a client), `privacy` (erasure and retention)
and `handover`. Views, commands and tests all change records through these.

The rules each action keeps:
- Every change of a client's record is written to the audit log, and marks the
  client as active (`Client.touch`: retention counts from the last thing recorded).
- An action returns what happened; the view turns that into words for the person
  (the `messages` framework is never used here).
- Nothing calls the network inside a transaction: record the intent, commit, then
  send, then record the outcome (see `messages` and `registers`).
- A change that cannot be made raises `ActionRefused`, whose text is for the person.
"""

from __future__ import annotations

from lib.actions import ActionRefused

__all__ = ["ActionRefused", "StaleEdit"]


class StaleEdit(ActionRefused):
    """Someone else saved the record since this form was opened."""
