"""Credit-exchange agreements: grades compared only when they can be, conditions that contradict refused by
name, in force once every party accepted (also when the last two accept at once), and ended by any party."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts import members
from microcred.accounts import service as accounts
from microcred.accounts.models import Role, User
from microcred.accounts.principal import Actor
from microcred.recognition import agreements
from microcred.recognition.models import AgreementState, CreditAgreement
from microcred.store import Database
from tests.conftest import World
from tests.recognition.test_cases import at_once
from tests.web.test_api import assert_error, bearer


@pytest.mark.parametrize(
    ("grade", "minimum", "reaches"),
    [
        ("72%", "60%", True),
        ("55 %", "60%", False),
        ("15/20", "70%", True),
        ("6,5 out of 10", "65%", True),
        ("13/20", "14/20", False),
        ("7", "6", True),
        ("5.5", "6", False),
        ("Merit", "pass", True),
        ("Pass", "merit", False),
        ("With distinction", "Merit", True),
        ("High Distinction", "credit", True),
        ("B", "c", True),
        ("FX", "E", False),
        ("7", "60%", None),  # a number on an unnamed scale against a share of the maximum
        ("Credit", "merit", None),  # two different scales
        ("Good", "pass", None),
        ("", "pass", None),
        (None, "60%", None),
    ],
)
def test_how_a_grade_compares_with_a_minimum(grade: str | None, minimum: str, reaches: bool | None) -> None:
    found, sentence = agreements.reaches(grade, minimum)
    assert found is reaches, sentence
    if reaches is None:
        assert (
            "cannot be compared" in sentence
            or "different scales" in sentence
            or "no grade" in sentence
            or ("not one we can compare" in sentence)
        )


@pytest.mark.parametrize("text", ["good", "120%", "21/20", "3/0", "A+", "very high"])
def test_grades_we_do_not_understand(text: str) -> None:
    assert agreements.read_grade(text) is None


def proposal(found: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "title": "Alpha–Beta digital teamwork",
        "parties": ["b"],
        "specifications": [found["spec"]],
        "pathways": [found["programme"]],
        "min_grade": "merit",
        "validity_years": 3,
    }
    return body | changes


def in_force(client: TestClient, database: Database, world: World, body: dict[str, Any]) -> str:
    made = client.post("/api/orgs/a/agreements", json=body, headers=bearer(database, world, "a", Role.ORG_ADMIN))
    assert made.status_code == 201, made.text
    accepted = client.post(
        f"/api/orgs/b/agreements/{made.json()['id']}/accept", headers=bearer(database, world, "b", Role.ORG_ADMIN)
    )
    assert accepted.json()["state"] == "in_force"
    return str(made.json()["id"])


def test_agreements_whose_conditions_contradict_are_refused_by_name(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    for changes, why in (
        ({"validity_years": 0}, "validity_years must be 1 to 50"),
        ({"min_grade": "good enough"}, "The minimum grade 'good enough' is not understood"),
        ({"parties": []}, "at least one other organisation"),
        ({"specifications": []}, "at least one specification and one programme"),
        ({"parties": ["b"], "pathways": [parties["c_programme"]]}, "is not a pathway of one of the parties"),
        ({"specifications": [str(uuid.uuid4())]}, "is not one of the parties' micro-credentials"),
        ({"specifications": [parties["draft"]]}, "is not published"),
    ):
        refused = assert_error(
            client.post("/api/orgs/a/agreements", json=proposal(parties, **changes), headers=admin_a),
            422,
            "invalid_agreement",
        )
        assert why in refused["detail"], (changes, refused)
    assert_error(
        client.post("/api/orgs/a/agreements", json=proposal(parties, parties=["nowhere"]), headers=admin_a),
        404,
        "organisation_not_found",
    )
    # A third party's programme is fine once that party is in the agreement.
    three = proposal(parties, parties=["b", "c"], pathways=[parties["programme"], parties["c_programme"]])
    assert client.post("/api/orgs/a/agreements", json=three, headers=admin_a).status_code == 201
    # Only an organisation admin proposes.
    assert_error(
        client.post(
            "/api/orgs/a/agreements",
            json=proposal(parties),
            headers=bearer(database, world, "a", Role.RECOGNITION_OFFICER),
        ),
        403,
        "forbidden",
    )


def test_an_agreement_is_in_force_once_every_party_accepted_and_can_be_ended(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    admin_a, admin_b = bearer(database, world, "a", Role.ORG_ADMIN), bearer(database, world, "b", Role.ORG_ADMIN)
    made = client.post("/api/orgs/a/agreements", json=proposal(parties), headers=admin_a)
    assert made.status_code == 201, made.text
    agreement = made.json()
    assert agreement["state"] == "proposed"
    accepted = {p["slug"]: p["accepted_at"] is not None for p in agreement["parties"]}
    assert accepted == {"a": True, "b": False}
    assert_error(
        client.post(f"/api/orgs/a/agreements/{agreement['id']}/accept", headers=admin_a), 409, "already_accepted"
    )

    # B's officer reads it but cannot accept it; C, not a party, does not see it at all.
    officer_b = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    assert client.get(f"/api/orgs/b/agreements/{agreement['id']}", headers=officer_b).status_code == 200
    assert_error(client.post(f"/api/orgs/b/agreements/{agreement['id']}/accept", headers=officer_b), 403, "forbidden")
    with database.session() as db:
        c = accounts.organisation_by_slug(db, "c")
        membership, _password = members.add_member(
            db, Actor.operator(), c, email="admin@c.example", role=Role.ORG_ADMIN
        )
        world.users["c_org_admin"] = membership.user
    admin_c = bearer(database, world, "c", Role.ORG_ADMIN)
    assert_error(client.get(f"/api/orgs/c/agreements/{agreement['id']}", headers=admin_c), 404, "agreement_not_found")
    assert client.get("/api/orgs/c/agreements", headers=admin_c).json() == []

    in_force = client.post(f"/api/orgs/b/agreements/{agreement['id']}/accept", headers=admin_b).json()
    assert in_force["state"] == "in_force" and in_force["in_force_at"]
    assert in_force["specifications"][0]["provider"] == "Alpha Academy"
    ended = client.post(f"/api/orgs/b/agreements/{agreement['id']}/end", headers=admin_b).json()
    assert ended["state"] == "ended" and ended["ended_at"]
    assert_error(client.post(f"/api/orgs/a/agreements/{agreement['id']}/end", headers=admin_a), 409, "agreement_ended")
    assert_error(client.post(f"/api/orgs/a/agreements/{agreement['id']}/accept", headers=admin_a), 409, "conflict")


def test_the_last_two_parties_accepting_at_once_put_the_agreement_in_force(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    """Each acceptance locks the agreement first, so the second sees the first's and the agreement is in force,
    not left proposed for ever with every party's acceptance recorded."""
    with database.session() as db:
        c = accounts.organisation_by_slug(db, "c")
        membership, _password = members.add_member(
            db, Actor.operator(), c, email="admin@c.example", role=Role.ORG_ADMIN
        )
        world.users["c_org_admin"] = membership.user
    three = proposal(parties, parties=["b", "c"], pathways=[parties["programme"], parties["c_programme"]])
    made = client.post("/api/orgs/a/agreements", json=three, headers=bearer(database, world, "a", Role.ORG_ADMIN))
    assert made.status_code == 201, made.text
    agreement_id = uuid.UUID(made.json()["id"])

    def accepting(slug: str, admin: str) -> Any:
        def accept(db: Session) -> object:
            person = db.get_one(User, world.users[admin].id)
            organisation = accounts.organisation_by_slug(db, slug)
            return agreements.accept(db, Actor.person(person), organisation, agreement_id)

        return accept

    error = at_once(
        database,
        accepting("b", "b_org_admin"),
        accepting("c", "c_org_admin"),
        reached="SELECT credit_agreements",
        settle=2,  # without the lock, the second would accept, see B still waiting and commit meanwhile
    )
    assert error is None
    with database.session() as db:
        agreement = db.get_one(CreditAgreement, agreement_id)
        assert agreement.state == AgreementState.IN_FORCE and agreement.in_force_at is not None
