"""Console sessions kept on the server, and the WhatsApp messages a webhook refused.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_id", sa.Uuid(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_console_sessions_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
    )
    op.create_index(
        op.f("ix_console_sessions_token_id"), "console_sessions", ["token_id"], unique=False
    )
    op.create_table(
        "whatsapp_refusals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wa_message_id", sa.String(length=200), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_refusals")),
    )
    op.create_index(
        op.f("ix_whatsapp_refusals_wa_message_id"),
        "whatsapp_refusals",
        ["wa_message_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_whatsapp_refusals_wa_message_id"), table_name="whatsapp_refusals")
    op.drop_table("whatsapp_refusals")
    op.drop_index(op.f("ix_console_sessions_token_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
