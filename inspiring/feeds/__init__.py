"""Standards in and out: calendar feeds imported, Open Referral UK and OpenActive published, CSV."""
