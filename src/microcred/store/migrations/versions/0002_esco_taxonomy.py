"""The ESCO taxonomy: skills, occupations, ISCO and skill groups, their relations and collections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:15:51.010063
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "esco_collection_members",
        sa.Column("collection", sa.String(length=40), nullable=False),
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("collection", "uri", name=op.f("pk_esco_collection_members")),
    )
    with op.batch_alter_table("esco_collection_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esco_collection_members_uri"), ["uri"], unique=False)

    op.create_table(
        "esco_isco_groups",
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("preferred_label", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_esco_isco_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_esco_isco_groups_code")),
    )
    op.create_table(
        "esco_occupations",
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("isco_group", sa.String(length=10), nullable=False),
        sa.Column("preferred_label", sa.String(length=500), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.Column("hidden_labels", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("regulated", sa.Boolean(), nullable=False),
        sa.Column("regulated_note", sa.Text(), nullable=False),
        sa.Column("broader_uri", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_esco_occupations")),
    )
    with op.batch_alter_table("esco_occupations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esco_occupations_isco_group"), ["isco_group"], unique=False)
        batch_op.create_index(batch_op.f("ix_esco_occupations_preferred_label"), ["preferred_label"], unique=False)

    op.create_table(
        "esco_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esco_releases")),
    )
    op.create_table(
        "esco_skill_broader",
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.Column("broader_uri", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("uri", "broader_uri", name=op.f("pk_esco_skill_broader")),
    )
    with op.batch_alter_table("esco_skill_broader", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esco_skill_broader_broader_uri"), ["broader_uri"], unique=False)

    op.create_table(
        "esco_skill_groups",
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("preferred_label", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_esco_skill_groups")),
    )
    op.create_table(
        "esco_skills",
        sa.Column("uri", sa.String(length=255), nullable=False),
        sa.Column("preferred_label", sa.String(length=500), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.Column("hidden_labels", sa.JSON(), nullable=False),
        sa.Column("skill_type", sa.String(length=30), nullable=False),
        sa.Column("reuse_level", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_esco_skills")),
    )
    with op.batch_alter_table("esco_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esco_skills_preferred_label"), ["preferred_label"], unique=False)

    op.create_table(
        "esco_occupation_skills",
        sa.Column("occupation_uri", sa.String(length=255), nullable=False),
        sa.Column("skill_uri", sa.String(length=255), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_uri"],
            ["esco_occupations.uri"],
            name=op.f("fk_esco_occupation_skills_occupation_uri_esco_occupations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_uri"],
            ["esco_skills.uri"],
            name=op.f("fk_esco_occupation_skills_skill_uri_esco_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occupation_uri", "skill_uri", name=op.f("pk_esco_occupation_skills")),
    )
    with op.batch_alter_table("esco_occupation_skills", schema=None) as batch_op:
        batch_op.create_index("ix_esco_occupation_skills_skill", ["skill_uri"], unique=False)

    op.create_table(
        "esco_skill_relations",
        sa.Column("skill_uri", sa.String(length=255), nullable=False),
        sa.Column("related_uri", sa.String(length=255), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["related_uri"],
            ["esco_skills.uri"],
            name=op.f("fk_esco_skill_relations_related_uri_esco_skills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_uri"],
            ["esco_skills.uri"],
            name=op.f("fk_esco_skill_relations_skill_uri_esco_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("skill_uri", "related_uri", name=op.f("pk_esco_skill_relations")),
    )


def downgrade() -> None:
    op.drop_table("esco_skill_relations")
    with op.batch_alter_table("esco_occupation_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_esco_occupation_skills_skill")

    op.drop_table("esco_occupation_skills")
    with op.batch_alter_table("esco_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esco_skills_preferred_label"))

    op.drop_table("esco_skills")
    op.drop_table("esco_skill_groups")
    with op.batch_alter_table("esco_skill_broader", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esco_skill_broader_broader_uri"))

    op.drop_table("esco_skill_broader")
    op.drop_table("esco_releases")
    with op.batch_alter_table("esco_occupations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esco_occupations_preferred_label"))
        batch_op.drop_index(batch_op.f("ix_esco_occupations_isco_group"))

    op.drop_table("esco_occupations")
    op.drop_table("esco_isco_groups")
    with op.batch_alter_table("esco_collection_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esco_collection_members_uri"))

    op.drop_table("esco_collection_members")
