"""Initial schema: markets, runners, orders with items and status history, dispatch runs,
routes, stops and dropped orders.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_runs",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="runstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_runs")),
    )
    op.create_index(
        op.f("ix_dispatch_runs_service_date"), "dispatch_runs", ["service_date"], unique=False
    )

    op.create_table(
        "markets",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("kelurahan", sa.String(length=80), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markets")),
        sa.UniqueConstraint("code", name=op.f("uq_markets_code")),
    )
    op.create_table(
        "dispatch_run_markets",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_dispatch_run_markets_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["dispatch_runs.id"],
            name=op.f("fk_dispatch_run_markets_run_id_dispatch_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "market_id", name=op.f("pk_dispatch_run_markets")),
    )
    op.create_index(
        op.f("ix_dispatch_run_markets_market_id"),
        "dispatch_run_markets",
        ["market_id"],
        unique=False,
    )

    op.create_table(
        "orders",
        sa.Column("customer_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_approximate", sa.Boolean(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column(
            "fulfilment",
            sa.Enum("delivery", "pickup", name="fulfilment", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "payment",
            sa.Enum("cod", "cashless", name="payment", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("amount_rp", sa.Integer(), nullable=False),
        sa.Column("delivery_fee_rp", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "assigned",
                "picked_up",
                "delivered",
                "failed",
                "cancelled",
                name="orderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_orders_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "market_id", "idempotency_key", name=op.f("uq_orders_market_id_idempotency_key")
        ),
    )
    op.create_index("ix_orders_market_id_status", "orders", ["market_id", "status"], unique=False)
    op.create_index(op.f("ix_orders_service_date"), "orders", ["service_date"], unique=False)

    op.create_table(
        "runners",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("capacity_g", sa.Integer(), nullable=False),
        sa.Column("cash_cap_rp", sa.Integer(), nullable=False),
        sa.Column("max_orders_per_trip", sa.Integer(), nullable=True),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "off_duty",
                "inactive",
                name="runnerstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.Column("last_lat", sa.Float(), nullable=True),
        sa.Column("last_lon", sa.Float(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_runners_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runners")),
    )
    op.create_index(op.f("ix_runners_market_id"), "runners", ["market_id"], unique=False)

    op.create_table(
        "dropped_orders",
        sa.Column("reason_code", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_dropped_orders_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["dispatch_runs.id"],
            name=op.f("fk_dropped_orders_run_id_dispatch_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dropped_orders")),
        sa.UniqueConstraint("run_id", "order_id", name=op.f("uq_dropped_orders_run_id_order_id")),
    )
    op.create_index(
        op.f("ix_dropped_orders_order_id"), "dropped_orders", ["order_id"], unique=False
    )
    op.create_index(op.f("ix_dropped_orders_run_id"), "dropped_orders", ["run_id"], unique=False)

    op.create_table(
        "order_items",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index(op.f("ix_order_items_order_id"), "order_items", ["order_id"], unique=False)

    op.create_table(
        "order_status_changes",
        sa.Column(
            "from_status",
            sa.Enum(
                "pending",
                "assigned",
                "picked_up",
                "delivered",
                "failed",
                "cancelled",
                name="orderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "pending",
                "assigned",
                "picked_up",
                "delivered",
                "failed",
                "cancelled",
                name="orderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_status_changes_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
    )
    op.create_index(
        op.f("ix_order_status_changes_order_id"), "order_status_changes", ["order_id"], unique=False
    )

    op.create_table(
        "routes",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("runner_id", sa.Uuid(), nullable=False),
        sa.Column("market_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
            name=op.f("fk_routes_market_id_markets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["dispatch_runs.id"],
            name=op.f("fk_routes_run_id_dispatch_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["runners.id"],
            name=op.f("fk_routes_runner_id_runners"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
        sa.UniqueConstraint("run_id", "runner_id", name=op.f("uq_routes_run_id_runner_id")),
    )
    op.create_index(op.f("ix_routes_market_id"), "routes", ["market_id"], unique=False)
    op.create_index(op.f("ix_routes_run_id"), "routes", ["run_id"], unique=False)
    op.create_index(op.f("ix_routes_runner_id"), "routes", ["runner_id"], unique=False)

    op.create_table(
        "route_stops",
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("trip", sa.Integer(), nullable=False),
        sa.Column("planned_arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_route_stops_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_route_stops_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stops")),
        sa.UniqueConstraint("route_id", "sequence", name=op.f("uq_route_stops_route_id_sequence")),
    )
    op.create_index(op.f("ix_route_stops_order_id"), "route_stops", ["order_id"], unique=False)
    op.create_index(op.f("ix_route_stops_route_id"), "route_stops", ["route_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_route_stops_route_id"), table_name="route_stops")
    op.drop_index(op.f("ix_route_stops_order_id"), table_name="route_stops")

    op.drop_table("route_stops")
    op.drop_index(op.f("ix_routes_runner_id"), table_name="routes")
    op.drop_index(op.f("ix_routes_run_id"), table_name="routes")
    op.drop_index(op.f("ix_routes_market_id"), table_name="routes")

    op.drop_table("routes")
    op.drop_index(op.f("ix_order_status_changes_order_id"), table_name="order_status_changes")

    op.drop_table("order_status_changes")
    op.drop_index(op.f("ix_order_items_order_id"), table_name="order_items")

    op.drop_table("order_items")
    op.drop_index(op.f("ix_dropped_orders_run_id"), table_name="dropped_orders")
    op.drop_index(op.f("ix_dropped_orders_order_id"), table_name="dropped_orders")

    op.drop_table("dropped_orders")
    op.drop_index(op.f("ix_runners_market_id"), table_name="runners")

    op.drop_table("runners")
    op.drop_index(op.f("ix_orders_service_date"), table_name="orders")
    op.drop_index("ix_orders_market_id_status", table_name="orders")

    op.drop_table("orders")
    op.drop_index(op.f("ix_dispatch_run_markets_market_id"), table_name="dispatch_run_markets")

    op.drop_table("dispatch_run_markets")
    op.drop_table("markets")
    op.drop_index(op.f("ix_dispatch_runs_service_date"), table_name="dispatch_runs")

    op.drop_table("dispatch_runs")
