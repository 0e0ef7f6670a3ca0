"""The recognition API: a recognition case from the learner's request to the final decision after the
one appeal, an RPL case through its four stages to a claimed credential, who may call what, and the answers
as the OpenAPI document describes them."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.accounts.models import AuditEvent, Role
from microcred.issuing.models import IssuedCredential
from microcred.recognition import cases as recognition
from microcred.recognition.models import Criterion, RplCase
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_cases import a_pathway, in_wallet, published, settings_of
from tests.recognition.test_rpl import ASSESSED, TEXT, a_pdf, upload, with_a_profile
from tests.recognition.test_rpl import published as rpl_published
from tests.web.test_api import assert_error, bearer

# Recognition cases ---------------------------------------------------------------------------------------------


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


# Recognition of prior learning ---------------------------------------------------------------------------------


def test_a_learner_s_case_goes_through_the_four_stages_to_a_claimed_credential(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = rpl_published(db, world)
        with_a_profile(db, world)
    learner = bearer(database, world, "a", Role.LEARNER)
    officer = bearer(database, world, "a", Role.RECOGNITION_OFFICER)

    # 1. Identification: the profile is shared as the case opens, and matched against the outcomes.
    opened = client.post("/api/me/rpl", json={"specification_id": str(spec_id)}, headers=learner)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    me = f"/api/me/rpl/{case['id']}"
    staff = f"/api/orgs/a/rpl/{case['id']}"
    assert case["state"] == "identification" and case["owner"] is None and case["edition"] == 1
    assert [o["status"] for o in case["identification"]["outcomes"]] == ["covered", "not_covered"]
    assert case["identification"]["covered"] == [1]
    assert case["identification"]["experiences"][0]["title"] == "Community manager"
    assert case["stages"][0]["started_at"] and case["stages"][0]["ended_at"] is None
    again = client.post("/api/me/rpl", json={"specification_id": str(spec_id)}, headers=learner)
    assert again.status_code == 409 and "already has an RPL case" in again.json()["detail"]

    # Out of order, or too early: refused naming the stage needed.
    skipped = client.post(f"{me}/stage", json={"to": "assessment"}, headers=learner)
    assert skipped.status_code == 409
    needed = "The case is at identification: it moves to documentation next, not to assessment."
    assert skipped.json()["detail"] == needed
    early = upload(client, f"{me}/evidence", learner, "portfolio.pdf", a_pdf(), [1])
    assert early.status_code == 409 and "move it to documentation first" in early.json()["detail"]

    # 2. Documentation: evidence checked by content; a bad file leaves nothing behind.
    assert client.post(f"{me}/stage", json={"to": "documentation"}, headers=learner).status_code == 200
    pdf = a_pdf()
    added = upload(client, f"{me}/evidence", learner, "portfolio.pdf", pdf, [1, 2])
    assert added.status_code == 201, added.text
    assert added.json()["media_type"] == "application/pdf" and added.json()["outcomes"] == [1, 2]
    renamed = upload(client, f"{me}/evidence", learner, "cv.pdf", Path(sys.executable).read_bytes()[:100_000], [1])
    assert renamed.status_code == 422 and "is a Linux program" in renamed.json()["detail"]
    html = upload(client, f"{me}/evidence", learner, "notes.txt", b"<html><script>alert(1)</script></html>", [1])
    assert html.status_code == 422 and "HTML" in html.json()["detail"]
    nowhere = upload(client, f"{me}/evidence", learner, "statement.txt", TEXT, [3])
    assert nowhere.status_code == 422 and "there is no learning outcome 3" in nowhere.json()["detail"]
    assert len(client.get(me, headers=learner).json()["evidence"]) == 1

    # Only the learner and the organisation's officers and educators reach the file, as an attachment.
    evidence_id = added.json()["id"]
    for who in (officer, learner):
        url = f"{staff}/evidence/{evidence_id}" if who is officer else f"{me}/evidence/{evidence_id}"
        download = client.get(url, headers=who)
        assert download.status_code == 200 and download.content == pdf
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith('attachment; filename="portfolio.pdf"')
        assert download.headers["x-content-type-options"] == "nosniff"
    b_learner = bearer(database, world, "b", Role.LEARNER)
    assert client.get(f"{me}/evidence/{evidence_id}", headers=b_learner).status_code == 404
    b_officer = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    assert client.get(f"/api/orgs/b/rpl/{case['id']}", headers=b_officer).json()["error"] == "rpl_case_not_found"
    assert client.get(staff, headers=learner).status_code == 403  # a learner of A is no officer

    # The learner submits the evidence; the owner assesses, and the learner never can.
    assert client.post(f"{me}/stage", json={"to": "assessment"}, headers=learner).status_code == 200
    unowned = client.put(f"{staff}/assessment", json=ASSESSED, headers=officer)
    assert unowned.status_code == 403 and "has no owner yet" in unowned.json()["detail"]
    taken = client.post(f"{staff}/owner", json={}, headers=officer)
    assert taken.json()["owner"]["email"] == "recognition_officer@a.example"
    assert client.put(f"{staff}/assessment", json=ASSESSED, headers=learner).status_code == 403
    not_yet = client.post(f"{staff}/certify", headers=officer)
    assert not_yet.status_code == 409
    assert not_yet.json()["detail"] == "Certification needs a passed assessment, and none is recorded yet."
    short = client.put(f"{staff}/assessment", json={**ASSESSED, "outcomes": ASSESSED["outcomes"][:1]}, headers=officer)
    assert short.status_code == 422 and "assess each of the 2 learning outcomes" in short.json()["detail"]
    missed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview", "comment": "No workshop led."}]
    contradictory = client.put(f"{staff}/assessment", json={**ASSESSED, "outcomes": missed}, headers=officer)
    assert contradictory.status_code == 422 and "outcome 2 was not" in contradictory.json()["detail"]
    recorded = client.put(f"{staff}/assessment", json=ASSESSED, headers=officer)
    assert recorded.status_code == 200 and recorded.json()["assessment"]["result"] == "passed"
    assert client.get(me, headers=learner).json()["assessment"] is None  # not settled while being assessed

    # 3 → 4. Certification: issued once through issuing; the case records the credential, and the officer gets
    # no claim link (whoever holds one can take the credential: only the learner makes it).
    assert client.post(f"{me}/stage", json={"to": "certification"}, headers=learner).status_code == 403
    assert client.post(f"{staff}/stage", json={"to": "certification"}, headers=officer).status_code == 200
    certified = client.post(f"{staff}/certify", headers=officer)
    assert certified.status_code == 200, certified.text
    body = certified.json()
    assert body["state"] == "certified" and "claim" not in certified.text
    assert all(stage["ended_at"] for stage in body["stages"])
    twice = client.post(f"{staff}/certify", headers=officer)
    assert twice.status_code == 409 and twice.json()["error"] == "rpl_case_finished"
    with database.session() as db:
        [issued] = db.scalars(select(IssuedCredential).where(IssuedCredential.idempotency_key == f"rpl:{case['id']}"))
        assert body["credential_id"] == f"urn:uuid:{issued.id}" and issued.learner_email == "learner@a.example"
        assert issued.claim_hash is None and issued.claim_expires_at is None  # no claim link exists yet
        subject = issued.document["credentialSubject"]
        assert subject["achievement"]["name"] == "Digital content for teams"

    # The learner sees the settled assessment and claims the credential into their wallet.
    mine = client.get(me, headers=learner).json()
    assert mine["assessment"]["grade"] == "Merit" and mine["credential_id"] == body["credential_id"]
    link = client.post(f"{me}/claim-link", headers=learner)
    assert link.status_code == 200, link.text
    with database.session() as db:
        held = wallet.claim(db, db.merge(world.users["a_learner"]), link.json()["claim_url"].rsplit("/", 1)[1])
        assert held.issued_credential_id == issued.id
    assert client.post(f"{me}/claim-link", headers=learner).json()["error"] == "already_claimed"
    with database.session() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case["id"])).all()
    assert sorted(set(actions)) == [
        "rpl.assessed",
        "rpl.certified",
        "rpl.evidence_added",
        "rpl.opened",
        "rpl.owner",
        "rpl.stage",
    ]
    assert actions.count("rpl.stage") == 3


def test_no_signed_in_user_learns_the_title_of_a_draft(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        draft = rpl_published(db, world, publish=False, title="Secret plans of Alpha")
    b_learner = bearer(database, world, "b", Role.LEARNER)
    asked = client.post("/api/me/rpl", json={"specification_id": str(draft)}, headers=b_learner)
    assert asked.status_code == 404 and asked.json()["error"] == "not_in_catalogue"
    assert "Secret plans" not in asked.text
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    token = csrf_from(client.get("/rpl").text)
    submitted = client.post(f"/catalogue/{draft}/rpl", data={"csrf_token": token})
    assert submitted.status_code == 404 and "Secret plans" not in submitted.text
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(RplCase)) == 0


# What the answers are, as the OpenAPI document says ---------------------------------------------------------


def test_every_recognition_answer_is_described_and_the_request_bodies_keep_their_names(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]

    def answer(path: str, method: str) -> str:
        responses = paths[path][method]["responses"]
        [status] = [code for code in responses if code.startswith("2")]
        schema = responses[status]["content"]["application/json"]["schema"]
        return str(schema["items"]["$ref"] if schema.get("type") == "array" else schema["$ref"])

    expected = {
        ("/api/orgs/{org}/recognition/cases", "get"): "RecognitionCaseOut",
        ("/api/orgs/{org}/recognition/cases", "post"): "RecognitionCaseOut",
        ("/api/orgs/{org}/recognition/cases/{case_id}/criteria/{criterion}", "put"): "RecognitionCaseOut",
        ("/api/orgs/{org}/recognition/cases/{case_id}/decision", "post"): "RecognitionCaseOut",
        ("/api/orgs/{org}/agreements", "get"): "AgreementOut",
        ("/api/orgs/{org}/agreements/{agreement_id}/end", "post"): "AgreementOut",
        ("/api/orgs/{org}/pathways/{pathway_id}/free-electives", "put"): "FreeElectivesOut",
        ("/api/me/recognition", "get"): "MyRecognitionCaseOut",
        ("/api/me/recognition/{case_id}/appeal", "post"): "MyRecognitionCaseOut",
        ("/api/orgs/{org}/rpl", "get"): "RplCaseListedOut",
        ("/api/orgs/{org}/rpl/{case_id}/assessment", "put"): "RplCaseOut",
        ("/api/orgs/{org}/rpl/{case_id}/evidence", "post"): "RplEvidenceOut",
        ("/api/me/rpl", "get"): "MyRplCaseListedOut",
        ("/api/me/rpl/{case_id}/claim-link", "post"): "ClaimLinkOut",
    }
    for (path, method), name in expected.items():
        assert answer(path, method) == f"#/components/schemas/{name}", (path, method)
    for name in ("CaseIn", "AskIn", "CriterionIn", "DecisionIn", "AppealIn", "AgreementIn", "FreeElectivesIn"):
        assert name in schemas
    for name in ("OpenIn", "OpenMineIn", "OwnerIn", "StageIn", "ReasonIn", "AssessmentIn", "AssessedOutcome"):
        assert name in schemas
    body = paths["/api/orgs/{org}/rpl/{case_id}/assessment"]["put"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/AssessmentIn"}
    case = schemas["RecognitionCaseOut"]
    assert set(case["required"]) >= {"criteria", "allowance", "report", "decisions", "appeal", "flag"}
    assert schemas["RplCaseOut"]["properties"]["opened_at"] == {
        "type": "string",
        "format": "date-time",
        "title": "Opened At",
    }


def test_moments_are_answered_as_iso_8601_with_their_offset(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = rpl_published(db, world)
        with_a_profile(db, world)
    learner = bearer(database, world, "a", Role.LEARNER)
    opened = client.post("/api/me/rpl", json={"specification_id": str(spec_id)}, headers=learner)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    with database.session() as db:
        row = db.get_one(RplCase, uuid.UUID(case["id"]))
        assert case["opened_at"] == row.opened_at.isoformat() and case["opened_at"].endswith("+00:00")
        assert case["identification"]["taken_at"] == row.profile_taken_at.isoformat()  # type: ignore[union-attr]
    assert case["stages"][0]["started_at"] == case["opened_at"] and case["stages"][1]["started_at"] is None
    assert client.get("/api/me/rpl", headers=learner).json()[0]["opened_at"] == case["opened_at"]
