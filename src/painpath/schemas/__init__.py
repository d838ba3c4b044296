"""Pydantic shapes of what crosses painpath's edges (API bodies, CLI input), validated there."""
