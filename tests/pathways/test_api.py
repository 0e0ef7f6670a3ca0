"""The pathways API: an organisation defines, changes and deletes pathways; anyone lists them; a learner sees
their progress on one from the wallet and the gap to a goal career with the stack that closes it. Each answer
has the shape its response model documents."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput
from microcred.issuing import status
from microcred.pathways import gap, service
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from microcred.taxonomy.models import EscoSkill
from microcred.wallet import service as wallet
from tests.conftest import World, log_in
from tests.design.fixtures import OTHER_SKILL, annex_i_minimum
from tests.pathways.test_gap import a_career, in_the_wallet, offer
from tests.pathways.test_pages import a_pathway
from tests.pathways.test_pages import published as published_at
from tests.recognition.test_cases import by_stranger, in_wallet, published, settings_of
from tests.web.test_api import bearer


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_an_organisation_defines_a_pathway_and_a_learner_sees_progress_from_the_wallet(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        content = annex_i_minimum(credits={"value": "5", "system": "ECTS"}, workload_hours="125")
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
        design.publish(db, Actor.operator(), organisation, spec.id)
        in_the_wallet(client, db, world, spec.id)
        assert db.scalar(select(EscoSkill.uri).where(EscoSkill.uri == OTHER_SKILL))
        with pytest.raises(InvalidInput, match="is not an ESCO skill"):
            service.create(
                db,
                Actor.operator(),
                organisation,
                title="Bad",
                qualification="Nothing",
                rules={"kind": "open", "total_credits": 5, "required_skills": [OTHER_SKILL + "x"]},
            )
        spec_id = str(spec.id)
        db.commit()

    educator = bearer(database, world, "a", Role.EDUCATOR)
    body = {
        "title": "Towards the Certificate in Digital Teamwork",
        "qualification": "Certificate in Digital Teamwork",
        "rules": {"kind": "elective", "total_credits": 10, "approved": [spec_id], "required_skills": [OTHER_SKILL]},
    }
    made = client.post("/api/orgs/a/pathways", json=body, headers=educator)
    assert made.status_code == 201, made.text
    contradictory = {**body, "rules": {**body["rules"], "min_level": 7, "max_level": 3}}
    refused = client.post("/api/orgs/a/pathways", json=contradictory, headers=educator)
    assert refused.status_code == 422 and "Minimum EQF level (7) is above Maximum EQF level (3)" in refused.text
    assert [p["title"] for p in client.get("/api/orgs/a/pathways", headers=educator).json()] == [body["title"]]

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    answer = client.get(f"/api/me/pathways/{made.json()['id']}/progress")
    assert answer.status_code == 200, answer.text
    progress = answer.json()["progress"]
    assert [c["title"] for c in progress["counted"]] == ["Digital content for teams"]
    assert Decimal(progress["credits"]) == 5 and progress["missing_skills"] == [] and progress["eligible"] is False
    assert client.get(f"/api/me/pathways/{uuid.uuid4()}/progress").status_code == 404


def test_the_json_api_lists_changes_and_deletes_pathways(client: TestClient, database: Database, world: World) -> None:
    pathway_id = a_pathway(database, world, {"kind": "open", "total_credits": 10})
    educator = bearer(database, world, "a", Role.EDUCATOR)
    body = {"title": "Renamed pathway", "qualification": "Certificate", "rules": {"kind": "open", "total_credits": 12}}
    changed = client.put(f"/api/orgs/a/pathways/{pathway_id}", json=body, headers=educator)
    assert changed.status_code == 200 and changed.json()["rules"]["total_credits"] == "12"
    contradictory = {**body, "title": "x", "rules": {"kind": "open", "total_credits": 5, "rpl_cap_credits": 6}}
    refused = client.put(f"/api/orgs/a/pathways/{pathway_id}", json=contradictory, headers=educator)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_pathway"
    detail = refused.json()["detail"]
    assert "title must be 3 to 300" in detail and "Cap on prior-learning credits (6)" in detail
    listed = client.get("/api/pathways").json()  # no account needed
    assert [(p["title"], p["organisation"]["name"]) for p in listed] == [("Renamed pathway", "Alpha Academy")]
    assert client.delete(f"/api/orgs/a/pathways/{pathway_id}", headers=educator).status_code == 204
    assert client.delete(f"/api/orgs/a/pathways/{pathway_id}", headers=educator).json()["error"] == "pathway_not_found"
    assert client.get("/api/pathways").json() == []


def test_a_forged_credential_naming_an_approved_micro_credential_does_not_count(
    client: TestClient, database: Database, world: World
) -> None:
    """Anyone can write our catalogue's address into an achievement and sign it with their own key: only the
    specification's own organisation's signature makes a credential one of its micro-credentials."""
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        learner = db.merge(world.users["a_learner"])
        genuine = in_wallet(settings, db, world, spec_id)
        forged = by_stranger(genuine.document)
        wallet.remove(db, learner, genuine.id)
        wallet.upload(db, learner, json.dumps(forged).encode())
        organisation = db.merge(world.orgs["b"])
        approved = {"kind": "elective", "total_credits": 10, "approved": [str(spec_id)]}
        fixed = {"kind": "fixed", "total_credits": 10, "sequence": [str(spec_id)]}
        ids = [
            service.create(db, Actor.operator(), organisation, title=title, qualification="Diploma", rules=rules).id
            for title, rules in (("Elective", approved), ("Fixed", fixed))
        ]
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    for pathway_id, why in zip(
        ids, ("it is not one of the approved micro-credentials", "it is not part of the sequence"), strict=True
    ):
        progress = client.get(f"/api/me/pathways/{pathway_id}/progress").json()["progress"]
        assert progress["counted"] == [] and Decimal(progress["credits"]) == 0, progress
        assert progress["not_counted"] == [["Digital content for teams", why]], progress


def test_a_valid_wallet_credential_counts_and_a_revoked_one_does_not(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        occupation, (e1, e2, e3, *_rest) = a_career(db)
        spec_id = offer(db, world, "Second alone", [e2], 10, 5)
        offer(db, world, "Third alone", [e3], 10, 5)
        learner = db.merge(world.users["a_learner"])
        experience = skills.add_experience(db, learner, kind=ExperienceKind.JOB, title="Help desk")
        skills.set_skill(db, learner, experience.id, e1, 4)
        issued = in_the_wallet(client, db, world, uuid.UUID(spec_id))
        assert e2 in gap.credential_skills(issued.document)
        credential_id = str(issued.document["id"])
        db.commit()

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])

    def asked() -> dict[str, Any]:
        answer = client.get("/api/me/gap", params={"occupation": occupation})
        assert answer.status_code == 200, answer.text
        return answer.json()

    first = asked()
    assert {s["uri"] for s in first["held"]} == {e1, e2}
    assert [step["title"] for step in first["stack"]] == ["Third alone"]

    with database.session() as db:
        status.change(
            db,
            Actor.operator(),
            db.merge(world.orgs["a"]),
            credential_id,
            purpose="revocation",
            value=True,
            reason="Error",
        )
    after = asked()
    assert {s["uri"] for s in after["held"]} == {e1}
    assert {step["title"] for step in after["stack"]} == {"Second alone", "Third alone"}

    assert client.get("/api/me/gap", params={"occupation": "no-such-occupation"}).status_code == 404
    assert client.get("/api/me/gap", params={"occupation": occupation, "level": 9}).status_code == 422
    client.cookies.clear()
    assert client.get("/api/me/gap", params={"occupation": occupation}).status_code == 401


def test_each_answer_is_the_documented_shape_to_the_field(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        occupation, (e1, e2, *_rest) = a_career(db)
        counting = published_at(db, world, "Digital content for teams", credits="6")
        stacked = offer(db, world, "Second alone", [e2], 10, 5)
        in_the_wallet(client, db, world, uuid.UUID(counting))
    educator = bearer(database, world, "a", Role.EDUCATOR)
    body = {
        "title": "Towards the Certificate in Digital Teamwork",
        "qualification": "Certificate in Digital Teamwork",
        "rules": {"kind": "open", "total_credits": 10, "max_level": 6},
    }
    stored_rules = {
        "kind": "open",
        "total_credits": "10",
        "min_level": None,
        "max_level": 6,
        "required_skills": [],
        "validity_years": None,
        "rpl_cap_credits": None,
        "approved": [],
        "sequence": [],
    }
    made = client.post("/api/orgs/a/pathways", json=body, headers=educator)
    assert made.status_code == 201, made.text
    pathway_id = made.json()["id"]
    assert uuid.UUID(pathway_id)
    pathway = {"id": pathway_id, "title": body["title"], "qualification": body["qualification"], "rules": stored_rules}
    assert made.json() == pathway
    assert client.get("/api/orgs/a/pathways", headers=educator).json() == [pathway]
    changed = client.put(
        f"/api/orgs/a/pathways/{pathway_id}", json={**body, "title": "Renamed pathway"}, headers=educator
    )
    pathway["title"] = "Renamed pathway"
    assert changed.status_code == 200 and changed.json() == pathway
    assert client.get("/api/pathways").json() == [{**pathway, "organisation": {"slug": "a", "name": "Alpha Academy"}}]

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    progress = client.get(f"/api/me/pathways/{pathway_id}/progress")
    assert progress.status_code == 200, progress.text
    assert progress.json() == {
        **pathway,
        "progress": {
            "total_credits": 10,
            "credits": 6.0,
            "counted": [{"title": "Digital content for teams", "credits": 6.0, "note": "", "prior_learning": False}],
            "not_counted": [],
            "missing_skills": [],
            "next_steps": [],
            "eligible": False,
        },
    }
    prior = client.get(f"/api/me/pathways/{pathway_id}/progress", params={"enrolled_on": "2030-01-01"})
    assert prior.json()["progress"]["counted"][0]["prior_learning"] is True

    found = client.get("/api/me/gap", params={"occupation": occupation, "level": 5})
    assert found.status_code == 200, found.text
    answer: dict[str, Any] = found.json()
    assert list(answer) == ["occupation", "essential", "held", "missing", "stack", "uncovered", "workload"]
    assert set(answer["occupation"]) == {"uri", "label"} and answer["occupation"]["uri"] == occupation
    assert answer["essential"] == len(answer["held"]) + len(answer["missing"])
    assert e1 in {skill["uri"] for skill in answer["missing"]}
    [step] = answer["stack"]
    assert step == {
        "specification_id": stacked,
        "title": "Second alone",
        "provider": "Alpha Academy",
        "hours": 10.0,
        "eqf_level": 5,
        "adds": [next(skill for skill in answer["missing"] if skill["uri"] == e2)],
    }
    assert answer["workload"] == 10.0 and all(set(skill) == {"uri", "label"} for skill in answer["uncovered"])
