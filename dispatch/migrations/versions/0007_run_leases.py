"""Dispatch runs hold their markets through a lease; a market's plan is current from the
moment its run stored it; markets choose whether plans balance the runners' working time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dispatch_runs") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
    with op.batch_alter_table("dispatch_run_markets") as batch:
        batch.add_column(sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("markets") as batch:
        batch.add_column(
            sa.Column("balance_work", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("balance_cost", sa.Integer(), nullable=False, server_default="1")
        )
    # The plans of finished runs stay current: stored when their run finished.
    op.execute(
        "UPDATE dispatch_run_markets SET stored_at = ("
        " SELECT dispatch_runs.finished_at FROM dispatch_runs"
        " WHERE dispatch_runs.id = dispatch_run_markets.run_id AND dispatch_runs.status = 'done')"
    )


def downgrade() -> None:
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("balance_cost")
        batch.drop_column("balance_work")
    with op.batch_alter_table("dispatch_run_markets") as batch:
        batch.drop_column("stored_at")
    with op.batch_alter_table("dispatch_runs") as batch:
        batch.drop_column("lease_owner")
        batch.drop_column("lease_until")
