"""Engine, sessions, the declarative base and the Alembic migrations every stage's tables live in."""

from microcred.store.base import Base, utcnow
from microcred.store.engine import Database, make_engine

__all__ = ["Base", "Database", "make_engine", "utcnow"]
