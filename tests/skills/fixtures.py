"""What the skills tests share: a learner, an ESCO skill by its label, a profile with skills, logging out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import User
from microcred.accounts.principal import Actor
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from microcred.taxonomy import search
from microcred.taxonomy.models import EscoSkill
from tests.conftest import csrf_from


def person(db: Session, email: str = "lena@example.org") -> User:
    user, _password = accounts.create_user(db, Actor.operator(), email=email, display_name="Lena")
    db.commit()
    return user


def uri_of(db: Session, label: str) -> str:
    found = db.scalar(select(EscoSkill.uri).where(EscoSkill.preferred_label == label))
    assert found, label
    return found


def give_skills(database: Database, email: str, labels: list[str]) -> None:
    with database.session() as db:
        user = accounts.user_by_email(db, email)
        item = skills.add_experience(db, user, kind=ExperienceKind.JOB, title="Assistant")
        for label in labels:
            skills.set_skill(db, user, item.id, search.search_skills(db, label, 1)[0].uri, 4)


def log_out(client: TestClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/dashboard").text)})
