"""Erasure reaches the audit log: an event may be redacted (its personal data replaced, marked with when),
and nothing else about it may change; events still cannot be deleted or truncated

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a redaction leaves alone: the event's identity, time, organisation, action and object.
_KEPT = ("id", "occurred_at", "organisation_id", "action", "object_type", "object_id")


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        kept = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT)
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.redacted_at IS NOT NULL
                   AND NEW.redacted_at IS DISTINCT FROM OLD.redacted_at AND {kept} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        kept = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT)
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events WHEN NOT ("
            f"NEW.redacted_at IS NOT NULL AND NEW.redacted_at IS NOT OLD.redacted_at AND {kept}) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.drop_column("audit_events", "redacted_at")
    else:
        # Not batch mode: rebuilding the table would lose its triggers. SQLite 3.35+ drops a column in place.
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("ALTER TABLE audit_events DROP COLUMN redacted_at")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END"
        )
