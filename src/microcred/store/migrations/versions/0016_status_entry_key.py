"""A status entry is its place: (list, position) as the primary key, without a separate id

Revision ID: 0016
Revises: 0015
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_entries", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("uq_status_entries_list_id"), type_="unique")
        batch_op.drop_constraint(op.f("pk_status_entries"), type_="primary")
        batch_op.drop_column("id")
        batch_op.create_primary_key(op.f("pk_status_entries"), ["list_id", "position"])


def downgrade() -> None:
    with op.batch_alter_table("status_entries", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("id", sa.Uuid(), nullable=True))
    connection = op.get_bind()
    entries = sa.table(
        "status_entries", sa.column("id", sa.Uuid()), sa.column("list_id", sa.Uuid()), sa.column("position")
    )
    for list_id, position in connection.execute(sa.select(entries.c.list_id, entries.c.position)).all():
        connection.execute(
            entries.update().where(entries.c.list_id == list_id, entries.c.position == position).values(id=uuid.uuid4())
        )
    with op.batch_alter_table("status_entries", recreate="always") as batch_op:
        batch_op.alter_column("id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_constraint(op.f("pk_status_entries"), type_="primary")
        batch_op.create_primary_key(op.f("pk_status_entries"), ["id"])
        batch_op.create_unique_constraint(op.f("uq_status_entries_list_id"), ["list_id", "position"])
