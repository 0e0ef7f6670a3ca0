"""Trust anchors for seals and timestamps (from ETSI trusted lists or the operator) and the lists imported

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trust_anchors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("service_type", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_anchors")),
        sa.UniqueConstraint("source", "fingerprint", "service_type", name="uq_trust_anchors_entry"),
    )
    op.create_index(op.f("ix_trust_anchors_fingerprint"), "trust_anchors", ["fingerprint"], unique=False)
    op.create_index(op.f("ix_trust_anchors_source"), "trust_anchors", ["source"], unique=False)
    op.create_table(
        "trusted_lists",
        sa.Column("territory", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pointers", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("territory", name=op.f("pk_trusted_lists")),
    )


def downgrade() -> None:
    op.drop_table("trusted_lists")
    op.drop_index(op.f("ix_trust_anchors_source"), table_name="trust_anchors")
    op.drop_index(op.f("ix_trust_anchors_fingerprint"), table_name="trust_anchors")
    op.drop_table("trust_anchors")
