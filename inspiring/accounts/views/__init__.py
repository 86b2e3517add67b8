"""Staff and sign-in pages, one module per part: auth, home, team, invitations, audit."""
