"""Recognition cases, credit-exchange agreements and free electives

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, length: int, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


JUDGEMENTS = ("met", "partly_met", "not_met", "cannot_tell")
ASKED = "source = 'wallet'"  # a learner's own request, from their wallet
ASKED_ALONE = "source = 'wallet' AND pathway_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "credit_agreements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("proposed_by", sa.Uuid(), nullable=False),
        sa.Column("min_grade", sa.String(length=50), nullable=True),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("state", _enum("agreement_state", 20, "proposed", "in_force", "ended"), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_force_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ended_by"],
            ["organisations.id"],
            name=op.f("fk_credit_agreements_ended_by_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["organisations.id"],
            name=op.f("fk_credit_agreements_proposed_by_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_agreements")),
    )
    op.create_table(
        "credit_agreement_parties",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
            name=op.f("fk_credit_agreement_parties_accepted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["credit_agreements.id"],
            name=op.f("fk_credit_agreement_parties_agreement_id_credit_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_credit_agreement_parties_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agreement_id", "organisation_id", name=op.f("pk_credit_agreement_parties")),
    )
    op.create_index(
        op.f("ix_credit_agreement_parties_organisation_id"),
        "credit_agreement_parties",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "credit_agreement_pathways",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("pathway_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["credit_agreements.id"],
            name=op.f("fk_credit_agreement_pathways_agreement_id_credit_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_credit_agreement_pathways_pathway_id_pathways")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "pathway_id", name=op.f("pk_credit_agreement_pathways")),
    )
    op.create_table(
        "credit_agreement_specifications",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["credit_agreements.id"],
            name=op.f("fk_credit_agreement_specifications_agreement_id_credit_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_credit_agreement_specifications_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agreement_id", "specification_id", name=op.f("pk_credit_agreement_specifications")),
    )
    op.create_table(
        "free_electives",
        sa.Column("pathway_id", sa.Uuid(), nullable=False),
        sa.Column("credits", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_free_electives_pathway_id_pathways"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["users.id"], name=op.f("fk_free_electives_set_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("pathway_id", name=op.f("pk_free_electives")),
    )
    op.create_table(
        "recognition_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("pathway_id", sa.Uuid(), nullable=True),
        sa.Column("learner_id", sa.Uuid(), nullable=True),
        sa.Column("wallet_credential_id", sa.Uuid(), nullable=True),
        sa.Column("source", _enum("case_source", 20, "wallet", "upload", "share_link"), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("hidden", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("issuer_name", sa.String(length=300), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=True),
        sa.Column("credits", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("grade", sa.String(length=100), nullable=True),
        sa.Column("awarded", sa.Date(), nullable=True),
        sa.Column("state", _enum("recognition_state", 20, "open", "decided", "appealed", "final"), nullable=False),
        sa.Column("route_note", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_recognition_cases_learner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["users.id"], name=op.f("fk_recognition_cases_opened_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_recognition_cases_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathways.id"], name=op.f("fk_recognition_cases_pathway_id_pathways")),
        sa.ForeignKeyConstraint(
            ["wallet_credential_id"],
            ["wallet_credentials.id"],
            name=op.f("fk_recognition_cases_wallet_credential_id_wallet_credentials"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_cases")),
    )
    for column in ("learner_id", "organisation_id", "pathway_id", "specification_id"):
        op.create_index(op.f(f"ix_recognition_cases_{column}"), "recognition_cases", [column], unique=False)
    # A learner asks once per credential, organisation and programme (stand-alone: NULL programmes never collide).
    for name, columns, where in (
        ("uq_recognition_cases_asked", ["learner_id", "wallet_credential_id", "organisation_id", "pathway_id"], ASKED),
        ("uq_recognition_cases_asked_alone", ["learner_id", "wallet_credential_id", "organisation_id"], ASKED_ALONE),
    ):
        op.create_index(
            name,
            "recognition_cases",
            columns,
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    op.create_table(
        "recognition_appeals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("appealed_by", sa.Uuid(), nullable=True),
        sa.Column("appealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appealed_by"], ["users.id"], name=op.f("fk_recognition_appeals_appealed_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["recognition_cases.id"],
            name=op.f("fk_recognition_appeals_case_id_recognition_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_appeals")),
        sa.UniqueConstraint("case_id", name=op.f("uq_recognition_appeals_case_id")),
    )
    op.create_table(
        "recognition_criteria",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "criterion",
            _enum(
                "criterion",
                30,
                "quality",
                "verification",
                "level",
                "learning_outcomes",
                "workload",
                "assessment",
                "identification",
            ),
            nullable=False,
        ),
        sa.Column("suggestion", _enum("suggestion", 20, *JUDGEMENTS), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("judgement", _enum("judgement", 20, *JUDGEMENTS), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.Uuid(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["recognition_cases.id"],
            name=op.f("fk_recognition_criteria_case_id_recognition_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["edited_by"], ["users.id"], name=op.f("fk_recognition_criteria_edited_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_criteria")),
        sa.UniqueConstraint("case_id", "criterion", name=op.f("uq_recognition_criteria_case_id")),
    )
    op.create_table(
        "recognition_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "outcome",
            _enum("decision_outcome", 20, "recognised_fully", "recognised_partly", "refused"),
            nullable=False,
        ),
        sa.Column("credits", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("route", _enum("decision_route", 20, "officer", "agreement", "free_elective"), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=True),
        sa.Column("after_appeal", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["credit_agreements.id"],
            name=op.f("fk_recognition_decisions_agreement_id_credit_agreements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["recognition_cases.id"],
            name=op.f("fk_recognition_decisions_case_id_recognition_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_recognition_decisions_decided_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_decisions")),
        sa.UniqueConstraint("case_id", "after_appeal", name=op.f("uq_recognition_decisions_case_id")),
    )


def downgrade() -> None:
    op.drop_table("recognition_decisions")
    op.drop_table("recognition_criteria")
    op.drop_table("recognition_appeals")
    op.drop_index("uq_recognition_cases_asked_alone", table_name="recognition_cases")
    op.drop_index("uq_recognition_cases_asked", table_name="recognition_cases")
    for column in ("specification_id", "pathway_id", "organisation_id", "learner_id"):
        op.drop_index(op.f(f"ix_recognition_cases_{column}"), table_name="recognition_cases")
    op.drop_table("recognition_cases")
    op.drop_table("free_electives")
    op.drop_table("credit_agreement_specifications")
    op.drop_table("credit_agreement_pathways")
    op.drop_index(op.f("ix_credit_agreement_parties_organisation_id"), table_name="credit_agreement_parties")
    op.drop_table("credit_agreement_parties")
    op.drop_table("credit_agreements")
