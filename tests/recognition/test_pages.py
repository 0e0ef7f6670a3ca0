"""The recognition pages: the learner asks from their wallet and appeals; the officer assesses and decides;
agreements are proposed and accepted and free electives set; an RPL case goes from the catalogue to the claim.
A refused form shows the page again with what was typed and the reason, nothing written."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.accounts.models import AuditEvent
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl, rpl_assessment, rpl_evidence
from microcred.recognition.models import CreditAgreement, Criterion, RplCase, RplEvidence, RplState
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import key_from_multibase
from microcred.wallet.models import WalletCredential
from microcred.web.flash import FLASH
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_cases import a_pathway, in_wallet, published, settings_of
from tests.recognition.test_rpl import ASSESSED, TEXT, a_pdf, person, with_a_profile
from tests.recognition.test_rpl import published as rpl_published

# Recognition cases ---------------------------------------------------------------------------------------------


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
    assert asked.headers["location"] == f"/recognition?done=asked#case-{case_id}"
    waiting = client.get(asked.headers["location"]).text
    assert "Waiting for a decision" in waiting and FLASH["asked"] in waiting

    client.post(
        f"/api/orgs/b/recognition/cases/{case_id}/decision",
        json={"outcome": "recognised_partly", "credits": "2", "reasons": "Two credits of the first module."},
        headers=officer_b,
    )
    mine = client.get("/recognition")
    assert "Two credits of the first module." in mine.text and "Appeal this decision" in mine.text
    short = client.post(f"/recognition/{case_id}/appeal", data={"csrf_token": token, "grounds": "no"})
    assert short.status_code == 422 and "Give the grounds" in short.text and ">no</textarea>" in short.text
    assert f'href="#grounds-{case_id}"' in short.text
    done = client.post(
        f"/recognition/{case_id}/appeal",
        data={"csrf_token": token, "grounds": "The whole module is covered, not two credits."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "You appealed on" in after.text and "Appeal this decision" not in after.text
    assert FLASH["appealed"] in after.text


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
    case_url, _, said = opened.headers["location"].partition("?")
    assert said == "done=case-opened"
    page = client.get(opened.headers["location"])
    assert page.status_code == 200 and "The seven e-VALUATE criteria" in page.text and "Merit" in page.text
    assert FLASH["case-opened"] in page.text
    assert 'data-suggestion="met"' in page.text and "Record the decision" in page.text
    # Given as a document, the case has no learner here who could appeal: its decision is final, confirmed.
    assert 'name="confirm" value="yes"' in page.text

    form = {"csrf_token": token}
    for criterion in Criterion:
        form[f"judgement_{criterion.value}"] = "met"
        form[f"comment_{criterion.value}"] = ""
    form["comment_assessment"] = "Rubric seen on the provider's site."
    saved = client.post(f"{case_url}/criteria", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{case_url}?done=criteria-saved"
    assert "Rubric seen on the provider&#39;s site." in client.get(case_url).text

    kept = client.post(
        f"{case_url}/decision", data={"csrf_token": token, "outcome": "refused", "reasons": "", "confirm": "yes"}
    )
    assert kept.status_code == 422 and "never recorded without its reasons" in kept.text
    assert 'href="#decision-reasons"' in kept.text  # the error summary leads to the field
    reasons = {"csrf_token": token, "outcome": "recognised_fully", "reasons": "Every criterion is met."}
    unconfirmed = client.post(f"{case_url}/decision", data=reasons)
    assert unconfirmed.status_code == 422 and "Tick the box to confirm the decision: it is final" in unconfirmed.text
    assert "Every criterion is met.</textarea>" in unconfirmed.text and 'href="#decision-confirm"' in unconfirmed.text
    assert "None yet." in unconfirmed.text  # nothing recorded
    decided = client.post(f"{case_url}/decision", data={**reasons, "confirm": "yes"}, follow_redirects=False)
    assert decided.status_code == 303 and decided.headers["location"] == f"{case_url}?done=decision-final"
    final = client.get(decided.headers["location"])
    assert FLASH["decision-final"] in final.text and "Recognised fully" in final.text
    # Decided: no decision form, no criteria to change, nothing offered to decide; only an appeal reopens it.
    assert "Record the decision" not in final.text and 'id="criteria-form"' not in final.text
    assert 'href="#decide"' not in final.text

    log_in(client, "educator@b.example", world.passwords["educator@b.example"])
    assert client.get("/orgs/b/recognition").status_code == 403


# Agreements and free electives ---------------------------------------------------------------------------------


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
    assert 'href="#agreement-min-grade"' in refused.text
    made = client.post("/orgs/a/agreements", data={**form, "min_grade": "60%"}, follow_redirects=False)
    assert made.status_code == 303
    with database.session() as db:
        agreement = db.scalars(select(CreditAgreement)).one()
        agreement_id = agreement.id
    assert made.headers["location"] == f"/orgs/a/agreements?done=agreement-proposed#agreement-{agreement_id}"
    assert FLASH["agreement-proposed"] in client.get(made.headers["location"]).text

    log_in(client, "org_admin@b.example", world.passwords["org_admin@b.example"])
    page = client.get("/orgs/b/agreements")
    assert "Accept for Beta Institute" in page.text and "not yet accepted" in page.text
    token = csrf_from(page.text)
    accepted = client.post(
        f"/orgs/b/agreements/{agreement_id}/accept", data={"csrf_token": token}, follow_redirects=False
    )
    assert accepted.status_code == 303
    in_force = client.get(accepted.headers["location"]).text
    assert "In force" in in_force and FLASH["agreement-in-force"] in in_force
    too_much = client.post(
        f"/orgs/b/pathways/{parties['programme']}/free-electives", data={"csrf_token": token, "credits": "50"}
    )
    assert too_much.status_code == 422 and "could never be used" in too_much.text
    done = client.post(
        f"/orgs/b/pathways/{parties['programme']}/free-electives",
        data={"csrf_token": token, "credits": "4"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=free-electives#free-electives")
    assert "4 credits" in client.get("/orgs/b/agreements").text

    # Ending is for every party and for good: refused without the box ticked, with a sentence that says so.
    end = f"/orgs/b/agreements/{agreement_id}/end"
    unconfirmed = client.post(end, data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm: an agreement ends" in unconfirmed.text
    assert f'href="#end-{agreement_id}-confirm"' in unconfirmed.text
    with database.session() as db:
        assert db.get_one(CreditAgreement, agreement_id).state.value == "in_force"
    ended = client.post(end, data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert ended.status_code == 303 and "done=agreement-ended" in ended.headers["location"]
    after = client.get(ended.headers["location"]).text
    assert FLASH["agreement-ended"] in after and f'action="{end}"' not in after  # nothing left to end

    log_in(client, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    read_only = client.get("/orgs/b/agreements")
    assert read_only.status_code == 200 and "Propose an agreement" not in read_only.text
    assert "Accept for" not in read_only.text


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


# Recognition of prior learning ---------------------------------------------------------------------------------


def test_the_pages_take_a_case_from_the_catalogue_to_the_claim(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = rpl_published(db, world)
        with_a_profile(db, world)
    other = TestClient(client.app)  # the officer's browser beside the learner's
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    log_in(other, "recognition_officer@a.example", world.passwords["recognition_officer@a.example"])

    item = client.get(f"/catalogue/{spec_id}").text
    assert f'href="/catalogue/{spec_id}/rpl"' in item
    start = client.get(f"/catalogue/{spec_id}/rpl")
    assert start.status_code == 200 and "The profile seems to cover it" in start.text
    opened = client.post(
        f"/catalogue/{spec_id}/rpl", data={"csrf_token": csrf_from(start.text)}, follow_redirects=False
    )
    assert opened.status_code == 303
    mine, _, said = opened.headers["location"].partition("?")
    case_id = mine.rsplit("/", 1)[1]
    page = client.get(opened.headers["location"]).text
    assert 'data-state="identification"' in page and "Community manager" in page
    assert said == "done=rpl-started" and FLASH["rpl-started"] in page

    def post(who: TestClient, page_url: str, action: str, **data: Any) -> Any:
        token = csrf_from(who.get(page_url).text)
        return who.post(action, data={**data, "csrf_token": token}, follow_redirects=False)

    refused = post(client, mine, f"{mine}/stage", to="certification")
    assert refused.status_code == 409 and "it moves to documentation next, not to certification" in refused.text
    documentation = post(client, mine, f"{mine}/stage", to="documentation")
    assert documentation.headers["location"] == f"{mine}?done=rpl-documentation"
    token = csrf_from(client.get(mine).text)
    assert "Submit my evidence for assessment" not in client.get(mine).text  # nothing to submit yet
    sent = client.post(
        f"{mine}/evidence",
        data={"csrf_token": token, "outcomes": ["1", "2"], "note": "A year of posts"},
        files={"file": ("portfolio.pdf", a_pdf(), "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{mine}?done=rpl-evidence-added#evidence"
    bad = client.post(
        f"{mine}/evidence",
        data={"csrf_token": token, "outcomes": ["1"]},
        files={"file": ("page.txt", b"<html></html>", "text/plain")},
    )
    assert bad.status_code == 422 and "HTML or XML document" in bad.text and 'href="#evidence-file"' in bad.text
    assert 'id="evidence-outcome-1" name="outcomes" value="1" checked' in bad.text  # as ticked
    sent_on = post(client, mine, f"{mine}/stage", to="assessment")
    assert FLASH["rpl-assessment"] in client.get(sent_on.headers["location"]).text

    staff = f"/orgs/a/rpl/{case_id}"
    listed = other.get("/orgs/a/rpl?state=assessment").text
    assert staff in listed and "RPL cases" in listed
    taken = post(other, staff, f"{staff}/owner")
    assert taken.status_code == 303 and taken.headers["location"] == f"{staff}?done=rpl-taken"
    case_page = other.get(staff).text
    assert "Certification follows a passed assessment." in case_page and 'id="stage-form"' not in case_page
    assert 'id="assessment-form"' in case_page and "portfolio.pdf" in case_page
    form = {
        "demonstrated": ["yes", "yes"],
        "method": ["portfolio_review", "interview"],
        "outcome_comment": ["Shown in the portfolio", ""],
        "result": "passed",
        "grade": "",
        "comment": "Every outcome shown.",
    }
    unexplained = post(other, staff, f"{staff}/assessment", **{**form, "demonstrated": ["yes", "no"]})
    assert unexplained.status_code == 422 and 'href="#outcome-comment-2"' in unexplained.text
    assert "Say why learning outcome 2 was not demonstrated." in unexplained.text  # without the field's name
    assert "Every outcome shown.</textarea>" in unexplained.text  # what was typed, kept
    assert post(other, staff, f"{staff}/assessment", **form).headers["location"] == f"{staff}?done=rpl-assessed"
    assert post(other, staff, f"{staff}/stage", to="certification").status_code == 303
    certified = post(other, staff, f"{staff}/certify")
    assert certified.status_code == 303 and certified.headers["location"] == f"{staff}?done=rpl-certified"
    officer_page = other.get(certified.headers["location"]).text
    assert 'data-state="certified"' in officer_page and "only they get its claim link" in officer_page
    assert "/claim/" not in officer_page and FLASH["rpl-certified"] in officer_page
    assert f'<form method="post" action="{staff}' not in officer_page  # finished: only reading

    done = client.get(mine).text
    assert "Claim my credential" in done and "Every outcome shown." in done
    claim = post(client, mine, f"{mine}/claim")
    assert claim.status_code == 303 and claim.headers["location"].startswith("/claim/")
    claim_page = client.get(claim.headers["location"])
    assert claim_page.status_code == 200 and "Add it to my wallet" in claim_page.text
    assert client.get("/rpl").text.count(f"/rpl/{case_id}") == 1

    # B's officer finds nothing of A's, and a learner is no officer.
    log_in(other, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    assert other.get(staff).status_code == 404 and other.get(f"/rpl/{case_id}").status_code == 404
    assert client.get(staff).status_code == 403
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(WalletCredential)) == 0  # shown, not yet added
        [issued] = db.scalars(select(IssuedCredential).where(IssuedCredential.idempotency_key == f"rpl:{case_id}"))
        document = issued.document
    # The award is signed with A's key, as A's did:web document lists it, and the proof holds.
    [proof] = document["proof"]
    did = client.get("/orgs/a/did.json").json()
    assert proof["verificationMethod"].split("#")[0] == did["id"] == document["issuer"]["id"]
    [method] = [m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"]]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    key = key_from_multibase(method["publicKeyMultibase"])
    assert dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified


def test_a_refused_rpl_form_shows_the_case_page_again_with_the_reason_and_writes_nothing(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = rpl_published(db, world)
        with_a_profile(db, world)
        case_id = rpl.open_by_learner(db, person(db, world, "a_learner"), spec_id).id
    log_in(client, "recognition_officer@a.example", world.passwords["recognition_officer@a.example"])
    staff = f"/orgs/a/rpl/{case_id}"
    token = csrf_from(client.get(staff).text)

    unowned = client.post(f"{staff}/stage", data={"csrf_token": token, "to": "documentation"})
    assert unowned.status_code == 403 and "this case has no owner yet" in unowned.text
    assert 'data-state="identification"' in unowned.text  # the case page, not an error page
    learner_owner = client.post(f"{staff}/owner", data={"csrf_token": token, "owner_email": "learner@a.example"})
    assert learner_owner.status_code == 422 and "is not a recognition officer or educator" in learner_owner.text
    assert client.post(f"{staff}/owner", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    skipped = client.post(f"{staff}/stage", data={"csrf_token": token, "to": "assessment"})
    assert skipped.status_code == 409 and "it moves to documentation next, not to assessment" in skipped.text
    with database.session() as db:
        case = db.get_one(RplCase, case_id)
        assert case.state == RplState.IDENTIFICATION and case.owner_id == world.users["a_recognition_officer"].id
        moved = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rpl.stage")
        assert db.scalar(moved) == 0


def test_removing_evidence_withdrawing_and_closing_a_case_are_refused_until_confirmed(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = rpl_published(db, world)
        with_a_profile(db, world)
        learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
        kept = rpl.open_by_learner(db, learner, spec_id)
        rpl.advance(db, learner, kept, "documentation")
        evidence_id = rpl_evidence.add_evidence(db, learner, kept, filename="a.txt", data=TEXT, outcomes=[1]).id
        other_spec = rpl_published(db, world)
        failed = rpl.open_by_learner(db, learner, other_spec)
        rpl.assign_owner(db, officer, db.merge(world.orgs["a"]), failed)
        rpl.advance(db, learner, failed, "documentation")
        rpl_evidence.add_evidence(db, learner, failed, filename="b.txt", data=TEXT, outcomes=[1, 2])
        rpl.advance(db, learner, failed, "assessment")
        not_passed = {**ASSESSED, "result": "not_passed"}
        not_passed["outcomes"] = [
            ASSESSED["outcomes"][0],
            {"demonstrated": False, "method": "interview", "comment": "No."},
        ]
        rpl_assessment.record_assessment(db, officer, failed, not_passed)
        kept_id, failed_id = kept.id, failed.id
    mine = f"/rpl/{kept_id}"
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(mine).text
    token = csrf_from(page)
    remove = f"{mine}/evidence/{evidence_id}/remove"
    assert f'action="{remove}"' in page and 'name="confirm" value="yes"' in page

    unconfirmed = client.post(remove, data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm: a removed evidence file" in unconfirmed.text
    assert f'href="#remove-{evidence_id}-confirm"' in unconfirmed.text
    with database.session() as db:
        assert db.get(RplEvidence, evidence_id) is not None
    removed = client.post(remove, data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert removed.headers["location"] == f"{mine}?done=rpl-evidence-removed#evidence"
    assert FLASH["rpl-evidence-removed"] in client.get(removed.headers["location"]).text
    with database.session() as db:
        assert db.get(RplEvidence, evidence_id) is None

    reason = {"csrf_token": token, "reason": "I found a course instead."}
    unconfirmed = client.post(f"{mine}/withdraw", data=reason)
    assert unconfirmed.status_code == 422 and "Tick the box to confirm: a withdrawn case" in unconfirmed.text
    assert "I found a course instead.</textarea>" in unconfirmed.text  # kept, in the form opened again
    with database.session() as db:
        assert db.get_one(RplCase, kept_id).state == RplState.DOCUMENTATION
    withdrawn = client.post(f"{mine}/withdraw", data={**reason, "confirm": "yes"}, follow_redirects=False)
    assert withdrawn.headers["location"] == f"{mine}?done=rpl-withdrawn"
    closed = client.get(withdrawn.headers["location"]).text
    assert FLASH["rpl-withdrawn"] in closed and 'data-state="closed"' in closed
    assert f'<form method="post" action="{mine}' not in closed  # closed: nothing but reading

    log_in(client, "recognition_officer@a.example", world.passwords["recognition_officer@a.example"])
    staff = f"/orgs/a/rpl/{failed_id}"
    token = csrf_from(client.get(staff).text)
    said = {"csrf_token": token, "reason": "The second outcome was not shown."}
    unconfirmed = client.post(f"{staff}/close", data=said)
    assert unconfirmed.status_code == 422 and "Tick the box to confirm: a closed case" in unconfirmed.text
    assert 'href="#close-confirm"' in unconfirmed.text and "not shown.</textarea>" in unconfirmed.text
    closed = client.post(f"{staff}/close", data={**said, "confirm": "yes"}, follow_redirects=False)
    assert closed.headers["location"] == f"{staff}?done=rpl-closed"
    page = client.get(closed.headers["location"]).text
    assert FLASH["rpl-closed"] in page and "Not passed" in page
    assert f'<form method="post" action="{staff}' not in page and 'class="danger-zone"' not in page
    with database.session() as db:
        assert db.get_one(RplCase, failed_id).state == RplState.CLOSED
