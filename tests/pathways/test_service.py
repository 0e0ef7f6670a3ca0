"""Pathways towards a qualification: a learner's progress from real credentials — what counts, what does not
and why, what is missing; never an award — the micro-credentials a pathway may name, and what the builder's
searches find to pick."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.errors import InvalidInput
from microcred.issuing import keys, seals
from microcred.pathways import service
from microcred.pathways.rules import Rules
from microcred.pathways.service import Held
from microcred.store import Database
from microcred.trust import pkix
from microcred.verify import checks
from microcred.verify.seals import Sealer
from microcred.wallet.models import WalletCredential
from tests.conftest import World
from tests.design.fixtures import OTHER_SKILL, SKILL
from tests.pathways.test_gap import (
    master_of,
    resealed_by_a_forger,
    sealed_in_the_wallet,
    sealing,
    uploaded,
    verifier,
)
from tests.pathways.test_pages import published as published_at
from tests.recognition.test_cases import published

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


def test_the_builder_finds_skills_and_listed_micro_credentials_to_pick(database: Database, world: World) -> None:
    with database.session() as db:
        listed = published_at(db, world, "Digital content for teams")
        other = published_at(db, world, "Digital content for schools", org="b")
        nothing = service.find_to_pick(db, skill_q="", spec_q="", chosen_skills=[], chosen_specs=[], hits=5)
        assert (nothing.skills, nothing.specs, nothing.problem) == (None, None, None)

        found = service.find_to_pick(
            db, skill_q="develop digital content", spec_q="digital content", chosen_skills=[], chosen_specs=[], hits=5
        )
        assert found.problem is None and found.skill_q == "develop digital content"
        assert found.skills is not None and found.skills[0].uri == OTHER_SKILL and len(found.skills) <= 5
        assert found.specs is not None
        assert {(named.id, named.title, named.provider, named.listed) for named in found.specs} == {
            (uuid.UUID(listed), "Digital content for teams", "Alpha Academy", True),
            (uuid.UUID(other), "Digital content for schools", "Beta Institute", True),
        }

        # What the form has picked already is not offered again.
        again = service.find_to_pick(
            db,
            skill_q="develop digital content",
            spec_q="digital content",
            chosen_skills=[OTHER_SKILL, SKILL],
            chosen_specs=[listed],
            hits=1,
        )
        assert again.skills is not None and len(again.skills) == 1 and again.skills[0].uri not in (OTHER_SKILL, SKILL)
        assert again.specs is not None and [named.id for named in again.specs] == [uuid.UUID(other)]

        refused = service.find_to_pick(
            db, skill_q="bad\x00query", spec_q="digital content", chosen_skills=[], chosen_specs=[], hits=5
        )
        assert refused.problem == "The search contains control characters." and refused.specs is None


def test_a_specification_is_named_by_its_catalogue_title_while_listed(database: Database, world: World) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        listed = uuid.UUID(published_at(db, world, "Listed title"))
        draft = design.create(db, Actor.operator(), organisation, design.parse_content({"title": "Draft only"})).id
        named = service.specifications_named(db, [listed, draft, uuid.uuid4()])
        assert set(named) == {listed, draft}
        assert (named[listed].title, named[listed].provider, named[listed].listed) == (
            "Listed title",
            "Alpha Academy",
            True,
        )
        assert (named[draft].title, named[draft].listed) == ("Draft only", False)
        design.withdraw(db, Actor.operator(), organisation, listed)
        assert service.specifications_named(db, [listed])[listed].listed is False


def test_a_sealed_credential_counts_with_its_credits_level_and_skills_and_a_forged_one_does_not(
    database: Database, world: World, settings: Settings
) -> None:
    """The wallet keeps the sealed ELM credential of an award sealed here: progress reads the payload the
    verification read (title, credits, EQF level, award date, ESCO skills) and the award it was claimed from
    (which specification it is of), and counts it only when the seal is the specification's organisation's."""
    with database.session() as db:
        sealing(db, world, settings)
        sealing(db, world, settings, "b", identifier="VATBE-0987654321")
        spec = uuid.UUID(published_at(db, world, "Sealed data skills", credits="6", level=5))
        sealed_in_the_wallet(db, world, settings, spec, awarded=date(2026, 10, 2))
        learner = db.merge(world.users["a_learner"])
        rules = Rules.model_validate(
            {
                "kind": "elective",
                "total_credits": 6,
                "approved": [str(spec)],
                "min_level": 5,
                "max_level": 6,
                "validity_years": 1,
                "required_skills": [OTHER_SKILL],
            }
        )
        [item] = service.wallet_of(db, learner, verifier(db, settings), base_url=settings.base_url)
        assert (item.title, item.specification_id, item.credits, item.level) == (
            "Sealed data skills",
            spec,
            Decimal(6),
            5,
        )
        assert item.valid and item.trusted and item.awarded == date(2026, 10, 2) and OTHER_SKILL in item.skills
        found = service.progress(rules, [item], today=TODAY)
        assert [(c.title, c.credits) for c in found.counted] == [("Sealed data skills", 6)]
        assert found.not_counted == [] and found.missing_skills == [] and found.eligible

        # Forgeries of another award of the same specification: its payload with no seal, and resealed under a
        # certificate that copies the subject of A's.
        other, claimed = sealed_in_the_wallet(db, world, settings, spec)
        assert other.elm_document is not None
        payload = json.loads(other.elm_document["payload"])
        db.delete(claimed)
        uploaded(db, world, payload)
        uploaded(db, world, resealed_by_a_forger(other.elm_document, db, world))
        # Organisation B's own valid seal over the payload made B's, put where A's award was claimed (as if the
        # wallet row were tampered with): valid and trusted, B's, so not A's specification.
        beta = db.merge(world.orgs["b"])
        as_beta = {
            **payload,
            "issuer": {
                **payload["issuer"],
                "legalName": {"en": beta.legal_name},
                "eIDASIdentifier": {**payload["issuer"]["eIDASIdentifier"], "notation": "VATBE-0987654321"},
            },
        }
        db.add(
            WalletCredential(
                user_id=learner.id,
                issued_credential_id=other.id,
                document=seals.seal(db, beta, as_beta, master=master_of(settings)),
                kind="elm",
                title="Tampered",
                issuer_name=beta.legal_name,
                source="claim",
            )
        )
        db.flush()
        holdings = service.wallet_of(db, learner, verifier(db, settings), base_url=settings.base_url)
        forged = [h for h in holdings if h != item]
        assert len(forged) == 3 and all(h.specification_id is None for h in forged)
        assert [h.valid for h in forged].count(True) == 1  # B's seal is intact and B's: it is just not A's
        found = service.progress(rules, holdings, today=TODAY)
        assert [c.title for c in found.counted] == ["Sealed data skills"] and found.credits == 6
        assert sorted(why for _title, why in found.not_counted) == [
            "it does not verify (revoked, suspended, expired or changed)",
            "it does not verify (revoked, suspended, expired or changed)",
            "it is not one of the approved micro-credentials",
        ]


def test_a_specification_counts_only_for_its_organisations_key_or_seal(
    database: Database, world: World, settings: Settings
) -> None:
    """The binding itself: the organisation's did:web, or a seal report's signer (a Sealer) that is one of its
    seal certificates; never a string a document writes, even the fingerprint of the organisation's seal."""
    with database.session() as db:
        sealing(db, world, settings)
        sealing(db, world, settings, "b", identifier="VATBE-0987654321")
        spec = uuid.UUID(published_at(db, world, "Bound"))
        certificate = {}
        for org in ("a", "b"):
            current = seals.current(db, db.merge(world.orgs[org]))
            assert current is not None
            certificate[org] = seals.chain_of(current)[0]
        sealer_of = {
            org: Sealer(pkix.fingerprint(c), c.subject.rfc4514_string(), None) for org, c in certificate.items()
        }
        base = settings.base_url
        assert service.specification_of(db, spec, keys.did_web(db.merge(world.orgs["a"]), base), base) == spec
        assert service.specification_of(db, spec, keys.did_web(db.merge(world.orgs["b"]), base), base) is None
        assert service.specification_of(db, spec, sealer_of["a"], base) == spec
        assert service.specification_of(db, spec, sealer_of["b"], base) is None
        assert service.specification_of(db, spec, str(sealer_of["a"]), base) is None  # written, not verified
        assert service.specification_of(db, uuid.uuid4(), sealer_of["a"], base) is None
