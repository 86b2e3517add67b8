"""Booking a place on a session: places per session, bookings and waiting lists."""
