"""Signed documents compressed with LZ4 on PostgreSQL

A signed credential is 5–20 KB of JSON, so PostgreSQL compresses it when it stores the row; its default
compressor (pglz) took half the time of a bulk issuance run's COPY, LZ4 takes a quarter of that. Only
new values are compressed this way. A server built without LZ4, and SQLite, keep what they have.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = [
    ("issued_credentials", "document"),
    ("issued_credentials", "elm_document"),
    ("wallet_credentials", "document"),
]


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    methods = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar_one_or_none()
    if method not in (methods or []):
        return
    for table, column in DOCUMENTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
