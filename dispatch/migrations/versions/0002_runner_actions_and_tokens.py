"""Runner actions on orders (cash collected, failure reason) and API tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("collected_rp", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("failure_note", sa.String(length=500), nullable=True))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_api_tokens_market_id_markets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_market_id"), "api_tokens", ["market_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_tokens_market_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("failure_note")
        batch.drop_column("failure_reason")
        batch.drop_column("collected_rp")
