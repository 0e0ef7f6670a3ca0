"""Quality data: enrolments, learner and employer feedback, verifications of issued credentials

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.Column("edition_number", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=100), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_enrolments_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_enrolments_recorded_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "specification_id", "edition_number", "period", name=op.f("uq_enrolments_specification_id")
        ),
    )
    op.create_table(
        "quality_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("learner", "employer", name="feedback_kind", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("wallet_credential_id", sa.Uuid(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_quality_feedback_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quality_feedback_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["wallet_credential_id"],
            ["wallet_credentials.id"],
            name=op.f("fk_quality_feedback_wallet_credential_id_wallet_credentials"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_feedback")),
        sa.UniqueConstraint("wallet_credential_id", name=op.f("uq_quality_feedback_wallet_credential_id")),
        sa.UniqueConstraint("specification_id", "user_id", name=op.f("uq_quality_feedback_specification_id")),
    )
    op.create_table(
        "verification_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issued_credential_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("verifier", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_verification_events_issued_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_events")),
        sa.UniqueConstraint(
            "issued_credential_id",
            "day",
            "channel",
            "verifier",
            name=op.f("uq_verification_events_issued_credential_id"),
        ),
    )
    op.create_index(
        op.f("ix_verification_events_issued_credential_id"), "verification_events", ["issued_credential_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_verification_events_issued_credential_id"), table_name="verification_events")
    op.drop_table("verification_events")
    op.drop_table("quality_feedback")
    op.drop_table("enrolments")
