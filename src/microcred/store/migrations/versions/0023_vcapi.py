"""VC-API: organisations' did:key identities, issuer instances, the credentials the VC-API issued, VCALM exchanges

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issuer_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("algorithm", sa.String(length=10), nullable=False),
        sa.Column("public_multibase", sa.String(length=120), nullable=False),
        sa.Column("private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_issuer_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_keys")),
        sa.UniqueConstraint("public_multibase", name=op.f("uq_issuer_keys_public_multibase")),
    )
    op.create_index(op.f("ix_issuer_keys_organisation_id"), "issuer_keys", ["organisation_id"], unique=False)
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_key_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_status_lists_issuer_key_id"), ["issuer_key_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_status_lists_issuer_key_id_issuer_keys"),
            "issuer_keys",
            ["issuer_key_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "issuer_instances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_key_id", sa.Uuid(), nullable=True),
        sa.Column("cryptosuite", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("with_status", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_key_id"],
            ["issuer_keys.id"],
            name=op.f("fk_issuer_instances_issuer_key_id_issuer_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_issuer_instances_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_instances")),
    )
    op.create_index(op.f("ix_issuer_instances_organisation_id"), "issuer_instances", ["organisation_id"], unique=False)
    op.create_table(
        "vcapi_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.String(length=300), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vcapi_credentials_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vcapi_credentials")),
        sa.UniqueConstraint("organisation_id", "credential_id", name=op.f("uq_vcapi_credentials_organisation_id")),
    )
    op.create_index(op.f("ix_vcapi_credentials_alias"), "vcapi_credentials", ["alias"], unique=False)
    op.create_index(
        op.f("ix_vcapi_credentials_organisation_id"), "vcapi_credentials", ["organisation_id"], unique=False
    )
    op.create_table(
        "vcapi_exchanges",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("workflow", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("holder", sa.String(length=300), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vcapi_exchanges_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_vcapi_exchanges")),
    )
    op.create_index(op.f("ix_vcapi_exchanges_organisation_id"), "vcapi_exchanges", ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_vcapi_exchanges_organisation_id"), table_name="vcapi_exchanges")
    op.drop_table("vcapi_exchanges")
    op.drop_index(op.f("ix_vcapi_credentials_organisation_id"), table_name="vcapi_credentials")
    op.drop_index(op.f("ix_vcapi_credentials_alias"), table_name="vcapi_credentials")
    op.drop_table("vcapi_credentials")
    op.drop_index(op.f("ix_issuer_instances_organisation_id"), table_name="issuer_instances")
    op.drop_table("issuer_instances")
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_status_lists_issuer_key_id_issuer_keys"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_status_lists_issuer_key_id"))
        batch_op.drop_column("issuer_key_id")
    op.drop_index(op.f("ix_issuer_keys_organisation_id"), table_name="issuer_keys")
    op.drop_table("issuer_keys")
