"""Decisions on recognition cases: never without reasons and within the credits the credential and the
programme's cap allow, and the automatic ones, under an agreement in force or a programme's free electives, each
citing why, or saying why not."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from microcred.accounts.models import AuditEvent, Role
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput
from microcred.recognition import cases as recognition
from microcred.recognition import decisions
from microcred.recognition.models import AgreementState, CreditAgreement, DecisionOutcome
from microcred.store import Database
from microcred.wallet.models import WalletCredential
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_agreements import in_force, proposal
from tests.recognition.test_cases import a_pathway, asked_of_b, by_stranger, in_wallet, published, settings_of
from tests.web.test_api import assert_error, bearer

# The officer's decision ----------------------------------------------------------------------------------------


def test_the_service_refuses_bad_decisions_with_a_sentence(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        case = asked_of_b(client, db, world)
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        b = db.merge(world.orgs["b"])
        with pytest.raises(InvalidInput, match="A refusal recognises no credits"):
            recognition.decide(
                db,
                officer,
                b,
                case.id,
                outcome=DecisionOutcome.REFUSED,
                reasons="Not at our level.",
                credits=Decimal(2),
            )
        with pytest.raises(InvalidInput, match="Say how many credits"):
            recognition.decide(
                db, officer, b, case.id, outcome=DecisionOutcome.RECOGNISED_PARTLY, reasons="Some of it matches."
            )
        with pytest.raises(InvalidInput, match="control characters"):
            recognition.decide(db, officer, b, case.id, outcome=DecisionOutcome.REFUSED, reasons="No\x00thanks at all.")
        with pytest.raises(InvalidInput, match="'five' is not a number of credits"):
            recognition.decide(
                db,
                officer,
                b,
                case.id,
                outcome=DecisionOutcome.RECOGNISED_PARTLY,
                reasons="Some of it.",
                credits="five",
            )
        # A stand-alone case has no programme cap: the credential's credits bound it.
        decision = recognition.decide(
            db, officer, b, case.id, outcome=DecisionOutcome.RECOGNISED_FULLY, reasons="Admission: it matches."
        )
        assert decision.credits == Decimal(5) and decisions.allowance(db, case) is None


def test_recognised_credits_are_capped_per_learner_and_programme(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], learner_a: dict[str, str]
) -> None:
    with database.session() as db:
        first = in_wallet(settings_of(client), db, world, published(db, world)).id
        second = in_wallet(settings_of(client), db, world, published(db, world, title="Team retrospectives")).id
        half = a_pathway(db, world, total_credits=12)  # no cap of its own: half of 12
        capped = a_pathway(db, world, total_credits=12, rpl_cap_credits=8)

    def opened(item: uuid.UUID, pathway: uuid.UUID) -> str:
        body = {"wallet_id": str(item), "organisation": "b", "pathway_id": str(pathway)}
        answer = client.post("/api/me/recognition", json=body, headers=learner_a)
        assert answer.status_code == 201, answer.text
        return f"/api/orgs/b/recognition/cases/{answer.json()['id']}/decision"

    fully = {"outcome": "recognised_fully", "reasons": "The outcomes match the module's."}
    assert client.post(opened(first, half), json=fully, headers=officer_b).status_code == 201
    next_one = opened(second, half)
    over = assert_error(client.post(next_one, json=fully, headers=officer_b), 422, "credits_above_allowance")
    assert "above the 1 left under the programme's cap of 6" in over["detail"] and "at most 1" in over["detail"]
    two = {"outcome": "recognised_partly", "credits": "2", "reasons": "Part of the module."}
    assert_error(client.post(next_one, json=two, headers=officer_b), 422, "credits_above_allowance")
    assert client.post(next_one, json={**two, "credits": "1"}, headers=officer_b).status_code == 201

    # The pathway's own cap on prior learning is the cap when it sets one.
    assert client.post(opened(first, capped), json=fully, headers=officer_b).status_code == 201
    assert client.post(opened(second, capped), json={**two, "credits": "3"}, headers=officer_b).status_code == 201


def test_credits_beyond_what_any_credential_gives_are_refused_with_a_sentence(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], learner_a: dict[str, str]
) -> None:
    """A case whose credential states no credits has no credential's credits to bound the decision, and a
    stand-alone one no programme cap: the credits themselves are bounded (0 to 999.99, two decimals)."""
    with database.session() as db:
        spec_id = published(db, world, credits=None, workload_hours="40")
        item_id = in_wallet(settings_of(client), db, world, spec_id).id
        pathway_id = a_pathway(db, world, total_credits=600)
    asked = client.post("/api/me/recognition", json={"wallet_id": str(item_id), "organisation": "b"}, headers=learner_a)
    assert asked.status_code == 201 and asked.json()["credits"] is None, asked.text
    decide = f"/api/orgs/b/recognition/cases/{asked.json()['id']}/decision"
    partly = {"outcome": "recognised_partly", "reasons": "Most of the first module is covered."}
    for credits in ("1e30", "10000", "1000", "2.555", "-1"):
        refused = assert_error(
            client.post(decide, json={**partly, "credits": credits}, headers=officer_b), 422, "invalid_credits"
        )
        assert refused["detail"] == "The credits must be a number from 0 to 999.99, with at most two decimals."
    assert client.post(decide, json={**partly, "credits": "12.5"}, headers=officer_b).json()["state"] == "decided"

    admin_b = bearer(database, world, "b", Role.ORG_ADMIN)
    electives = f"/api/orgs/b/pathways/{pathway_id}/free-electives"
    for credits in ("1e30", "10000", "0.001"):
        assert_error(client.put(electives, json={"credits": credits}, headers=admin_b), 422, "invalid_free_electives")
    log_in(client, "org_admin@b.example", world.passwords["org_admin@b.example"])
    token = csrf_from(client.get("/orgs/b/agreements").text)
    for typed in ("1e30", "NaN", "²"):
        page = client.post(
            f"/orgs/b/pathways/{pathway_id}/free-electives", data={"csrf_token": token, "credits": typed}
        )
        assert page.status_code == 422 and "credits" in page.text, typed
    assert client.get(electives, headers=admin_b).json()["credits"] is None  # nothing half-set by the refusals


# Automatic decisions -------------------------------------------------------------------------------------------


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
