"""Sellers (Malpro's UMKM, kuliner and IKM businesses), the seller an order's goods come
from, and route stops that collect them there (``kind``: delivery or pickup).

Revision ID: 0008
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, create_constraint=False, length=20)


def upgrade() -> None:
    op.create_table(
        "sellers",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("cluster", _enum("pasar", "kuliner", "umkm", "ikm"), nullable=False),
        sa.Column(
            "category",
            _enum(
                "makanan-minuman",
                "fashion-pria",
                "fashion-wanita",
                "peralatan",
                "kriya",
                "perlengkapan-rumah",
                "jasa",
                "wedding",
            ),
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("nib", sa.String(length=13), nullable=True),
        sa.Column("verification", _enum("pending", "verified", "suspended"), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_sellers_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("code", name=op.f("uq_sellers_code")),
    )
    op.create_index(op.f("ix_sellers_market_id"), "sellers", ["market_id"], unique=False)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("seller_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_orders_seller_id_sellers"),
            "sellers",
            ["seller_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_index(op.f("ix_orders_seller_id"), ["seller_id"], unique=False)
    with op.batch_alter_table("route_stops") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                _enum("delivery", "pickup"),
                nullable=False,
                server_default="delivery",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("route_stops") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index(op.f("ix_orders_seller_id"))
        batch.drop_constraint(op.f("fk_orders_seller_id_sellers"), type_="foreignkey")
        batch.drop_column("seller_id")
    op.drop_index(op.f("ix_sellers_market_id"), table_name="sellers")
    op.drop_table("sellers")
