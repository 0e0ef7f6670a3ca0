"""Pathways towards a qualification: contradictory rules refused with the reason, and a learner's progress
from real credentials — what counts, what does not and why, what is missing; never an award."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date
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
from microcred.pathways import service
from microcred.pathways.rules import Rules
from microcred.pathways.service import Held
from microcred.store import Database
from microcred.taxonomy.models import EscoSkill
from microcred.verify import checks
from microcred.wallet import service as wallet
from tests.conftest import World, log_in
from tests.design.fixtures import OTHER_SKILL, annex_i_minimum
from tests.pathways.test_gap import in_the_wallet
from tests.recognition.test_cases import by_stranger, in_wallet, published, settings_of
from tests.web.test_api import bearer

TODAY = date(2026, 11, 23)
A, B, C = (uuid.uuid4() for _ in range(3))


def holding(title: str, spec: uuid.UUID | None = None, **changes: Any) -> Held:
    values: dict[str, Any] = {
        "title": title,
        "valid": True,
        "trusted": True,
        "awarded": date(2026, 6, 1),
        "specification_id": spec,
        "credits": Decimal(5),
        "level": 5,
        "skills": frozenset(),
    }
    values.update(changes)
    return Held(**values)


@pytest.mark.parametrize(
    ("rules", "why"),
    [
        ({"kind": "open", "total_credits": 30, "min_level": 6, "max_level": 5}, "min_level (6) is above max_level (5)"),
        ({"kind": "open", "total_credits": 30, "rpl_cap_credits": 40}, "rpl_cap_credits (40) is above total_credits"),
        ({"kind": "elective", "total_credits": 30}, "needs its approved specifications"),
        ({"kind": "fixed", "total_credits": 30}, "needs its sequence"),
        ({"kind": "open", "total_credits": 30, "sequence": [str(A)]}, "sequence is for fixed pathways"),
        ({"kind": "fixed", "total_credits": 30, "sequence": [str(A), str(A)]}, "names a specification twice"),
        ({"kind": "open", "total_credits": 0}, "greater than 0"),
        ({"kind": "open", "total_credits": 30, "required_skills": ["python"]}, "must be ESCO skill URIs"),
        ({"kind": "sometimes", "total_credits": 30}, "kind"),
    ],
)
def test_contradictory_rules_are_refused_with_the_reason(rules: dict[str, Any], why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("(", r"\(").replace(")", r"\)")):
        Rules.model_validate(rules)


def test_what_counts_what_does_not_and_why() -> None:
    rules = Rules.model_validate(
        {"kind": "open", "total_credits": 12, "min_level": 4, "max_level": 6, "validity_years": 5}
    )
    holdings = [
        holding("Counts", A),
        holding("Revoked", B, valid=False),
        holding("Unknown issuer", C, trusted=False),
        holding("Too high", level=7),
        holding("Too old", awarded=date(2019, 1, 1)),
        holding("No credits", credits=None),
        holding("Same again", A, awarded=date(2026, 7, 1)),
        holding("Also counts", level=4),
    ]
    found = service.progress(rules, holdings, today=TODAY)
    assert [c.title for c in found.counted] == ["Also counts", "Counts"] and found.credits == 10
    reasons = dict(found.not_counted)
    assert "does not verify" in reasons["Revoked"]
    assert "not a registered, quality-assured provider" in reasons["Unknown issuer"]
    assert "above the maximum (EQF 6)" in reasons["Too high"]
    assert "more than 5 years ago" in reasons["Too old"]
    assert "no credits" in reasons["No credits"] and "already counts" in reasons["Same again"]
    assert found.eligible is False  # 10 of 12 credits
    assert service.progress(rules, [*holdings, holding("Two more", credits=Decimal(2))], today=TODAY).eligible


def test_elective_and_fixed_pathways_and_the_cap_on_prior_learning() -> None:
    elective = Rules.model_validate({"kind": "elective", "total_credits": 10, "approved": [str(A), str(B)]})
    found = service.progress(elective, [holding("A", A), holding("C", C)], today=TODAY)
    assert [c.title for c in found.counted] == ["A"] and "not one of the approved" in dict(found.not_counted)["C"]

    fixed = Rules.model_validate({"kind": "fixed", "total_credits": 15, "sequence": [str(A), str(B), str(C)]})
    found = service.progress(fixed, [holding("first", A), holding("third", C)], today=TODAY)
    assert [c.title for c in found.counted] == ["first"] and found.next_steps == [B]
    assert "step 3: an earlier step is not done" in dict(found.not_counted)["third"]
    done = service.progress(fixed, [holding("first", A), holding("second", B), holding("third", C)], today=TODAY)
    assert done.eligible and done.next_steps == []

    capped = Rules.model_validate({"kind": "open", "total_credits": 20, "rpl_cap_credits": 6})
    before = [holding("old one", awarded=date(2025, 1, 1)), holding("old two", awarded=date(2025, 2, 1))]
    found = service.progress(
        capped, [*before, holding("new", awarded=date(2026, 10, 1))], today=TODAY, enrolled_on=date(2026, 9, 1)
    )
    assert [c.credits for c in found.counted] == [5, 1, 5] and "cap of 6" in found.counted[1].note


def test_required_skills_left_uncovered_are_named() -> None:
    rules = Rules.model_validate({"kind": "open", "total_credits": 5, "required_skills": [OTHER_SKILL]})
    without = service.progress(rules, [holding("no skills")], today=TODAY)
    assert without.missing_skills == [OTHER_SKILL] and not without.eligible
    with_it = service.progress(rules, [holding("skills", skills=frozenset({OTHER_SKILL}))], today=TODAY)
    assert with_it.missing_skills == [] and with_it.eligible


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
    assert refused.status_code == 422 and "min_level (7) is above max_level (3)" in refused.text
    assert [p["title"] for p in client.get("/api/orgs/a/pathways", headers=educator).json()] == [body["title"]]

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    answer = client.get(f"/api/me/pathways/{made.json()['id']}/progress")
    assert answer.status_code == 200, answer.text
    progress = answer.json()["progress"]
    assert [c["title"] for c in progress["counted"]] == ["Digital content for teams"]
    assert Decimal(progress["credits"]) == 5 and progress["missing_skills"] == [] and progress["eligible"] is False
    assert client.get(f"/api/me/pathways/{uuid.uuid4()}/progress").status_code == 404


def test_validity_is_counted_back_from_29_february() -> None:
    """A year before 29 February 2028 is 28 February 2027, not a crash."""
    rules = Rules.model_validate({"kind": "open", "total_credits": 10, "validity_years": 1})
    leap_day = date(2028, 2, 29)
    found = service.progress(
        rules,
        [holding("Just in time", awarded=date(2027, 2, 28)), holding("Too old", awarded=date(2027, 2, 27))],
        today=leap_day,
    )
    assert [c.title for c in found.counted] == ["Just in time"]
    assert dict(found.not_counted)["Too old"] == "it was awarded on 2027-02-27, more than 1 years ago"


@pytest.mark.parametrize("stated", ["NaN", "Infinity", "-Infinity", 1e9, -5, "1e30", "5.555", True, {"value": 5}])
def test_credits_a_credential_states_are_kept_only_when_sane(stated: object) -> None:
    """A crafted credential's credits are read as none (not counted: "it gives no credits"), never as a number
    that breaks the sums or overflows the database."""
    document = {"credentialSubject": {"achievement": {"name": "Crafted", "creditsAvailable": stated}}}
    read = service.held(document, checks.Report("open-badge"))
    assert read.credits is None
    rules = Rules.model_validate({"kind": "open", "total_credits": 10})
    found = service.progress(rules, [replace(read, valid=True, trusted=True)], today=TODAY)
    assert found.not_counted == [("Crafted", "it gives no credits")] and found.credits == 0


def test_a_pathway_names_only_micro_credentials_in_the_catalogue(database: Database, world: World) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        listed, withdrawn = (published(db, world, title=title) for title in ("Listed", "Withdrawn later"))
        draft = design.create(
            db, Actor.operator(), db.merge(world.orgs["b"]), design.parse_content({"title": "B's secret draft"})
        ).id
        for unlisted in (draft, uuid.uuid4()):
            with pytest.raises(InvalidInput, match="in the catalogue \\(published, not withdrawn\\)") as refused:
                service.create(
                    db,
                    Actor.operator(),
                    organisation,
                    title="Towards a certificate",
                    qualification="Certificate",
                    rules={"kind": "elective", "total_credits": 10, "approved": [str(listed), str(unlisted)]},
                )
            assert refused.value.code == "unknown_specification" and "secret" not in refused.value.detail
        rules = {"kind": "elective", "total_credits": 10, "approved": [str(listed), str(withdrawn)]}
        pathway = service.create(
            db, Actor.operator(), organisation, title="Towards a certificate", qualification="Certificate", rules=rules
        )
        design.withdraw(db, Actor.operator(), organisation, withdrawn)
        # An edit keeps a micro-credential the pathway already named, though withdrawn since; it adds no new one.
        changed = service.update(
            db, Actor.operator(), organisation, pathway.id, title="Renamed", qualification="Certificate", rules=rules
        )
        assert changed.title == "Renamed"
        with pytest.raises(InvalidInput, match="in the catalogue"):
            service.update(
                db,
                Actor.operator(),
                organisation,
                pathway.id,
                title="Renamed",
                qualification="Certificate",
                rules={**rules, "approved": [str(listed), str(withdrawn), str(draft)]},
            )


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
