"""Erasure reaches the audit log: an event may be redacted (its personal data replaced, marked with when),
and nothing else about it may change; events still cannot be deleted, truncated or replaced

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

# A redaction keeps the event's identity, time, organisation, action and object; it may take the actor's
# account id and address away but not put others there; and its mark only moves forward, from the event's
# time to (about) now.
_KEPT = ("id", "occurred_at", "organisation_id", "action", "object_type", "object_id")


def _redaction(same: str, now: str) -> str:
    kept = " AND ".join(same.format(c) for c in _KEPT)
    return (
        f"NEW.redacted_at IS NOT NULL AND (OLD.redacted_at IS NULL OR NEW.redacted_at > OLD.redacted_at) "
        f"AND NEW.redacted_at >= OLD.occurred_at AND NEW.redacted_at <= {now} "
        f"AND (NEW.actor_user_id IS NULL OR {same.format('actor_user_id')}) "
        f"AND (NEW.ip IS NULL OR {same.format('ip')}) AND {kept}"
    )


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        redaction = _redaction("NEW.{0} IS NOT DISTINCT FROM OLD.{0}", "clock_timestamp() + interval '1 minute'")
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND {redaction} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        redaction = _redaction("NEW.{0} IS OLD.{0}", "strftime('%Y-%m-%d %H:%M:%f', 'now', '+1 minute')")
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(
            f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events WHEN NOT ({redaction}) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END"
        )
        # INSERT OR REPLACE deletes the old row without firing the DELETE trigger (recursive_triggers is off).
        op.execute(
            "CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
            "WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: REPLACE is not allowed'); END"
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
        op.execute("DROP TRIGGER audit_events_no_replace")
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("ALTER TABLE audit_events DROP COLUMN redacted_at")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END"
        )
