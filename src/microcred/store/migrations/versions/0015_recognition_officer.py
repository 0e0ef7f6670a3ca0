"""The recognition officer role

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("org_admin", "educator", "learner")
AFTER = (*BEFORE, "recognition_officer")


def _roles(allowed: tuple[str, ...]) -> None:
    for table in ("memberships", "api_tokens"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch_op.create_check_constraint("role", "role IN (" + ", ".join(f"'{r}'" for r in allowed) + ")")


def upgrade() -> None:
    _roles(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM api_tokens WHERE role = 'recognition_officer'")
    op.execute("UPDATE memberships SET role = 'learner' WHERE role = 'recognition_officer'")
    _roles(BEFORE)
