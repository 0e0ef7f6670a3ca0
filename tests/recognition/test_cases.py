"""Recognition cases from real credentials: opened by the learner from their wallet or by an officer from a
document or a share link, verified at opening and flagged when it does not verify, opened once however often
it is asked for at once, and kept without a copy or a name after the learner's erasure."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from microcred.accounts.models import AuditEvent, Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict
from microcred.issuing import claims, credentials, documents, keys
from microcred.issuing.sources import verify_here
from microcred.pathways import service as pathways
from microcred.recognition import cases as recognition
from microcred.recognition.models import DecisionOutcome, RecognitionCase
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key
from microcred.wallet import service as wallet
from microcred.wallet.models import ShareView, WalletCredential
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.web.test_api import assert_error, bearer

# Helpers the other recognition tests share ---------------------------------------------------------------------


def published(db: Session, world: World, org: str = "a", **changes: Any) -> uuid.UUID:
    """A specification with the Annex I minimum (5 ECTS credits, 125 hours unless changed), published."""
    organisation = db.merge(world.orgs[org])
    content = annex_i_minimum(**{"credits": {"value": "5", "system": "ECTS"}, "workload_hours": "125", **changes})
    spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
    design.publish(db, Actor.operator(), organisation, spec.id)
    return spec.id


def in_wallet(
    settings: Settings,
    db: Session,
    world: World,
    spec_id: uuid.UUID,
    *,
    grade: str | None = None,
    awarded: date | None = None,
    org: str = "a",
) -> WalletCredential:
    """The organisation awards the edition to A's learner, who claims it into their wallet by the claim link."""
    organisation = db.merge(world.orgs[org])
    issued = credentials.issue_edition(
        db,
        Actor.operator(),
        organisation,
        spec_id,
        1,
        documents.Learner(name="Lena Learner", email="learner@a.example"),
        documents.Result(awarded=awarded or date.today(), grade=grade),
        base_url=settings.base_url,
        master=keys.master_key(settings.resolved_master_key()),
    )
    link, _ = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=settings.base_url)
    return wallet.claim(db, db.merge(world.users["a_learner"]), link.rsplit("/", 1)[1])


def settings_of(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def a_pathway(db: Session, world: World, org: str = "b", **rules: Any) -> uuid.UUID:
    return pathways.create(
        db,
        Actor.operator(),
        db.merge(world.orgs[org]),
        title="Bachelor of Digital Teamwork, year 1",
        qualification="Bachelor of Digital Teamwork",
        rules={"kind": "open", "total_credits": 20, **rules},
    ).id


def verifier_of(client: TestClient, db: Session) -> recognition.Verify:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    master = keys.master_key(settings.resolved_master_key())
    return lambda document: verify_here(db, document, base_url=settings.base_url, master=master)


def base_of(client: TestClient) -> str:
    return str(client.app.state.settings.base_url)  # type: ignore[attr-defined]


def by_stranger(document: dict[str, Any]) -> dict[str, Any]:
    """The credential re-signed by an issuer nobody registered (a fresh did:key): it verifies, its ACCREDITATION
    is a WARNING."""
    key = Ed25519Key.generate()
    did = f"did:key:{key.public_multibase}"
    unsigned = {k: v for k, v in copy.deepcopy(document).items() if k not in ("proof", "credentialStatus")}
    unsigned["issuer"] = {**unsigned["issuer"], "id": did, "name": "Stranger Academy"}
    return dataintegrity.add_proof(
        unsigned, key, verification_method=f"{did}#{key.public_multibase}", loader=document_loader()
    )


def tampered(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["achievement"]["name"] = "Advanced quantum teamwork"
    return changed


def at_once(
    database: Database,
    first: Callable[[Session], object],
    second: Callable[[Session], object],
    *,
    reached: str,
    settle: float = 0,
) -> BaseException | None:
    """Two requests at once: `first` runs in a transaction left open; `second` runs in another thread until it sends
    a statement starting with `reached` (it found nothing in its way), then waits `settle` seconds for it to finish
    or block, and the first commits. What the second raised, or None when it committed too."""
    outcome: list[BaseException | None] = []

    def racing() -> None:
        with database.sessions() as session:
            try:
                second(session)
                session.commit()
                outcome.append(None)
            except BaseException as error:  # handed to the test's thread
                session.rollback()
                outcome.append(error)

    racer = threading.Thread(target=racing)
    there = threading.Event()

    def sending(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if threading.current_thread() is racer and statement.lstrip().upper().startswith(reached.upper()):
            there.set()

    event.listen(database.engine, "before_cursor_execute", sending)
    try:
        with database.sessions() as session:
            first(session)
            racer.start()
            while not there.wait(0.05) and racer.is_alive():
                pass
            assert there.is_set(), f"the second request never sent {reached}: {outcome}"
            racer.join(settle)
            session.commit()
        racer.join(40)
    finally:
        event.remove(database.engine, "before_cursor_execute", sending)
    [error] = outcome
    return error


def asked_of_b(client: TestClient, db: Session, world: World) -> RecognitionCase:
    """Learner A asks organisation B to recognise a credential of their wallet, stand-alone."""
    item = in_wallet(settings_of(client), db, world, published(db, world))
    learner = db.merge(world.users["a_learner"])
    return recognition.ask(
        db,
        Actor.person(learner),
        learner,
        wallet_id=item.id,
        organisation=db.merge(world.orgs["b"]),
        pathway_id=None,
        verify=verifier_of(client, db),
        base_url=base_of(client),
    )


# Opening a case ------------------------------------------------------------------------------------------------


def test_a_credential_that_does_not_verify_is_opened_flagged_and_never_decided_automatically(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str]
) -> None:
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, published(db, world))
        document = tampered(item.document)
        pathway_id = a_pathway(db, world)
        db.commit()
    admin_b = bearer(database, world, "b", Role.ORG_ADMIN)
    assert (
        client.put(
            f"/api/orgs/b/pathways/{pathway_id}/free-electives", json={"credits": "5"}, headers=admin_b
        ).status_code
        == 200
    )
    opened = client.post(
        "/api/orgs/b/recognition/cases", json={"credential": document, "pathway_id": str(pathway_id)}, headers=officer_b
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["verified"] is False and case["state"] == "open" and case["decisions"] == []
    assert "does not verify" in case["flag"] and "never decided automatically" in case["route_note"]
    assert case["source"] == "upload" and case["learner"] is None
    assert next(c for c in case["criteria"] if c["criterion"] == "verification")["suggestion"] == "not_met"

    log_in(client, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    listing = client.get("/orgs/b/recognition")
    assert "does not verify" in listing.text
    page = client.get(f"/orgs/b/recognition/cases/{case['id']}")
    assert 'id="unverified-flag"' in page.text and "This credential does not verify" in page.text

    # An officer may still decide it, with reasons.
    decided = client.post(
        f"/api/orgs/b/recognition/cases/{case['id']}/decision",
        json={"outcome": "refused", "reasons": "The credential was changed after it was signed."},
        headers=officer_b,
    )
    assert decided.status_code == 201 and decided.json()["decisions"][0]["route"] == "officer"


def test_an_officer_opens_a_case_from_a_share_link_and_what_it_hides_stays_hidden(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], learner_a: dict[str, str]
) -> None:
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, published(db, world), grade="Distinction")
        token, link = wallet.share(db, db.merge(world.users["a_learner"]), item.id, days=7, hidden=["Grade"])
        link_id = link.id
        db.commit()
    shared = f"{base_of(client)}/share/{token}"
    opened = client.post("/api/orgs/b/recognition/cases", json={"share_link": shared}, headers=officer_b)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["source"] == "share_link" and case["hidden"] == ["Grade"] and case["grade"] is None
    assert all(fact["label"] != "Grade" for fact in case["facts"]) and "Distinction" not in opened.text
    assert case["learner"] is None  # the officer does not learn whose account it is
    assert "A stand-alone request" in case["route_note"]
    with database.session() as db:
        row = db.get(RecognitionCase, uuid.UUID(case["id"]))
        assert row is not None and row.document is None  # only what the learner let the officer see is kept
        agents = list(db.scalars(select(ShareView.agent).where(ShareView.share_id == link_id)))
        assert agents == ["Recognition case at Beta Institute"]
    # The learner sees the case among their requests.
    assert [m["id"] for m in client.get("/api/me/recognition", headers=learner_a).json()] == [case["id"]]

    for bad, code in (
        ("https://elsewhere.example/share/abcdefghijklmnopqrstuvwxyz", "invalid_share_link"),
        (f"{base_of(client)}/verify/{uuid.uuid4()}", "invalid_share_link"),
    ):
        assert_error(
            client.post("/api/orgs/b/recognition/cases", json={"share_link": bad}, headers=officer_b), 422, code
        )
    assert_error(
        client.post("/api/orgs/b/recognition/cases", json={"share_link": shared[:-3] + "xyz"}, headers=officer_b),
        404,
        "share_not_found",
    )
    both = {"share_link": shared, "credential": {"type": "x"}}
    assert_error(client.post("/api/orgs/b/recognition/cases", json=both, headers=officer_b), 422, "invalid_case")
    assert_error(
        client.post("/api/orgs/b/recognition/cases", json={"credential": {"hello": "world"}}, headers=officer_b),
        422,
        "invalid_credential",
    )
    with database.session() as db:
        assert len(db.scalars(select(RecognitionCase)).all()) == 1  # nothing half-written by the refusals


@pytest.mark.parametrize("stated", ["NaN", "Infinity", 1e9, -5])
def test_a_tampered_credential_s_credits_open_a_case_that_states_none(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], stated: object
) -> None:
    """An officer may be handed anything: credits that are not a number, not finite, negative or beyond any
    micro-credential open a case (flagged when it does not verify) with no credits, never a 500."""
    with database.session() as db:
        document = in_wallet(settings_of(client), db, world, published(db, world)).document
    crafted = copy.deepcopy(document)
    crafted["credentialSubject"]["achievement"]["creditsAvailable"] = stated
    for given in (crafted, by_stranger(crafted)):  # tampered (does not verify), and re-signed (verifies)
        opened = client.post("/api/orgs/b/recognition/cases", json={"credential": given}, headers=officer_b)
        assert opened.status_code == 201, opened.text
        case = opened.json()
        assert case["credits"] is None and case["verified"] is (given is not crafted)
        workload = next(c for c in case["criteria"] if c["criterion"] == "workload")
        assert workload["evidence"].endswith("but no credits.")


def test_the_same_request_sent_twice_at_once_opens_one_case(
    client: TestClient, database: Database, world: World
) -> None:
    """Both requests find no case and insert one: the database's unique index refuses the second, reported as the
    same Conflict as a request sent again later."""
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, published(db, world))
        assert verifier_of(client, db)(item.document).valid  # signs its status list now, not in the race
        item_id, pathway_id = item.id, a_pathway(db, world)
    learner_id, organisation_id = world.users["a_learner"].id, world.orgs["b"].id

    def asking(pathway: uuid.UUID | None) -> Callable[[Session], object]:
        def ask(db: Session) -> object:
            learner = db.get_one(User, learner_id)
            return recognition.ask(
                db,
                Actor.person(learner),
                learner,
                wallet_id=item_id,
                organisation=db.get_one(Organisation, organisation_id),
                pathway_id=pathway,
                verify=verifier_of(client, db),
                base_url=base_of(client),
            )

        return ask

    for pathway in (pathway_id, None):  # towards the programme, and stand-alone
        error = at_once(database, asking(pathway), asking(pathway), reached="INSERT INTO recognition_cases")
        assert isinstance(error, Conflict) and error.code == "already_asked", error
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(RecognitionCase)) == 2
        opened = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "recognition.opened")
        assert db.scalar(opened) == 2


# What cites a case, and erasure --------------------------------------------------------------------------------


def test_a_pathway_that_cases_or_agreements_cite_stays(
    client: TestClient, database: Database, world: World, learner_a: dict[str, str]
) -> None:
    with database.session() as db:
        item_id = in_wallet(settings_of(client), db, world, published(db, world)).id
        cited_by_case, free = a_pathway(db, world), a_pathway(db, world)
    body = {"wallet_id": str(item_id), "organisation": "b", "pathway_id": str(cited_by_case)}
    assert client.post("/api/me/recognition", json=body, headers=learner_a).status_code == 201
    educator_b = bearer(database, world, "b", Role.EDUCATOR)
    refused = assert_error(
        client.delete(f"/api/orgs/b/pathways/{cited_by_case}", headers=educator_b), 409, "pathway_in_use"
    )
    assert refused["detail"] == (
        "The pathway Bachelor of Digital Teamwork, year 1 is cited by other records (recognition cases or "
        "agreements), so it stays."
    )
    with database.session() as db:
        assert pathways.get(db, cited_by_case).title == "Bachelor of Digital Teamwork, year 1"
        deleted = select(AuditEvent).where(AuditEvent.action == "pathway.deleted")
        assert db.scalars(deleted).all() == []  # the refusal leaves no trace of a deletion
    assert client.delete(f"/api/orgs/b/pathways/{free}", headers=educator_b).status_code == 204


def test_erasure_leaves_a_case_its_decision_but_no_copy_and_no_name(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        case = asked_of_b(client, db, world)
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        recognition.decide(
            db, officer, db.merge(world.orgs["b"]), case.id, outcome=DecisionOutcome.REFUSED, reasons="Not for us."
        )
        case_id = case.id
        assert ["Learner", "Lena Learner"] in case.facts
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get("/wallet")
    erased = client.post("/wallet/erase", data={"confirm": "ERASE", "csrf_token": csrf_from(page.text)})
    assert erased.status_code == 200
    with database.session() as db:
        kept = db.get(RecognitionCase, case_id)
        assert kept is not None and kept.document is None and kept.learner_id is None
        assert ["Learner", "(erased at the learner's request)"] in kept.facts
        assert "Lena" not in str(kept.facts)
        events = db.scalars(select(AuditEvent))
        logged = " ".join(f"{e.action} {e.actor} {e.summary} {e.detail}" for e in events).lower()
        assert "recognition" in logged and "lena" not in logged and "learner@a.example" not in logged
        assert [d.outcome for d in recognition.decisions(db, kept)] == [DecisionOutcome.REFUSED]
