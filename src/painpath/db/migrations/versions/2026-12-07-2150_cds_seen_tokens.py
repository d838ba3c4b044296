"""CDS client JWT ids already accepted, so a replayed token is refused by every worker.

Revision ID: d9e075cae627
Revises: 55edbaf1b768
Create Date: 2026-12-07 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9e075cae627"
down_revision: str | None = "55edbaf1b768"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cds_seen_tokens",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_cds_seen_tokens")),
    )
    op.create_index(
        op.f("ix_cds_seen_tokens_expires_at"), "cds_seen_tokens", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cds_seen_tokens_expires_at"), table_name="cds_seen_tokens")
    op.drop_table("cds_seen_tokens")
