"""Gap to stack over the real ESCO v1.1.1: a learner's missing essential skills for a career and the
least-workload set of published micro-credentials that covers them, level fit breaking ties."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import claims, credentials, documents, keys, seals
from microcred.issuing.models import IssuedCredential
from microcred.issuing.sources import verify_here
from microcred.pathways import gap
from microcred.store import Database
from microcred.taxonomy.models import EscoOccupationSkill
from microcred.trust import jades
from microcred.verify import checks
from microcred.wallet import service as wallet
from microcred.wallet.models import WalletCredential
from tests import pki
from tests.conftest import World
from tests.design.fixtures import annex_i_minimum


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def a_career(db: Session) -> tuple[str, list[str]]:
    """An occupation with at least six essential skills, and those skills."""
    essential = EscoOccupationSkill.relation == "essential"
    occupation = db.scalar(
        select(EscoOccupationSkill.occupation_uri)
        .where(essential)
        .group_by(EscoOccupationSkill.occupation_uri)
        .having(func.count() >= 6)
        .order_by(EscoOccupationSkill.occupation_uri)
        .limit(1)
    )
    assert occupation is not None
    needed = db.scalars(
        select(EscoOccupationSkill.skill_uri)
        .where(essential, EscoOccupationSkill.occupation_uri == occupation)
        .order_by(EscoOccupationSkill.skill_uri)
    ).all()
    return occupation, list(needed)


def offer(db: Session, world: World, title: str, skill_uris: list[str], hours: int, level: int) -> str:
    organisation = db.merge(world.orgs["a"])
    content = annex_i_minimum(
        title=title,
        workload_hours=str(hours),
        eqf_level=level,
        learning_outcomes=[{"text": f"Apply the skills of {title} at work", "skills": skill_uris}],
    )
    spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
    design.publish(db, Actor.operator(), organisation, spec.id)
    return str(spec.id)


def in_the_wallet(client: TestClient, db: Session, world: World, spec_id: uuid.UUID) -> IssuedCredential:
    """Organisation A awards the published edition to its learner, who keeps it in the wallet."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    issued = credentials.issue_edition(
        db,
        Actor.operator(),
        db.merge(world.orgs["a"]),
        spec_id,
        1,
        documents.Learner(name="Lena", email="learner@a.example"),
        documents.Result(awarded=date(2026, 11, 20)),
        base_url=settings.base_url,
        master=keys.master_key(settings.resolved_master_key()),
    )
    title = str(issued.document["credentialSubject"]["achievement"]["name"])
    learner = db.merge(world.users["a_learner"])
    db.add(
        WalletCredential(
            user_id=learner.id,
            document=issued.document,
            kind="open-badge",
            title=title,
            issuer_name="A",
            source="upload",
        )
    )
    return issued


def sealing(
    db: Session, world: World, settings: Settings, org: str = "a", *, identifier: str = "VATBE-0123456789"
) -> None:
    """The organisation imports a seal certificate (from a test CA): its awards are then also sealed ELM
    credentials, as issuing/seals.py seals them."""
    p12 = pki.seal_p12(pki.CA(), organisation_id=identifier)
    seals.import_pkcs12(db, Actor.operator(), db.merge(world.orgs[org]), p12, "secret", master_of(settings))


def master_of(settings: Settings) -> bytes:
    return keys.master_key(settings.resolved_master_key())


def verifier(db: Session, settings: Settings) -> Callable[[Any], checks.Report]:
    """This app's verification, with its real sources (our keys, seal certificates and status lists)."""
    return lambda document: verify_here(db, document, base_url=settings.base_url, master=master_of(settings))


def sealed_in_the_wallet(
    db: Session, world: World, settings: Settings, spec_id: uuid.UUID, *, awarded: date = date(2026, 11, 20)
) -> tuple[IssuedCredential, WalletCredential]:
    """Organisation A (sealing) awards the published edition to its learner, who claims it by its link: the
    wallet keeps the sealed ELM credential, not the Open Badge."""
    organisation = db.merge(world.orgs["a"])
    issued = credentials.issue_edition(
        db,
        Actor.operator(),
        organisation,
        spec_id,
        1,
        documents.Learner(name="Lena", email="learner@a.example"),
        documents.Result(awarded=awarded),
        base_url=settings.base_url,
        master=master_of(settings),
    )
    url, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=settings.base_url)
    item = wallet.claim(db, db.merge(world.users["a_learner"]), url.rsplit("/", 1)[1])
    assert item.kind == "elm" and item.document == issued.elm_document and "payload" in item.document
    return issued, item


def resealed_by_a_forger(sealed: dict[str, Any], db: Session, world: World) -> dict[str, Any]:
    """The sealed credential's payload sealed again under a self-signed certificate that copies the subject of
    organisation A's seal certificate: what anyone can make."""
    current = seals.current(db, db.merge(world.orgs["a"]))
    assert current is not None
    forger = pki.new_key("rsa")
    subject = seals.chain_of(current)[0].subject
    return jades.seal(
        jades.verify(sealed).payload,
        forger,
        [pki.self_signed(forger, subject)],
        signing_time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def uploaded(db: Session, world: World, document: dict[str, Any]) -> WalletCredential:
    """The document put into A's learner's wallet by upload, as anyone can."""
    return wallet.upload(db, db.merge(world.users["a_learner"]), json.dumps(document).encode())


def titles(found: gap.Gap) -> set[str]:
    return {step.title for step in found.stack}


def test_the_least_workload_stack_covers_the_gap_and_level_breaks_ties(database: Database, world: World) -> None:
    with database.session() as db:
        occupation, (e1, e2, e3, e4, e5, *rest) = a_career(db)
        offer(db, world, "Both at once", [e2, e3], 30, 5)
        offer(db, world, "Second alone", [e2], 10, 5)
        offer(db, world, "Third alone", [e3], 10, 5)
        offer(db, world, "Fourth at level 4", [e4], 40, 4)
        offer(db, world, "Fourth at level 6", [e4], 40, 6)
        db.commit()

        found = gap.gap_to_stack(db, occupation, {e1}, level=6)
        assert [s.uri for s in found.held] == [e1] and found.essential == 5 + len(rest)
        assert {s.uri for s in found.missing} == {e2, e3, e4, e5, *rest}
        assert titles(found) == {"Second alone", "Third alone", "Fourth at level 6"}  # 60 h, not 70 h
        assert found.workload == 60
        assert {s.uri for s in found.uncovered} == {e5, *rest}
        adds = {step.title: [s.uri for s in step.adds] for step in found.stack}
        assert adds["Second alone"] == [e2] and adds["Fourth at level 6"] == [e4]

        assert titles(gap.gap_to_stack(db, occupation, {e1}, level=4)) == {
            "Second alone",
            "Third alone",
            "Fourth at level 4",
        }
        everything = gap.gap_to_stack(db, occupation, {e1, e2, e3, e4, e5, *rest})
        assert everything.missing == [] and everything.stack == []


def test_the_skills_a_credential_certifies_in_either_format_and_nothing_from_junk() -> None:
    """One reader for pathways, recognition and the gap: an Open Badge's outcomes and alignments, an ELM
    credential's outcomes' related ESCO skills; anything else a crafted document puts there is left out."""
    skill = "http://data.europa.eu/esco/skill/"
    badge = {
        "credentialSubject": {
            "achievement": {
                "learningOutcomes": [{"skills": [f"{skill}one", {"not": "a uri"}, ["nested"]]}, "junk"],
                "alignment": [{"targetUrl": f"{skill}two"}, {"targetUrl": {"id": "x"}}, {"targetUrl": "https://else"}],
            }
        }
    }
    assert gap.credential_skills(badge) == {f"{skill}one", f"{skill}two"}
    elm = {
        "credentialSubject": {
            "hasClaim": [
                {
                    "specifiedBy": {
                        "learningOutcome": [
                            {"relatedESCOSkill": [{"id": f"{skill}three"}, f"{skill}four", [f"{skill}nested"]]},
                            {"relatedESCOSkill": {"id": ["not", "a", "uri"]}},
                        ]
                    }
                },
                "junk",
            ]
        }
    }
    assert gap.credential_skills(elm) == {f"{skill}three", f"{skill}four"}
    for junk in (
        None,
        [],
        "text",
        {"credentialSubject": "x"},
        {"credentialSubject": {"hasClaim": [{"specifiedBy": 3}]}},
    ):
        assert gap.credential_skills(junk) == set()


def test_gap_to_stack_counts_the_skills_of_a_sealed_credential_and_none_of_a_forged_one(
    database: Database, world: World, settings: Settings
) -> None:
    """The wallet keeps a sealed credential's seal: the skills are read from the payload the verification read,
    and only when the seal is the issuer's."""
    with database.session() as db:
        occupation, (e1, e2, e3, e4, *_rest) = a_career(db)
        sealing(db, world, settings)
        held_spec = offer(db, world, "Sealed and held", [e1, e2], 20, 5)
        forged_spec = offer(db, world, "Forged copy", [e3], 20, 5)
        offer(db, world, "Still to take", [e3, e4], 20, 5)
        sealed_in_the_wallet(db, world, settings, uuid.UUID(held_spec))
        other, _item = sealed_in_the_wallet(db, world, settings, uuid.UUID(forged_spec))
        db.delete(_item)  # the learner keeps only forgeries of this one
        assert other.elm_document is not None
        uploaded(db, world, resealed_by_a_forger(other.elm_document, db, world))
        uploaded(db, world, jades.verify(other.elm_document).payload)  # the ELM without its seal
        db.flush()

        held = gap.learner_skills(db, db.merge(world.users["a_learner"]), verifier(db, settings))
        assert {e1, e2} <= held and e3 not in held
        found = gap.gap_to_stack(db, occupation, held)
        assert {s.uri for s in found.held} >= {e1, e2} and e3 in {s.uri for s in found.missing}
        assert titles(found) == {"Still to take"}  # e3 and e4 in one; nothing already held is offered again
