"""Use cases, one function each. Services flush; the caller's transaction commits."""
