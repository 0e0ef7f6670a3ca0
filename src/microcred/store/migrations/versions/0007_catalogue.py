"""The public catalogue: one searchable row per published specification, its facet values, a full-text index

Revision ID: 0007
Revises: 0006

The full-text index differs by database and is kept by the database itself:
- SQLite: an FTS5 table over (title, body) with external content, kept in step by triggers, tokenised
  with the Porter stemmer over unicode61 with diacritics removed;
- PostgreSQL: a `catalogue_search` table of tsvectors (title weighted A, body B, the 'english'
  configuration) with a GIN index, kept by a trigger.
Neither is in the SQLAlchemy models; `microcred.store.migrate.include_object` keeps autogenerate from
reporting them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogue_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("specification_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("edition_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column("credits", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("credit_system", sa.String(length=4), nullable=True),
        sa.Column("price", sa.Numeric(precision=9, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("value_ids", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_catalogue_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_catalogue_entries_specification_id_specifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
        sa.UniqueConstraint("specification_id", name=op.f("uq_catalogue_entries_specification_id")),
    )
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalogue_entries_eqf_level"), ["eqf_level"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalogue_entries_hours"), ["hours"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalogue_entries_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalogue_entries_published_at"), ["published_at"], unique=False)

    op.create_table(
        "catalogue_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facet", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_values")),
        sa.UniqueConstraint("facet", "value", name=op.f("uq_catalogue_values_facet")),
    )
    op.create_table(
        "catalogue_terms",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalogue_entries.id"],
            name=op.f("fk_catalogue_terms_entry_id_catalogue_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["catalogue_values.id"],
            name=op.f("fk_catalogue_terms_value_id_catalogue_values"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "value_id", name=op.f("pk_catalogue_terms")),
    )
    with op.batch_alter_table("catalogue_terms", schema=None) as batch_op:
        batch_op.create_index("ix_catalogue_terms_value_entry", ["value_id", "entry_id"], unique=False)

    op.create_table(
        "catalogue_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_state")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION catalogue_changed() RETURNS trigger AS $$
            BEGIN
                INSERT INTO catalogue_state (id, version) VALUES (1, (random() * 9e18)::bigint)
                ON CONFLICT (id) DO UPDATE SET version = excluded.version;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE ON catalogue_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"
        )
        # A narrow table of its own: a common word matches a fifth of the catalogue, and reading those rows'
        # ids from the wide entries table (summaries, bodies) costs several times more than from this one.
        op.execute(
            "CREATE TABLE catalogue_search (entry_id integer PRIMARY KEY "
            "REFERENCES catalogue_entries (id) ON DELETE CASCADE, search tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_catalogue_search_search ON catalogue_search USING gin (search)")
        op.execute(
            """
            CREATE FUNCTION catalogue_search_row() RETURNS trigger AS $$
            BEGIN
                INSERT INTO catalogue_search (entry_id, search) VALUES (
                    NEW.id,
                    setweight(to_tsvector('english', NEW.title), 'A')
                    || setweight(to_tsvector('english', NEW.body), 'B')
                ) ON CONFLICT (entry_id) DO UPDATE SET search = excluded.search;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER catalogue_search_row AFTER INSERT OR UPDATE ON catalogue_entries "
            "FOR EACH ROW EXECUTE FUNCTION catalogue_search_row()"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE catalogue_fts USING fts5(title, body, content='catalogue_entries', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER catalogue_fts_insert AFTER INSERT ON catalogue_entries BEGIN "
            "INSERT INTO catalogue_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER catalogue_fts_delete AFTER DELETE ON catalogue_entries BEGIN "
            "INSERT INTO catalogue_fts(catalogue_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER catalogue_fts_update AFTER UPDATE ON catalogue_entries BEGIN "
            "INSERT INTO catalogue_fts(catalogue_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO catalogue_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER catalogue_changed_{event.lower()} AFTER {event} ON catalogue_entries BEGIN "  # noqa: S608
                "INSERT INTO catalogue_state (id, version) VALUES (1, abs(random())) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER catalogue_search_row ON catalogue_entries")
        op.execute("DROP FUNCTION catalogue_search_row()")
        op.execute("DROP TABLE catalogue_search")
        op.execute("DROP TRIGGER catalogue_changed ON catalogue_entries")
        op.execute("DROP FUNCTION catalogue_changed()")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER catalogue_fts_{trigger}")
            op.execute(f"DROP TRIGGER catalogue_changed_{trigger}")
        op.execute("DROP TABLE catalogue_fts")
    with op.batch_alter_table("catalogue_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_catalogue_terms_value_entry")
    op.drop_table("catalogue_terms")
    op.drop_table("catalogue_values")
    op.drop_table("catalogue_state")
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_published_at"))
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_hours"))
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_eqf_level"))
    op.drop_table("catalogue_entries")
