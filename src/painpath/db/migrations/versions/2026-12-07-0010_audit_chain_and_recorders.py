"""Audit trail hash chain; who recorded each observation, condition and medication request.

Existing events are chained in id order (backfill), so `painpath audit verify` passes on an
upgraded database. The append-only triggers are lifted for the backfill only, inside the
migration's transaction.

Observations and medication requests get `recorder_id` and `recorder_role`, conditions
`recorder_role` (they had `recorder_id`). Existing conditions and medication requests take the
role of their recorder / prescriber (who entered them); existing observations stay unknown.

Revision ID: 0a1cdca68db0
Revises: c9a1f0e2b7d4
Create Date: 2026-12-07 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from painpath.audit.chain import CHAINED_FIELDS, GENESIS_HASH, event_hash

revision: str = "0a1cdca68db0"
down_revision: str | None = "c9a1f0e2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
AUDIT_APPEND_ONLY = "audit_events is append-only"

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_events_no_{verb} BEFORE {verb.upper()} ON audit_events
    BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END"""
    for verb in ("update", "delete")
]

_POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{AUDIT_APPEND_ONLY}'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]


def _protect() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRES_TRIGGERS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def _unprotect() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")


_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    *(
        sa.column(name, sa.Integer() if name in ("user_id", "patient_id") else sa.String())
        for name in CHAINED_FIELDS
        if name not in ("id", "recorded_at")
    ),
    sa.column("previous_hash", sa.String()),
    sa.column("event_hash", sa.String()),
)
_head = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer()),
    sa.column("event_id", sa.Integer()),
    sa.column("event_hash", sa.String()),
)


def _backfill() -> tuple[int, str]:
    """Chain the existing events in id order, a batch at a time; the new head."""
    bind = op.get_bind()
    fields = [_events.c[name] for name in CHAINED_FIELDS]
    head_id, head_hash = 0, GENESIS_HASH
    while True:
        rows = bind.execute(
            sa.select(*fields).where(_events.c.id > head_id).order_by(_events.c.id).limit(BATCH)
        ).all()
        if not rows:
            return head_id, head_hash
        updates = []
        for row in rows:
            digest = event_hash(head_hash, row._mapping)
            updates.append({"row_id": row.id, "previous": head_hash, "digest": digest})
            head_id, head_hash = row.id, digest
        bind.execute(
            _events.update()
            .where(_events.c.id == sa.bindparam("row_id"))
            .values(previous_hash=sa.bindparam("previous"), event_hash=sa.bindparam("digest")),
            updates,
        )


RECORDED_TABLES = ("observations", "medication_requests")


def _add_recorders() -> None:
    for table in RECORDED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("recorder_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("recorder_role", sa.String(length=16), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_recorder_id_users"),
                "users",
                ["recorder_id"],
                ["id"],
                ondelete="SET NULL",
            )
    op.add_column("conditions", sa.Column("recorder_role", sa.String(length=16), nullable=True))
    op.execute("UPDATE medication_requests SET recorder_id = prescriber_id")
    for table in ("conditions", "medication_requests"):
        op.execute(
            f"UPDATE {table} SET recorder_role = (SELECT CAST(users.role AS VARCHAR(16)) "
            f"FROM users WHERE users.id = {table}.recorder_id) WHERE recorder_id IS NOT NULL"
        )


def _drop_recorders() -> None:
    with op.batch_alter_table("conditions") as batch_op:
        batch_op.drop_column("recorder_role")
    for table in RECORDED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_recorder_id_users"), type_="foreignkey")
            batch_op.drop_column("recorder_role")
            batch_op.drop_column("recorder_id")


def upgrade() -> None:
    _add_recorders()
    op.add_column("audit_events", sa.Column("previous_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("event_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    _unprotect()
    head_id, head_hash = _backfill()
    _protect()
    op.bulk_insert(_head, [{"id": 1, "event_id": head_id, "event_hash": head_hash}])


def downgrade() -> None:
    _drop_recorders()
    op.drop_table("audit_chain_head")
    _unprotect()
    with op.batch_alter_table("audit_events", recreate="never") as batch_op:
        batch_op.drop_column("event_hash")
        batch_op.drop_column("previous_hash")
    _protect()
