"""What the wallet tests share: an award claimed into the learner's wallet, its presentation, and what the
verifier here finds in it."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import claims, credentials, documents, keys
from microcred.issuing.sources import sources
from microcred.store import Database
from microcred.verify import checks
from microcred.wallet import service as wallet
from tests.conftest import World
from tests.design.fixtures import annex_i_minimum

ONE_EDTECH = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech"
SHARED_ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"
ASKED = {"challenge": "c-8f14e45f", "domain": "employer.example"}


def master(settings: Settings) -> bytes:
    return keys.master_key(settings.resolved_master_key())


def claimed(database: Database, world: World, settings: Settings, email: str = "learner@a.example") -> uuid.UUID:
    """An award of organisation A, issued to the learner and claimed into their wallet: the wallet item's id."""
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec.id,
            1,
            documents.Learner(name="Ana Andromeda", email=email),
            documents.Result(awarded=date(2026, 11, 20), grade="Distinction"),
            base_url=settings.base_url,
            master=master(settings),
        )
        url, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=settings.base_url)
        return wallet.claim(db, learner_of(db, email), url.rsplit("/", 1)[1]).id


def learner_of(db: Session, email: str = "learner@a.example") -> User:
    found = db.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def present(database: Database, settings: Settings, item: uuid.UUID, **asked: str) -> dict[str, Any]:
    with database.session() as db:
        return wallet.present(db, learner_of(db), [item], master=master(settings), **{**ASKED, **asked})


def checked(
    database: Database,
    settings: Settings,
    presentation: dict[str, Any],
    *,
    challenge: str = ASKED["challenge"],
    domain: str = ASKED["domain"],
) -> tuple[checks.Report, list[checks.Report]]:
    """What a verifier here finds, asking for this challenge and domain."""
    with database.session() as db:
        return checks.verify_presentation(
            presentation,
            sources(db, base_url=settings.base_url, master=master(settings)),
            challenge=challenge,
            domain=domain,
        )


def owner_check(report: checks.Report) -> checks.Check:
    return next(check for check in report.checks if check.name == "OWNER")
