"""PostgreSQL: NOTIFY painpath_alerts on every alert insert or update, in the same transaction.

Each server process LISTENs once and wakes its open alert streams (web.alert_signal); the
notification is delivered when the writing transaction commits, never for a rolled-back one.
SQLite has no NOTIFY: there each process polls for new alerts once a second instead.

Revision ID: 36c4e731f813
Revises: 7c3e91a4d5b2
Create Date: 2026-12-08 06:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "36c4e731f813"
down_revision: str | None = "7c3e91a4d5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Payload "<alert id>:<patient id>" (under NOTIFY's 8000-byte limit).
_FUNCTION = """
CREATE FUNCTION painpath_notify_alert() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('painpath_alerts', NEW.id::text || ':' || NEW.patient_id::text);
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
_TRIGGER = """
CREATE TRIGGER alerts_notify AFTER INSERT OR UPDATE ON alerts
FOR EACH ROW EXECUTE FUNCTION painpath_notify_alert()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS alerts_notify ON alerts")
        op.execute("DROP FUNCTION IF EXISTS painpath_notify_alert()")
