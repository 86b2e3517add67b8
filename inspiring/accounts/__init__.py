"""People: users, their roles in areas (memberships), invitations, sign-in and the audit log."""
