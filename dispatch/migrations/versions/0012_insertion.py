"""New orders mid-shift: a market chooses whether they are inserted into its current plan at
once (``auto``) or wait for a coordinator (``review``) with the suggested runner and place.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("markets") as batch:
        batch.add_column(
            sa.Column("insertion", sa.String(length=10), nullable=False, server_default="auto")
        )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("awaiting_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("suggested_runner_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("suggested_position", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("suggestion", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("suggestion")
        batch.drop_column("suggested_position")
        batch.drop_column("suggested_runner_id")
        batch.drop_column("awaiting_review")
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("insertion")
