"""Fixtures the recognition tests share: bearer tokens of B's officer and A's learner, the parties of an
agreement, and a database holding ESCO (prior learning is matched against ESCO skills)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation, Role
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.pathways import service as pathways
from microcred.store import Database
from tests.conftest import World
from tests.recognition.test_cases import a_pathway, published
from tests.web.test_api import bearer


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def officer_b(database: Database, world: World) -> dict[str, str]:
    return bearer(database, world, "b", Role.RECOGNITION_OFFICER)


@pytest.fixture
def learner_a(database: Database, world: World) -> dict[str, str]:
    return bearer(database, world, "a", Role.LEARNER)


@pytest.fixture
def parties(client: TestClient, database: Database, world: World) -> dict[str, Any]:
    """A's published micro-credential, B's programme, a third organisation C with its own of both."""
    with database.session() as db:
        c = accounts.create_organisation(db, Actor.operator(), legal_name="Gamma College", country="FR", slug="c")
        found = {
            "spec": str(published(db, world)),
            "draft": str(
                design.create(
                    db,
                    Actor.operator(),
                    db.merge(world.orgs["a"]),
                    design.parse_content({"title": "Unfinished draft"}),
                ).id
            ),
            "programme": str(a_pathway(db, world)),
            "c_programme": str(agreements_pathway(db, c)),
        }
        db.commit()
    return found


def agreements_pathway(db: Session, organisation: Organisation) -> uuid.UUID:
    return pathways.create(
        db,
        Actor.operator(),
        organisation,
        title="Gamma's programme",
        qualification="Gamma diploma",
        rules={"kind": "open", "total_credits": 30},
    ).id
