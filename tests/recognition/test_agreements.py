"""Credit-exchange agreements and free electives: how a minimum grade compares, contradictions refused by name,
an agreement in force only once every party accepted, and the cases decided automatically under it (citing it)
or under a programme's free electives — and those left to the officer, saying why."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import AuditEvent, Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.pathways import service as pathways
from microcred.recognition import agreements
from microcred.recognition.models import AgreementState, CreditAgreement
from microcred.store import Database
from microcred.wallet.models import WalletCredential
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_cases import a_pathway, at_once, by_stranger, in_wallet, published, settings_of
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
        membership, _password = accounts.add_member(
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


def in_force(client: TestClient, database: Database, world: World, body: dict[str, Any]) -> str:
    made = client.post("/api/orgs/a/agreements", json=body, headers=bearer(database, world, "a", Role.ORG_ADMIN))
    assert made.status_code == 201, made.text
    accepted = client.post(
        f"/api/orgs/b/agreements/{made.json()['id']}/accept", headers=bearer(database, world, "b", Role.ORG_ADMIN)
    )
    assert accepted.json()["state"] == "in_force"
    return str(made.json()["id"])


def test_a_credential_an_agreement_covers_is_recognised_automatically_citing_it(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    agreement_id = in_force(client, database, world, proposal(parties))
    spec = uuid.UUID(parties["spec"])
    long_ago = date.today() - timedelta(days=365 * 4)
    with database.session() as db:
        items = {
            "distinction": in_wallet(settings_of(client), db, world, spec, grade="Distinction").id,
            "pass": in_wallet(settings_of(client), db, world, spec, grade="Pass").id,
            "percent": in_wallet(settings_of(client), db, world, spec, grade="72%").id,
            "old": in_wallet(settings_of(client), db, world, spec, grade="Merit", awarded=long_ago).id,
            "other programme": in_wallet(settings_of(client), db, world, spec, grade="Merit").id,
        }
        elsewhere = str(a_pathway(db, world, total_credits=40))
        db.commit()
    learner = bearer(database, world, "a", Role.LEARNER)

    def ask(item: str, pathway: str | None = None) -> dict[str, Any]:
        body = {"wallet_id": str(items[item]), "organisation": "b", "pathway_id": pathway or parties["programme"]}
        answer = client.post("/api/me/recognition", json=body, headers=learner)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    covered = ask("distinction")
    assert covered["state"] == "decided" and covered["can_appeal"] is True
    decision = covered["decisions"][0]
    assert decision["outcome"] == "recognised_fully" and decision["credits"] == "5"
    assert decision["route"] == "agreement" and decision["agreement_id"] == agreement_id
    assert "“Alpha–Beta digital teamwork” between Alpha Academy, Beta Institute" in decision["reasons"]
    assert "its grade 'Distinction' reaches the minimum 'merit'" in decision["reasons"]
    with database.session() as db:
        logged = db.scalars(select(AuditEvent.summary).where(AuditEvent.object_id == covered["id"])).all()
        assert any("automatically, under an agreement (5 credits)" in line for line in logged), logged

    for item, why in (
        ("pass", "its grade 'Pass' is below the minimum 'merit'"),
        ("percent", "cannot be compared"),
        ("old", "more than the agreement's 3 years ago"),
    ):
        left = ask(item)
        assert left["state"] == "open" and left["decisions"] == [], item
        assert why in left["route_note"] and left["route_note"].endswith("An officer decides."), left["route_note"]
    assert "no agreement in force covers it" in ask("other programme", elsewhere)["route_note"]

    client.post(f"/api/orgs/a/agreements/{agreement_id}/end", headers=bearer(database, world, "a", Role.ORG_ADMIN))
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, spec, grade="Distinction").id
        db.commit()
    items["after the end"] = item
    assert ask("after the end")["state"] == "open"
    with database.session() as db:
        assert db.get(CreditAgreement, uuid.UUID(agreement_id)).state == AgreementState.ENDED  # type: ignore[union-attr]


def test_a_credential_naming_our_catalogue_but_signed_by_another_is_not_covered(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    in_force(client, database, world, proposal(parties, min_grade=None))
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, uuid.UUID(parties["spec"]))
        stranger = by_stranger(item.document)  # the same achievement id, another issuer's key
        db.commit()
    officer_b = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    opened = client.post(
        "/api/orgs/b/recognition/cases",
        json={"credential": stranger, "pathway_id": parties["programme"]},
        headers=officer_b,
    ).json()
    assert opened["verified"] is True and opened["specification_id"] is None and opened["state"] == "open"


def test_free_electives_recognise_partly_up_to_the_allowance(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    admin_b = bearer(database, world, "b", Role.ORG_ADMIN)
    url = f"/api/orgs/b/pathways/{parties['programme']}/free-electives"
    over = assert_error(client.put(url, json={"credits": "11"}, headers=admin_b), 422, "invalid_free_electives")
    assert "above the programme's cap of 10 credits" in over["detail"]
    assert_error(client.put(url, json={"credits": "-1"}, headers=admin_b), 422, "invalid_free_electives")
    assert_error(
        client.put(url, json={"credits": "6"}, headers=bearer(database, world, "b", Role.RECOGNITION_OFFICER)),
        403,
        "forbidden",
    )
    assert client.put(url, json={"credits": "6"}, headers=admin_b).json() == {
        "pathway_id": parties["programme"],
        "credits": "6",
    }
    assert client.get(url, headers=bearer(database, world, "b", Role.EDUCATOR)).json()["credits"] == "6"
    with database.session() as db:
        first = in_wallet(settings_of(client), db, world, uuid.UUID(parties["spec"])).id
        second = in_wallet(settings_of(client), db, world, uuid.UUID(parties["spec"])).id
        third = in_wallet(settings_of(client), db, world, uuid.UUID(parties["spec"])).id
        stranger = by_stranger(db.get_one(WalletCredential, first).document)
        db.commit()
    learner = bearer(database, world, "a", Role.LEARNER)

    def ask(item: uuid.UUID) -> dict[str, Any]:
        body = {"wallet_id": str(item), "organisation": "b", "pathway_id": parties["programme"]}
        return dict(client.post("/api/me/recognition", json=body, headers=learner).json())

    one = ask(first)
    assert one["state"] == "decided", one
    decision = one["decisions"][0]
    assert (
        decision["outcome"] == "recognised_partly"
        and decision["credits"] == "5"
        and decision["route"] == "free_elective"
    )
    assert "free elective of Bachelor of Digital Teamwork, year 1" in decision["reasons"]
    assert "Issued by Alpha Academy, a registered issuer." in decision["reasons"]
    two = ask(second)["decisions"][0]
    assert two["credits"] == "1" and "(1 were left)" in two["reasons"]
    three = ask(third)
    assert three["state"] == "open" and "the free-elective allowance of 6 credits is used up" in three["route_note"]

    officer_b = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    unknown = client.post(
        "/api/orgs/b/recognition/cases",
        json={"credential": stranger, "pathway_id": parties["programme"]},
        headers=officer_b,
    ).json()
    assert unknown["state"] == "open" and "trusted, accredited issuers only" in unknown["route_note"]
    assert client.put(url, json={"credits": "0"}, headers=admin_b).json()["credits"] is None


def test_the_agreements_page_proposes_accepts_and_sets_free_electives(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/agreements")
    assert page.status_code == 200 and "Propose an agreement" in page.text and "Beta Institute" in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "title": "Page agreement",
        "parties": ["b"],
        "specifications": [parties["spec"]],
        "programmes": [parties["programme"]],
        "min_grade": "excellent",
        "validity_years": "2",
    }
    refused = client.post("/orgs/a/agreements", data=form)
    assert (
        refused.status_code == 422 and "is not understood" in refused.text and 'value="Page agreement"' in refused.text
    )
    made = client.post("/orgs/a/agreements", data={**form, "min_grade": "60%"}, follow_redirects=False)
    assert made.status_code == 303
    with database.session() as db:
        agreement = db.scalars(select(CreditAgreement)).one()
        agreement_id = agreement.id

    log_in(client, "org_admin@b.example", world.passwords["org_admin@b.example"])
    page = client.get("/orgs/b/agreements")
    assert "Accept for Beta Institute" in page.text and "not yet accepted" in page.text
    token = csrf_from(page.text)
    accepted = client.post(
        f"/orgs/b/agreements/{agreement_id}/accept", data={"csrf_token": token}, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert "In force" in client.get("/orgs/b/agreements").text
    too_much = client.post(
        f"/orgs/b/pathways/{parties['programme']}/free-electives", data={"csrf_token": token, "credits": "50"}
    )
    assert too_much.status_code == 422 and "could never be used" in too_much.text
    done = client.post(
        f"/orgs/b/pathways/{parties['programme']}/free-electives",
        data={"csrf_token": token, "credits": "4"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "4 credits" in client.get("/orgs/b/agreements").text

    log_in(client, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    read_only = client.get("/orgs/b/agreements")
    assert read_only.status_code == 200 and "Propose an agreement" not in read_only.text
    assert "Accept for" not in read_only.text


def test_the_last_two_parties_accepting_at_once_put_the_agreement_in_force(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    """Each acceptance locks the agreement first, so the second sees the first's and the agreement is in force,
    not left proposed for ever with every party's acceptance recorded."""
    with database.session() as db:
        c = accounts.organisation_by_slug(db, "c")
        membership, _password = accounts.add_member(
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


def test_an_agreement_s_decision_is_cut_down_to_the_programme_s_cap(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    with database.session() as db:
        capped = str(a_pathway(db, world, total_credits=12, rpl_cap_credits=3))
        items = [in_wallet(settings_of(client), db, world, uuid.UUID(parties["spec"]), grade="Merit").id for _ in "ab"]
        db.commit()
    agreement_id = in_force(client, database, world, proposal(parties, pathways=[parties["programme"], capped]))
    learner = bearer(database, world, "a", Role.LEARNER)
    body = {"wallet_id": str(items[0]), "organisation": "b", "pathway_id": capped}
    case = client.post("/api/me/recognition", json=body, headers=learner).json()
    [decision] = case["decisions"]
    assert (decision["outcome"], decision["credits"], decision["route"]) == ("recognised_partly", "3", "agreement")
    assert decision["agreement_id"] == agreement_id
    assert decision["reasons"].endswith(
        " 3 of its 5 credits are recognised: the programme recognises at most 3 credits per learner and 0 are "
        "already recognised."
    )
    # The cap used up, the next credential the agreement covers waits for an officer, saying why.
    body = {"wallet_id": str(items[1]), "organisation": "b", "pathway_id": capped}
    second = client.post("/api/me/recognition", json=body, headers=learner).json()
    assert second["state"] == "open" and second["decisions"] == []
    assert "covers it, but the programme's cap of 3 credits on recognition is used up" in second["route_note"]

    # A programme an agreement names is not deleted from under it.
    assert_error(
        client.delete(
            f"/api/orgs/b/pathways/{parties['programme']}", headers=bearer(database, world, "b", Role.EDUCATOR)
        ),
        409,
        "pathway_in_use",
    )


def test_a_number_of_years_is_typed_in_ascii_digits(
    client: TestClient, database: Database, world: World, parties: dict[str, Any]
) -> None:
    """ "²" is a digit to str.isdigit() and not to int(): the form says what it wants instead of failing."""
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    token = csrf_from(client.get("/orgs/a/agreements").text)
    form = {
        "csrf_token": token,
        "title": "Page agreement",
        "parties": ["b"],
        "specifications": [parties["spec"]],
        "programmes": [parties["programme"]],
    }
    for typed in ("²", "٣", "0", "51", "three"):
        refused = client.post("/orgs/a/agreements", data={**form, "validity_years": typed})
        assert refused.status_code == 422, typed
        assert "The number of years a credential counts must be a whole number from 1 to 50." in refused.text
    with database.session() as db:
        assert db.scalars(select(CreditAgreement)).all() == []
