"""Micro-credential specifications, their immutable editions, and organisations' framework profiles

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "design_profiles",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("profile", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_design_profiles_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "profile", name=op.f("pk_design_profiles")),
    )
    op.create_table(
        "specifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_specifications_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_specifications_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specifications")),
    )
    with op.batch_alter_table("specifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_specifications_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_specifications_review_due"), ["review_due"], unique=False)

    op.create_table(
        "specification_editions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_specification_editions_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_specification_editions_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specification_editions")),
        sa.UniqueConstraint("specification_id", "number", name=op.f("uq_specification_editions_specification_id")),
    )
    with op.batch_alter_table("specification_editions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_specification_editions_specification_id"), ["specification_id"], unique=False
        )

    # A published edition is never changed: the database refuses it, whatever the code does.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION specification_editions_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'specification_editions are immutable: publish a new edition instead';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER specification_editions_immutable BEFORE UPDATE ON specification_editions "
            "FOR EACH ROW EXECUTE FUNCTION specification_editions_immutable()"
        )
    else:
        op.execute(
            "CREATE TRIGGER specification_editions_immutable BEFORE UPDATE ON specification_editions "
            "BEGIN SELECT RAISE(ABORT, 'specification_editions are immutable: publish a new edition instead'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER specification_editions_immutable ON specification_editions")
        op.execute("DROP FUNCTION specification_editions_immutable()")
    else:
        op.execute("DROP TRIGGER specification_editions_immutable")
    with op.batch_alter_table("specification_editions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_specification_editions_specification_id"))

    op.drop_table("specification_editions")
    with op.batch_alter_table("specifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_specifications_review_due"))
        batch_op.drop_index(batch_op.f("ix_specifications_organisation_id"))

    op.drop_table("specifications")
    op.drop_table("design_profiles")
