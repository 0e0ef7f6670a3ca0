"""Recognition cases from real credentials: opened by the learner from their wallet or by an officer from a
document or a share link, verified at opening, the seven e-VALUATE criteria suggested with their evidence
and judged, decisions never without reasons and within the credits allowed, one appeal, and a credential
that does not verify flagged everywhere and never decided automatically."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
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
from microcred.errors import Conflict, InvalidInput
from microcred.issuing import claims, credentials, documents, keys, seals
from microcred.pathways import service as pathways
from microcred.pathways.rules import Rules
from microcred.recognition import cases as recognition
from microcred.recognition.models import Criterion, DecisionOutcome, Judgement, RecognitionCase
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key
from microcred.verify.service import verify_here
from microcred.wallet import service as wallet
from microcred.wallet.models import ShareView, WalletCredential
from tests import pki
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum, full
from tests.web.test_api import assert_error, bearer

# Helpers the agreement tests share ----------------------------------------------------------------------------


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


@pytest.fixture
def officer_b(database: Database, world: World) -> dict[str, str]:
    return bearer(database, world, "b", Role.RECOGNITION_OFFICER)


@pytest.fixture
def learner_a(database: Database, world: World) -> dict[str, str]:
    return bearer(database, world, "a", Role.LEARNER)


# The seven criteria ---------------------------------------------------------------------------------------------


def test_the_seven_criteria_are_suggested_from_the_credential_and_its_report(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec = design.create(db, Actor.operator(), organisation, full())
        design.publish(db, Actor.operator(), organisation, spec.id)
        item = in_wallet(settings_of(client), db, world, spec.id, grade="Merit")
        verify = verifier_of(client, db)
        report = verify(item.document)
        rules = Rules.model_validate({"kind": "open", "total_credits": 30, "min_level": 4, "max_level": 7})
        found = {
            s.criterion: s
            for s in recognition.suggest(recognition.read_credential(item.document, report), report, rules)
        }
        assert list(found) == list(Criterion)
        assert {c: s.judgement for c, s in found.items()} == dict.fromkeys(Criterion, Judgement.MET)
        assert "QQI" in found[Criterion.QUALITY].evidence and "registered issuer" in found[Criterion.QUALITY].evidence
        assert "EQF level 6" in found[Criterion.LEVEL].evidence
        assert "2 learning outcomes listed, linked to 2 ESCO skills" in found[Criterion.LEARNING_OUTCOMES].evidence
        assert (
            "62.5 hours" in found[Criterion.WORKLOAD].evidence and "2.5 credits" in found[Criterion.WORKLOAD].evidence
        )
        assert "Project or artefact" in found[Criterion.ASSESSMENT].evidence
        assert "with identity verification" in found[Criterion.IDENTIFICATION].evidence

        strict = Rules.model_validate({"kind": "open", "total_credits": 30, "min_level": 7})
        level = recognition.suggest(recognition.read_credential(item.document, report), report, strict)[2]
        assert level.judgement == Judgement.NOT_MET and "below the programme's minimum (EQF 7)" in level.evidence

        bare_spec = published(
            db, world, credits=None, workload_hours="40", learning_outcomes=[{"text": "Write a team plan"}]
        )
        bare = in_wallet(settings_of(client), db, world, bare_spec)
        bare_report = verify(bare.document)
        bare_found = {
            s.criterion: s
            for s in recognition.suggest(recognition.read_credential(bare.document, bare_report), bare_report, None)
        }
        assert bare_found[Criterion.WORKLOAD].judgement == Judgement.PARTLY_MET  # hours, no credits
        assert bare_found[Criterion.LEARNING_OUTCOMES].judgement == Judgement.PARTLY_MET  # no ESCO skills
        assert bare_found[Criterion.IDENTIFICATION].judgement == Judgement.CANNOT_TELL

        forged = tampered(item.document)
        forged_report = verify(forged)
        verification = recognition.suggest(recognition.read_credential(forged, forged_report), forged_report, None)[1]
        assert verification.judgement == Judgement.NOT_MET and "PROOF" in verification.evidence

        stranger = by_stranger(item.document)
        stranger_report = verify(stranger)
        assert stranger_report.valid
        quality = recognition.suggest(recognition.read_credential(stranger, stranger_report), stranger_report, None)[0]
        assert quality.judgement == Judgement.PARTLY_MET and "not in the registry" in quality.evidence


def test_a_sealed_european_digital_credential_is_read_for_its_criteria(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], learner_a: dict[str, str]
) -> None:
    """With a seal certificate, the wallet holds the sealed ELM credential: it is read as well as an Open Badge."""
    settings = settings_of(client)
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        master = keys.master_key(settings.resolved_master_key())
        seals.import_pkcs12(
            db, Actor.operator(), organisation, pki.seal_p12(pki.CA(), country="IE"), "secret", master=master
        )
        spec = design.create(db, Actor.operator(), organisation, full())
        design.publish(db, Actor.operator(), organisation, spec.id)
        item = in_wallet(settings, db, world, spec.id, grade="Merit")
        assert item.kind == "elm"
        body = {"wallet_id": str(item.id), "organisation": "b", "pathway_id": str(a_pathway(db, world))}
    opened = client.post("/api/me/recognition", json=body, headers=learner_a)
    assert opened.status_code == 201, opened.text
    case = client.get(f"/api/orgs/b/recognition/cases/{opened.json()['id']}", headers=officer_b).json()
    assert case["verified"] is True and case["credits"] == "2.5" and case["grade"] == "Merit"
    assert {c["criterion"]: c["suggestion"] for c in case["criteria"]} == {c.value: "met" for c in Criterion}
    assert (
        "electronic seal is intact" in next(c for c in case["criteria"] if c["criterion"] == "verification")["evidence"]
    )
    # An ELM credential carries no catalogue address, but one claimed from an award issued here is of that
    # award's specification: agreements can cover it and its quality data counts the decision.
    assert case["specification_id"] == str(spec.id)


# A case from start to final decision ----------------------------------------------------------------------------


def test_a_learner_asks_an_officer_decides_and_the_learner_appeals_once(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str], learner_a: dict[str, str]
) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        item_id = in_wallet(settings_of(client), db, world, spec_id, grade="Merit").id
        pathway_id = a_pathway(db, world)
    ask = {"wallet_id": str(item_id), "organisation": "b", "pathway_id": str(pathway_id)}

    # Someone else's wallet item, or B's learner trying A's learner's credential, is refused by name.
    b_learner = bearer(database, world, "b", Role.LEARNER)
    assert (
        "Your wallet holds no such credential"
        in assert_error(
            client.post("/api/me/recognition", json=ask, headers=b_learner), 404, "wallet_credential_not_found"
        )["detail"]
    )
    with database.session() as db:
        a_programme = a_pathway(db, world, org="a")
    assert_error(
        client.post("/api/me/recognition", json={**ask, "pathway_id": str(a_programme)}, headers=learner_a),
        422,
        "unknown_programme",
    )

    opened = client.post("/api/me/recognition", json=ask, headers=learner_a)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["state"] == "open" and case["verified"] is True and case["flag"] is None
    assert "no agreement in force covers it" in case["route_note"]
    assert_error(client.post("/api/me/recognition", json=ask, headers=learner_a), 409, "already_asked")

    url = f"/api/orgs/b/recognition/cases/{case['id']}"
    seen = client.get(url, headers=officer_b).json()
    assert seen["learner"]["email"] == "learner@a.example" and seen["source"] == "wallet"
    assert [c["criterion"] for c in seen["criteria"]] == [c.value for c in Criterion]
    assert {"label": "Grade", "value": "Merit"} in seen["facts"] and seen["credits"] == "5"
    assert seen["allowance"] == {"cap": "10", "used": "0", "remaining": "10"}  # half of the 20 credits
    assert_error(client.get(url, headers=bearer(database, world, "b", Role.EDUCATOR)), 403, "forbidden")
    assert_error(
        client.get(url.replace("/orgs/b/", "/orgs/a/"), headers=bearer(database, world, "a", Role.RECOGNITION_OFFICER)),
        404,
        "recognition_case_not_found",
    )

    judged = client.put(
        f"{url}/criteria/identification",
        json={"judgement": "not_met", "comment": "The exam was taken at home without any check."},
        headers=officer_b,
    )
    assert judged.status_code == 200, judged.text
    row = next(c for c in judged.json()["criteria"] if c["criterion"] == "identification")
    assert row["judgement"] == "not_met" and row["suggestion"] == "cannot_tell" and row["edited_at"]

    decide = f"{url}/decision"
    assert_error(
        client.post(decide, json={"outcome": "refused", "reasons": "  "}, headers=officer_b), 422, "reasons_required"
    )
    too_many = {"outcome": "recognised_partly", "credits": "6", "reasons": "Most outcomes match the first year."}
    assert (
        "more than the credential's own 5"
        in assert_error(client.post(decide, json=too_many, headers=officer_b), 422, "credits_above_credential")[
            "detail"
        ]
    )
    assert_error(
        client.post(
            decide, json={"outcome": "recognised_fully", "credits": "3", "reasons": "It matches."}, headers=officer_b
        ),
        422,
        "invalid_credits",
    )
    refusal = {"outcome": "refused", "reasons": "Identity was not checked at the assessment, so we cannot rely on it."}
    decided = client.post(decide, json=refusal, headers=officer_b)
    assert decided.status_code == 201 and decided.json()["state"] == "decided"
    assert_error(client.post(decide, json=refusal, headers=officer_b), 409, "recognition_case_decided")
    assert_error(
        client.put(f"{url}/criteria/quality", json={"judgement": "met"}, headers=officer_b),
        409,
        "recognition_case_decided",
    )

    mine = client.get("/api/me/recognition", headers=learner_a).json()
    assert [m["id"] for m in mine] == [case["id"]] and mine[0]["can_appeal"] is True
    assert mine[0]["decisions"][0]["reasons"] == refusal["reasons"] and "criteria" not in mine[0]
    assert client.get("/api/me/recognition", headers=b_learner).json() == []
    assert_error(client.get(f"/api/me/recognition/{case['id']}", headers=b_learner), 404, "recognition_case_not_found")

    appeal = f"/api/me/recognition/{case['id']}/appeal"
    assert_error(client.post(appeal, json={"grounds": ""}, headers=learner_a), 422, "grounds_required")
    appealed = client.post(
        appeal, json={"grounds": "The exam was proctored online: see the supervision note."}, headers=learner_a
    )
    assert appealed.status_code == 201 and appealed.json()["state"] == "appealed"
    again = assert_error(
        client.post(appeal, json={"grounds": "Please look again, once more."}, headers=learner_a),
        409,
        "already_appealed",
    )
    assert again["detail"] == (
        "You have already appealed this decision: a decision can be appealed once, and the one after the appeal is "
        "final."
    )

    final = {"outcome": "recognised_partly", "credits": "3", "reasons": "On appeal: the online proctoring is enough."}
    assert client.post(decide, json=final, headers=officer_b).json()["state"] == "final"
    after = client.get(f"/api/me/recognition/{case['id']}", headers=learner_a).json()
    assert [d["outcome"] for d in after["decisions"]] == ["refused", "recognised_partly"]
    assert after["decisions"][1]["after_appeal"] is True and after["can_appeal"] is False
    assert_error(
        client.post(appeal, json={"grounds": "And again, please."}, headers=learner_a), 409, "already_appealed"
    )
    assert_error(client.post(decide, json=final, headers=officer_b), 409, "recognition_case_final")

    with database.session() as db:
        assert recognition.outcomes_for_specification(db, spec_id) == {
            "recognised_fully": 0,
            "recognised_partly": 1,  # the final decision stands
            "refused": 0,
        }
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case["id"])))
        assert actions == {"recognition.opened", "recognition.assessed", "recognition.decided", "recognition.appealed"}


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


def test_the_service_refuses_bad_decisions_and_appeals_with_a_sentence(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        learner = db.merge(world.users["a_learner"])
        case = asked_of_b(client, db, world)
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        b = db.merge(world.orgs["b"])
        with pytest.raises(Conflict, match="no decision to appeal yet"):
            recognition.appeal(db, Actor.person(learner), learner, case.id, "I disagree with this, strongly.")
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
        assert decision.credits == Decimal(5) and recognition.allowance(db, case) is None


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


# Pages ----------------------------------------------------------------------------------------------------------


def test_the_learner_asks_from_the_wallet_and_appeals_on_the_page(
    client: TestClient, database: Database, world: World, officer_b: dict[str, str]
) -> None:
    with database.session() as db:
        item_id = in_wallet(settings_of(client), db, world, published(db, world)).id
        pathway_id = a_pathway(db, world)
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(f"/recognition?item={item_id}")
    assert page.status_code == 200 and f'value="{item_id}" selected' in page.text
    assert f'value="b:{pathway_id}"' in page.text and 'value="b:"' in page.text
    token = csrf_from(page.text)
    missing = client.post("/recognition/ask", data={"csrf_token": token, "item": str(item_id), "where": ""})
    assert missing.status_code == 422 and "Choose the credential and where" in missing.text
    asked = client.post(
        "/recognition/ask",
        data={"csrf_token": token, "item": str(item_id), "where": f"b:{pathway_id}"},
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text
    case_id = asked.headers["location"].rsplit("#case-", 1)[1]
    assert "Waiting for a decision" in client.get("/recognition").text

    client.post(
        f"/api/orgs/b/recognition/cases/{case_id}/decision",
        json={"outcome": "recognised_partly", "credits": "2", "reasons": "Two credits of the first module."},
        headers=officer_b,
    )
    mine = client.get("/recognition")
    assert "Two credits of the first module." in mine.text and "Appeal this decision" in mine.text
    short = client.post(f"/recognition/{case_id}/appeal", data={"csrf_token": token, "grounds": "no"})
    assert short.status_code == 422 and "Give the grounds" in short.text and ">no</textarea>" in short.text
    done = client.post(
        f"/recognition/{case_id}/appeal",
        data={"csrf_token": token, "grounds": "The whole module is covered, not two credits."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = client.get("/recognition")
    assert "You appealed on" in after.text and "Appeal this decision" not in after.text


def test_the_officer_assesses_and_decides_on_the_case_page(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, published(db, world), grade="Merit")
        document = item.document
    log_in(client, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    listing = client.get("/orgs/b/recognition")
    assert listing.status_code == 200 and "Open a case" in listing.text
    token = csrf_from(listing.text)
    none_given = client.post("/orgs/b/recognition/cases", data={"csrf_token": token})
    assert none_given.status_code == 422 and "Give the credential one way" in none_given.text
    opened = client.post(
        "/orgs/b/recognition/cases",
        data={"csrf_token": token},
        files={"file": ("credential.json", json.dumps(document).encode(), "application/json")},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    case_url = opened.headers["location"]
    page = client.get(case_url)
    assert page.status_code == 200 and "The seven e-VALUATE criteria" in page.text and "Merit" in page.text
    assert 'data-suggestion="met"' in page.text and "Record the decision" in page.text

    form = {"csrf_token": token}
    for criterion in Criterion:
        form[f"judgement_{criterion.value}"] = "met"
        form[f"comment_{criterion.value}"] = ""
    form["comment_assessment"] = "Rubric seen on the provider's site."
    saved = client.post(f"{case_url}/criteria", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert "Rubric seen on the provider&#39;s site." in client.get(case_url).text

    kept = client.post(f"{case_url}/decision", data={"csrf_token": token, "outcome": "refused", "reasons": ""})
    assert kept.status_code == 422 and "never recorded without its reasons" in kept.text
    decided = client.post(
        f"{case_url}/decision",
        data={"csrf_token": token, "outcome": "recognised_fully", "reasons": "Every criterion is met."},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    final = client.get(decided.headers["location"])
    assert "The decision is recorded." in final.text and "Recognised fully" in final.text
    assert "Record the decision" not in final.text  # decided: only an appeal reopens it

    log_in(client, "educator@b.example", world.passwords["educator@b.example"])
    assert client.get("/orgs/b/recognition").status_code == 403


# Hostile and concurrent input -------------------------------------------------------------------------------------


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
