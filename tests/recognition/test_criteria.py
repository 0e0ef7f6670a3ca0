"""The credential as recognition reads it, and the seven e-VALUATE criteria suggested from it and its
verification report, each with its evidence: Open Badges and sealed European Digital Credentials alike."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.issuing import keys, seals
from microcred.pathways.rules import Rules
from microcred.recognition import criteria
from microcred.recognition.models import Criterion, Judgement
from microcred.store import Database
from tests import pki
from tests.conftest import World
from tests.design.fixtures import full
from tests.recognition.test_cases import (
    a_pathway,
    by_stranger,
    in_wallet,
    published,
    settings_of,
    tampered,
    verifier_of,
)


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
            s.criterion: s for s in criteria.suggest(criteria.read_credential(item.document, report), report, rules)
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
        level = criteria.suggest(criteria.read_credential(item.document, report), report, strict)[2]
        assert level.judgement == Judgement.NOT_MET and "below the programme's minimum (EQF 7)" in level.evidence

        bare_spec = published(
            db, world, credits=None, workload_hours="40", learning_outcomes=[{"text": "Write a team plan"}]
        )
        bare = in_wallet(settings_of(client), db, world, bare_spec)
        bare_report = verify(bare.document)
        bare_found = {
            s.criterion: s
            for s in criteria.suggest(criteria.read_credential(bare.document, bare_report), bare_report, None)
        }
        assert bare_found[Criterion.WORKLOAD].judgement == Judgement.PARTLY_MET  # hours, no credits
        assert bare_found[Criterion.LEARNING_OUTCOMES].judgement == Judgement.PARTLY_MET  # no ESCO skills
        assert bare_found[Criterion.IDENTIFICATION].judgement == Judgement.CANNOT_TELL

        forged = tampered(item.document)
        forged_report = verify(forged)
        verification = criteria.suggest(criteria.read_credential(forged, forged_report), forged_report, None)[1]
        assert verification.judgement == Judgement.NOT_MET and "PROOF" in verification.evidence

        stranger = by_stranger(item.document)
        stranger_report = verify(stranger)
        assert stranger_report.valid
        quality = criteria.suggest(criteria.read_credential(stranger, stranger_report), stranger_report, None)[0]
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
