"""document costs: HQ's cache of each counting invoice confirmation's product costs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
LATEST = sa.text("latest")


def upgrade() -> None:
    # Costs were weighed in Python from every counted invoice line of the ledger on each
    # request of the pricing and inflation pages (seconds at 10 million movements). The
    # cache starts empty: central.negocio.cost_cache fills it on the first read.
    op.create_table(
        "document_costs",
        sa.Column("op_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_key", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("confirmed_at", shared.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("value_milli_cents", sa.BigInteger(), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("op_id", "product_id", name=op.f("pk_document_costs")),
    )
    with op.batch_alter_table("document_costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_costs_invoice_key"), ["invoice_key"],
                              unique=False)
        batch_op.create_index("ix_document_costs_product", ["product_id", "hlc"], unique=False)
        batch_op.create_index("ix_document_costs_latest", ["product_id"], unique=False,
                              postgresql_where=LATEST, sqlite_where=LATEST)
    op.create_table(
        "costed_confirmations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_key", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_costed_confirmations")),
    )


def downgrade() -> None:
    op.drop_table("costed_confirmations")
    with op.batch_alter_table("document_costs", schema=None) as batch_op:
        batch_op.drop_index("ix_document_costs_latest")
        batch_op.drop_index("ix_document_costs_product")
        batch_op.drop_index(batch_op.f("ix_document_costs_invoice_key"))
    op.drop_table("document_costs")
