"""WhatsApp: received messages, draft orders for review, and replies sent to customers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wa_message_id", sa.String(length=200), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("customer_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.String(length=4096), nullable=False),
        sa.Column("reading", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("location_message_id", sa.String(length=200), nullable=True),
        sa.Column("market_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "review",
                "ordered",
                "rejected",
                name="draftstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("problem", sa.String(length=1000), nullable=True),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_whatsapp_drafts_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_whatsapp_drafts_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_drafts")),
        sa.UniqueConstraint("wa_message_id", name=op.f("uq_whatsapp_drafts_wa_message_id")),
    )
    op.create_index(
        op.f("ix_whatsapp_drafts_order_id"), "whatsapp_drafts", ["order_id"], unique=False
    )
    op.create_index(
        "ix_whatsapp_drafts_status_market_id",
        "whatsapp_drafts",
        ["status", "market_id"],
        unique=False,
    )
    op.create_index(op.f("ix_whatsapp_drafts_wa_id"), "whatsapp_drafts", ["wa_id"], unique=False)

    op.create_table(
        "whatsapp_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wa_message_id", sa.String(length=200), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("profile_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=4096), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_name", sa.String(length=300), nullable=False),
        sa.Column("location_address", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draft_id", sa.Uuid(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["whatsapp_drafts.id"],
            name=op.f("fk_whatsapp_messages_draft_id_whatsapp_drafts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_messages")),
        sa.UniqueConstraint("wa_message_id", name=op.f("uq_whatsapp_messages_wa_message_id")),
    )
    op.create_index(
        op.f("ix_whatsapp_messages_draft_id"), "whatsapp_messages", ["draft_id"], unique=False
    )
    op.create_index(
        op.f("ix_whatsapp_messages_processed_at"),
        "whatsapp_messages",
        ["processed_at"],
        unique=False,
    )
    op.create_index(
        "ix_whatsapp_messages_wa_id_sent_at",
        "whatsapp_messages",
        ["wa_id", "sent_at"],
        unique=False,
    )

    op.create_table(
        "whatsapp_outbound",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("to_wa_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.String(length=4096), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("draft_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "delivered",
                "read",
                "failed",
                "skipped",
                name="outboundstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("wa_message_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["whatsapp_drafts.id"],
            name=op.f("fk_whatsapp_outbound_draft_id_whatsapp_drafts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_whatsapp_outbound_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_outbound")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_whatsapp_outbound_dedupe_key")),
        sa.UniqueConstraint("wa_message_id", name=op.f("uq_whatsapp_outbound_wa_message_id")),
    )
    op.create_index(
        op.f("ix_whatsapp_outbound_draft_id"), "whatsapp_outbound", ["draft_id"], unique=False
    )
    op.create_index(
        op.f("ix_whatsapp_outbound_order_id"), "whatsapp_outbound", ["order_id"], unique=False
    )
    op.create_index(
        "ix_whatsapp_outbound_status_created_at",
        "whatsapp_outbound",
        ["status", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_whatsapp_outbound_status_created_at", table_name="whatsapp_outbound")
    op.drop_index(op.f("ix_whatsapp_outbound_order_id"), table_name="whatsapp_outbound")
    op.drop_index(op.f("ix_whatsapp_outbound_draft_id"), table_name="whatsapp_outbound")
    op.drop_table("whatsapp_outbound")
    op.drop_index("ix_whatsapp_messages_wa_id_sent_at", table_name="whatsapp_messages")
    op.drop_index(op.f("ix_whatsapp_messages_processed_at"), table_name="whatsapp_messages")
    op.drop_index(op.f("ix_whatsapp_messages_draft_id"), table_name="whatsapp_messages")
    op.drop_table("whatsapp_messages")
    op.drop_index(op.f("ix_whatsapp_drafts_wa_id"), table_name="whatsapp_drafts")
    op.drop_index("ix_whatsapp_drafts_status_market_id", table_name="whatsapp_drafts")
    op.drop_index(op.f("ix_whatsapp_drafts_order_id"), table_name="whatsapp_drafts")
    op.drop_table("whatsapp_drafts")
