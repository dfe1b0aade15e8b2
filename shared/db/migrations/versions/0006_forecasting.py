"""forecasting: lead times, pack sizes, model cards and the released model

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shared.db.base
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_time_days", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pack_size_milli", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("ml_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column(
            "updated_at", shared.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column(
            "activated_at", shared.db.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "model_releases",
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.Column("onnx_sha256", sa.String(length=64), nullable=True),
        sa.Column("card_sha256", sa.String(length=64), nullable=True),
        sa.Column("activated_at", shared.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("field_versions", sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_releases")),
    )


def downgrade() -> None:
    op.drop_table("model_releases")
    with op.batch_alter_table("ml_models", schema=None) as batch_op:
        batch_op.drop_column("activated_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("card_sha256")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("pack_size_milli")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("lead_time_days")
