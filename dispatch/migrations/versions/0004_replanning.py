"""Re-planning: a coordinator's pins and locked sequences, and the orders' change log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("pinned_runner_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_orders_pinned_runner_id_runners"),
            "runners",
            ["pinned_runner_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("runners") as batch:
        batch.add_column(
            sa.Column("sequence_locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index(op.f("ix_order_events_order_id"), "order_events", ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_order_events_order_id"), table_name="order_events")
    op.drop_table("order_events")
    with op.batch_alter_table("runners") as batch:
        batch.drop_column("sequence_locked")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("fk_orders_pinned_runner_id_runners"), type_="foreignkey")
        batch.drop_column("pinned_runner_id")
