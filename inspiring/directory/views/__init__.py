"""Directory pages: public, calendar, staff, curation, and the confirmation links."""
