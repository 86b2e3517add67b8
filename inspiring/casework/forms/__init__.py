"""Casework forms, by sub-concept. Messages are instructions, at the field; nothing is
saved partly. Shared widgets and checks are in `base`."""
