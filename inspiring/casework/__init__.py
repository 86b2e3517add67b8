"""Casework: clients, referrals, assessment, connections to activities, follow-up."""
