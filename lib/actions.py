"""What every app's actions share: the one way to say a change cannot be made."""

from __future__ import annotations


class ActionRefused(Exception):
    """The change cannot be made; str(error) says why, in words for the person who asked
    (the view shows it as a form error or a message). Each app's `actions` module
    raises it, or a subclass of it."""
