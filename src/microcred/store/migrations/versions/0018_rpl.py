"""Recognition of prior learning cases and their evidence

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "state NOT IN ('certified', 'closed')"  # a case not yet finished


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _user(column: str, table: str = "rpl_cases") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL")


def upgrade() -> None:
    op.create_table(
        "rpl_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.Column("edition_number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            _enum("rpl_state", "identification", "documentation", "assessment", "certification", "certified", "closed"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("opened_by", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=True),
        sa.Column("profile_taken_at", sa.DateTime(timezone=True), nullable=True),
        *(
            sa.Column(f"{stage}_{end}_at", sa.DateTime(timezone=True), nullable=True)
            for stage in ("identification", "documentation", "assessment", "certification")
            for end in ("started", "ended")
        ),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.Column("result", _enum("rpl_result", "passed", "not_passed"), nullable=True),
        sa.Column("grade", sa.String(length=100), nullable=True),
        sa.Column("assessment_comment", sa.Text(), nullable=True),
        sa.Column("assessed_by", sa.Uuid(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credential_id", sa.Uuid(), nullable=True),
        sa.Column("closure", _enum("rpl_closure", "withdrawn", "not_passed"), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_rpl_cases_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_rpl_cases_learner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_rpl_cases_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_rpl_cases_credential_id_issued_credentials"),
            ondelete="SET NULL",
        ),
        _user("owner_id"),
        _user("opened_by"),
        _user("assessed_by"),
        _user("closed_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rpl_cases")),
    )
    op.create_index(op.f("ix_rpl_cases_organisation_id"), "rpl_cases", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_rpl_cases_learner_id"), "rpl_cases", ["learner_id"], unique=False)
    # One open case per learner and specification: a partial unique index, alike on both databases.
    op.create_index(
        "uq_rpl_cases_open",
        "rpl_cases",
        ["learner_id", "specification_id"],
        unique=True,
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )

    op.create_table(
        "rpl_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["rpl_cases.id"], name=op.f("fk_rpl_evidence_case_id_rpl_cases"), ondelete="CASCADE"
        ),
        _user("uploaded_by", "rpl_evidence"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rpl_evidence")),
    )
    op.create_index(op.f("ix_rpl_evidence_case_id"), "rpl_evidence", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rpl_evidence_case_id"), table_name="rpl_evidence")
    op.drop_table("rpl_evidence")
    op.drop_index("uq_rpl_cases_open", table_name="rpl_cases")
    op.drop_index(op.f("ix_rpl_cases_learner_id"), table_name="rpl_cases")
    op.drop_index(op.f("ix_rpl_cases_organisation_id"), table_name="rpl_cases")
    op.drop_table("rpl_cases")
