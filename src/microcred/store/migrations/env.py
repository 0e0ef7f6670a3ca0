"""Alembic environment: migrations run against the URL given by microcred.store.migrate."""

from __future__ import annotations

from alembic import context

import microcred.accounts.models  # noqa: F401  (registers the tables on Base.metadata)
import microcred.design.models  # noqa: F401
import microcred.issuing.models  # noqa: F401
import microcred.pathways.models  # noqa: F401
import microcred.quality.models  # noqa: F401
import microcred.recognition.models  # noqa: F401
import microcred.skills.models  # noqa: F401
import microcred.taxonomy.models  # noqa: F401
import microcred.verify.models  # noqa: F401
import microcred.wallet.models  # noqa: F401
from microcred.store.base import Base
from microcred.store.engine import make_engine
from microcred.store.migrate import include_object

config = context.config


def run_migrations() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
