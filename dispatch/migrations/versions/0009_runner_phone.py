"""The runner's phone in the field: actions kept by idempotency key, delivery photos, the
recipient's name, and the per-market rule that a delivery needs a photo.

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("markets") as batch:
        batch.add_column(
            sa.Column("photo_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("recipient_name", sa.String(length=120), nullable=True))
    op.create_table(
        "runner_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("runner_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("amount_rp", sa.Integer(), nullable=True),
        sa.Column("previous_rp", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["runners.id"],
            name=op.f("fk_runner_actions_runner_id_runners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_runner_actions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runner_actions")),
        sa.UniqueConstraint("runner_id", "key", name=op.f("uq_runner_actions_runner_id_key")),
    )
    op.create_index(
        op.f("ix_runner_actions_order_id"), "runner_actions", ["order_id"], unique=False
    )
    op.create_table(
        "delivery_photos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_delivery_photos_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_photos")),
    )
    op.create_index(
        op.f("ix_delivery_photos_order_id"), "delivery_photos", ["order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_delivery_photos_order_id"), table_name="delivery_photos")
    op.drop_table("delivery_photos")
    op.drop_index(op.f("ix_runner_actions_order_id"), table_name="runner_actions")
    op.drop_table("runner_actions")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("recipient_name")
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("photo_required")
