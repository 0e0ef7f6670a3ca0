"""Skills profiles: learners' experiences and the ESCO skills each used, with strengths

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:37:20.746975
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "job",
                "education",
                "volunteering",
                "life",
                name="experience_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_experiences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiences")),
    )
    with op.batch_alter_table("experiences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "experience_skills",
        sa.Column("experience_id", sa.Uuid(), nullable=False),
        sa.Column("skill_uri", sa.String(length=255), nullable=False),
        sa.Column("strength", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "chosen",
                "from_text",
                "from_occupations",
                name="skill_source",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.CheckConstraint("strength BETWEEN 1 AND 5", name=op.f("ck_experience_skills_strength_1_to_5")),
        sa.ForeignKeyConstraint(
            ["experience_id"],
            ["experiences.id"],
            name=op.f("fk_experience_skills_experience_id_experiences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_uri"], ["esco_skills.uri"], name=op.f("fk_experience_skills_skill_uri_esco_skills")
        ),
        sa.PrimaryKeyConstraint("experience_id", "skill_uri", name=op.f("pk_experience_skills")),
    )
    with op.batch_alter_table("experience_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experience_skills_skill_uri"), ["skill_uri"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("experience_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experience_skills_skill_uri"))

    op.drop_table("experience_skills")
    with op.batch_alter_table("experiences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiences_user_id"))

    op.drop_table("experiences")
