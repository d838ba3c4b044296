"""Use cases, one function each. Services flush; the caller's transaction commits."""

# Registers the flush hook that numbers changes to synced records (mobile sync tokens), so
# every writer that imports a service, not only the web app, keeps the change log complete.
from painpath.services.monitoring import changes as _monitoring_changes  # noqa: F401
