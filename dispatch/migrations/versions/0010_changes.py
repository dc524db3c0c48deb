"""The change feed the console's live pages read (`dispatch.changes`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_changes_market_id_markets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_market_id_id", "changes", ["market_id", "id"], unique=False)
    op.create_index(op.f("ix_changes_at"), "changes", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_changes_at"), table_name="changes")
    op.drop_index("ix_changes_market_id_id", table_name="changes")
    op.drop_table("changes")
