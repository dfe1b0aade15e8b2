"""conflict decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('conflict_decisions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('conflict_id', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('invoice_key', sa.String(length=40), nullable=True),
    sa.Column('store_id', sa.Uuid(), nullable=True),
    sa.Column('product_id', sa.Uuid(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', shared.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_decisions'))
    )
    with op.batch_alter_table('conflict_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_decisions_conflict_id'), ['conflict_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('conflict_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_decisions_conflict_id'))

    op.drop_table('conflict_decisions')
