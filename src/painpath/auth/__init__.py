"""Accounts, passwords, tokens, the role → permission table and care-team scope."""
