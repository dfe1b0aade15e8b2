"""stock movements by product, by document, and transfers by day

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
TRANSFERS = sa.text("transfer_id IS NOT NULL")
DOCUMENTS = sa.text("document_id IS NOT NULL")


def upgrade() -> None:
    # A product's history in every store (the dashboard, GET /api/deposito/stock/history
    # without a store) read the whole ledger: only (store_id, product_id, hlc) existed.
    # Transfers are about 1 % of the ledger: the list of the latest and the lookup of
    # each one's other leg read only those rows; so do a purchase order's receipts
    # (movements carrying a document id: invoice lines and orders received).
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index("ix_stock_movements_product", ["product_id", "hlc"],
                              unique=False)
        batch_op.create_index("ix_stock_movements_transfer_day", ["kind", "occurred_at"],
                              unique=False, postgresql_where=TRANSFERS,
                              sqlite_where=TRANSFERS)
        batch_op.create_index("ix_stock_movements_transfer", ["transfer_id"], unique=False,
                              postgresql_where=TRANSFERS, sqlite_where=TRANSFERS)
        batch_op.create_index("ix_stock_movements_document", ["document_id"], unique=False,
                              postgresql_where=DOCUMENTS, sqlite_where=DOCUMENTS)


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_document")
        batch_op.drop_index("ix_stock_movements_transfer")
        batch_op.drop_index("ix_stock_movements_transfer_day")
        batch_op.drop_index("ix_stock_movements_product")
