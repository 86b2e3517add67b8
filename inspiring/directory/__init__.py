"""The directory and the year-long calendar: partners, venues, activities, schedules, sessions.

Everything here is public data: no personal data about residents or clients.
"""
