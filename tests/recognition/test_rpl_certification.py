"""Certification of an RPL case and the other ways it ends: the credential issued once, claimed only by
the learner through a link they make; withdrawn by the learner, closed as not passed by the owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microcred.config import Settings
from microcred.errors import Conflict, Forbidden
from microcred.issuing import claims
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl, rpl_assessment, rpl_certification
from microcred.recognition.models import RplClosure, RplState
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import World
from tests.recognition.test_rpl import ASSESSED, certified_case, person
from tests.recognition.test_rpl_assessment import documented


def test_certifying_makes_no_claim_link_only_the_learner_does(
    database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        issued = db.get_one(IssuedCredential, case.credential_id)
        assert issued.claim_hash is None and issued.claim_expires_at is None
        officer = person(db, world, "a_recognition_officer")
        with pytest.raises(Forbidden, match="Only the learner claims the credential of their case"):
            rpl_certification.learner_claim_link(db, officer, case, base_url=settings.base_url)
        url, _expires = rpl_certification.learner_claim_link(
            db, person(db, world, "a_learner"), case, base_url=settings.base_url
        )
        assert claims.open_link(db, url.rsplit("/", 1)[1]).id == issued.id


def test_a_certified_case_is_finished_and_its_credential_claimed_once(
    database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
        organisation = db.merge(world.orgs["a"])
        assert case.state == RplState.CERTIFIED and not rpl_certification.in_wallet(db, case)
        with pytest.raises(Conflict, match="This case is finished: the credential was issued"):
            rpl_certification.certify(db, officer, organisation, case, base_url=settings.base_url, master=b"\0" * 32)
        with pytest.raises(Conflict, match="This case is finished"):
            rpl_certification.withdraw(db, learner, case, "Too late to change my mind.")

        url, expires = rpl_certification.learner_claim_link(db, learner, case, base_url=settings.base_url)
        assert "/claim/" in url and expires > datetime.now(UTC)
        held = wallet.claim(db, db.merge(world.users["a_learner"]), url.rsplit("/", 1)[1])
        assert held.issued_credential_id == case.credential_id and rpl_certification.in_wallet(db, case)
        with pytest.raises(Conflict, match="already in a wallet"):
            rpl_certification.learner_claim_link(db, learner, case, base_url=settings.base_url)


def test_the_owner_closes_only_after_an_assessment_that_did_not_pass_and_the_learner_withdraws(
    database: Database, world: World
) -> None:
    with database.session() as db:
        case, officer = documented(db, world)
        learner = person(db, world, "a_learner")
        with pytest.raises(Conflict, match="none is recorded yet"):
            rpl_certification.close_not_passed(db, officer, case, "Not enough evidence.")
        rpl.advance(db, learner, case, "assessment")
        rpl_assessment.record_assessment(db, officer, case, ASSESSED)
        with pytest.raises(Conflict, match="this one passed: certify it"):
            rpl_certification.close_not_passed(db, officer, case, "Not enough evidence.")
        with pytest.raises(Forbidden, match="The learner cannot close the case in their own case"):
            rpl_certification.close_not_passed(db, learner, case, "I would rather stop.")
        with pytest.raises(Conflict, match="no credential to claim yet: the case is at assessment"):
            rpl_certification.learner_claim_link(db, learner, case, base_url="http://x.test")

        rpl_certification.withdraw(db, learner, case, "  I will take the course instead.  ")
        assert case.state == RplState.CLOSED and case.closure == RplClosure.WITHDRAWN
        assert case.closed_reason == "I will take the course instead." and case.assessment_ended_at is not None
        assert case.closed_by == learner.user.id  # type: ignore[union-attr]
        with pytest.raises(
            Conflict, match=r"This case is closed \(withdrawn by the learner\): nothing more can change"
        ):
            rpl_certification.close_not_passed(db, officer, case, "Not enough evidence.")
