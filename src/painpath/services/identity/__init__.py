"""Who is signing in: accounts, sessions, login throttling, second factor."""
