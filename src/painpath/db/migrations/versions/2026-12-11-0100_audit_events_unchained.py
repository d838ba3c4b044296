"""The queue of audit events committed with their request and not yet chained (PostgreSQL).

A request inserts its events here, in its own transaction, instead of appending them to the
hash chain under the chain head's lock; `painpath.audit.chaining` moves them into
`audit_events` right after the commit. The table has no append-only triggers: the chainer
deletes the rows it has chained, in the same transaction that appends them.

Downgrading would drop queued events, so it refuses while any is queued: run
`painpath audit verify` first (it chains them).

Revision ID: bd2702ab6783
Revises: 5e3a9c1f07b2
Create Date: 2026-12-11 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bd2702ab6783"
down_revision: str | None = "5e3a9c1f07b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events_unchained",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("http_method", sa.String(length=8), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events_unchained")),
    )


def downgrade() -> None:
    queued = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_events_unchained"))
    if queued.scalar_one():
        raise RuntimeError(
            "audit events are queued to be chained: run `painpath audit verify` (it chains "
            "them), then downgrade"
        )
    op.drop_table("audit_events_unchained")
