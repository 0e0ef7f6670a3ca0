"""A world with something on every page, made through the real services: organisation A provides and recognises,
B provides a credential that A's learner brings along. `seed` returns the ids that the pages' addresses need."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from microcred.accounts import members, tokens
from microcred.accounts import service as accounts
from microcred.accounts.models import Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import batch, claims, credentials, documents, keys, seals, status
from microcred.issuing.models import IssuedCredential
from microcred.issuing.sources import verify_here
from microcred.pathways import service as pathways
from microcred.quality import service as quality
from microcred.recognition import agreements, rpl, rpl_evidence
from microcred.recognition import cases as recognition
from microcred.recognition.models import Criterion, Judgement
from microcred.skills import cohorts
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from microcred.taxonomy import search
from microcred.wallet import service as wallet
from tests import pki
from tests.conftest import World
from tests.design.fixtures import OTHER_SKILL, SKILL, annex_i_minimum, full

OPERATOR = Actor.operator()
DIRECTOR = "00030d09-2b3a-4efd-87cc-c4ea39d27c34"  # ESCO's technical director
PYTHON = "ccd0a1d9-afda-43d9-b901-96344886e14d"  # ESCO's Python (computer programming)
PLATFORM_ADMIN = "platform@ops.example"
LEARNER = "learner@a.example"


@dataclass(frozen=True)
class Seeded:
    """The ids and secrets of what `seed` made."""

    spec: uuid.UUID  # A's published micro-credential with every element: issued, in a pathway, an RPL case's
    second_spec: uuid.UUID  # A's other published one: issued with a live claim link, open for an RPL request
    draft: uuid.UUID
    credential: uuid.UUID  # of the second spec, to A's learner, its claim link live
    revoked: uuid.UUID
    claim_token: str
    wallet_item: uuid.UUID  # A's learner's credential of the first spec
    share_token: str
    run: uuid.UUID
    cohort: uuid.UUID
    cohort_code: str
    learner: uuid.UUID
    experience: uuid.UUID
    pathway: uuid.UUID
    recognition_case: uuid.UUID
    rpl_case: uuid.UUID
    setup_token: str


def _user(db: Session, world: World, key: str) -> User:
    return db.merge(world.users[key])


def _person(db: Session, world: World, key: str) -> Actor:
    return Actor.person(_user(db, world, key))


def _published(db: Session, actor: Actor, slug: str, content: SpecificationContent) -> uuid.UUID:
    organisation = accounts.organisation_by_slug(db, slug)
    spec = design.create(db, actor, organisation, content)
    design.publish(db, actor, organisation, spec.id)
    return spec.id


def _issue(
    db: Session, slug: str, spec_id: uuid.UUID, name: str, grade: str | None, base_url: str, master: bytes
) -> IssuedCredential:
    return credentials.issue_edition(
        db,
        OPERATOR,
        accounts.organisation_by_slug(db, slug),
        spec_id,
        1,
        documents.Learner(name=name, email=LEARNER),
        documents.Result(awarded=date.today() - timedelta(days=30), grade=grade),
        base_url=base_url,
        master=master,
    )


def _claimed(db: Session, world: World, slug: str, row: IssuedCredential, base_url: str) -> uuid.UUID:
    organisation = accounts.organisation_by_slug(db, slug)
    link, _expires = claims.new_link(db, OPERATOR, organisation, row.id, base_url=base_url)
    return wallet.claim(db, _user(db, world, "a_learner"), link.rsplit("/", 1)[1]).id


def seed(database: Database, world: World, settings: Settings, base_url: str) -> Seeded:
    """Everything, committed: the pages are read by the live server's own sessions."""
    master = keys.master_key(settings.resolved_master_key())
    with database.session() as db:
        a, b = (accounts.organisation_by_slug(db, slug) for slug in ("a", "b"))
        admin, _password = accounts.create_user(
            db, OPERATOR, email=PLATFORM_ADMIN, display_name="Platform operator", platform_admin=True
        )
        admin.must_change_password = False
        world.passwords[PLATFORM_ADMIN] = _password
        educator = _person(db, world, "a_educator")

        # A seals its credentials (a test CA's certificate), so the verifier shows both forms of each.
        seals.import_pkcs12(db, _person(db, world, "a_org_admin"), a, pki.seal_p12(pki.CA()), "secret", master)

        # Micro-credentials: one with every element, one with the Annex I minimum, a draft; and B's.
        spec = _published(db, educator, "a", full())
        second = _published(
            db,
            educator,
            "a",
            SpecificationContent.model_validate(
                annex_i_minimum(
                    learning_outcomes=[
                        {"text": "Develop digital content for a team's project", "skills": [OTHER_SKILL]},
                        {"text": "Stimulate creativity in a team's workshops", "skills": [SKILL]},
                    ],
                    credits={"value": "5", "system": "ECTS"},
                    workload_hours="125",
                )
            ),
        )
        draft = design.create(
            db, educator, a, design.parse_content({"title": "Team leadership (draft)", "eqf_level": 5})
        ).id
        theirs = _published(
            db,
            OPERATOR,
            "b",
            SpecificationContent.model_validate(
                annex_i_minimum(title="Facilitating online workshops", credits={"value": "4", "system": "ECTS"})
            ),
        )

        # Issued: held in the learner's wallet and shared; one waiting to be claimed; one revoked; B's, held too.
        held = _issue(db, "a", spec, "Lena Learner", "Distinction", base_url, master)
        item = _claimed(db, world, "a", held, base_url)
        share_token, _link = wallet.share(db, _user(db, world, "a_learner"), item, days=30, hidden=["Grade"])
        quality.learner_feedback(
            db, _user(db, world, "a_learner"), item, satisfaction=4, comment="Practical, and the project helped."
        )
        waiting = _issue(db, "a", second, "Lena Learner", None, base_url, master)
        claim_link, _expires = claims.new_link(db, OPERATOR, a, waiting.id, base_url=base_url)
        revoked = _issue(db, "a", second, "Lena Learner", "Pass", base_url, master)
        status.change(
            db, OPERATOR, a, f"urn:uuid:{revoked.id}", purpose="revocation", value=True, reason="Issued by mistake."
        )
        brought = _claimed(db, world, "b", _issue(db, "b", theirs, "Lena Learner", "Merit", base_url, master), base_url)
        quality.record_enrolment(db, educator, a, spec, edition=1, period="Spring 2026", enrolled=24)

        # The learner's profile, in a cohort that shares it.
        learner = _user(db, world, "a_learner")
        job = skills.add_experience(
            db,
            learner,
            kind=ExperienceKind.JOB,
            title="Community manager",
            organisation="Harbour Food Bank",
            description="Wrote the team's posts and ran the volunteers' creative workshops.",
            started_on=date(2023, 2, 1),
        )
        skills.set_skill(db, learner, job.id, OTHER_SKILL, 4)
        skills.set_skill(db, learner, job.id, SKILL, 3)
        cohort = cohorts.create_cohort(db, educator, a, name="Spring 2026 evening class", description="Tuesdays.")
        cohorts.join_cohort(db, learner, cohort.access_code, share_experiences=True)

        # A pathway of A's two micro-credentials; an agreement with B; the learner asks A to recognise B's, twice.
        pathway = pathways.create(
            db,
            educator,
            a,
            title="Certificate in Digital Teamwork",
            qualification="Certificate in Digital Teamwork (EQF 6)",
            rules=_rules(spec, second),
        ).id
        officer = _person(db, world, "a_recognition_officer")
        agreement = agreements.propose(
            db,
            _person(db, world, "a_org_admin"),
            a,
            title="Alpha–Beta credit exchange",
            parties=["b"],
            specifications=[theirs],
            pathways=[pathway],
            min_grade="Pass",
            validity_years=5,
        )
        agreements.accept(db, _person(db, world, "b_org_admin"), b, agreement.id)
        asked = {
            "wallet_id": brought,
            "organisation": a,
            "verify": lambda document: verify_here(db, document, base_url=base_url, master=master),
            "base_url": base_url,
        }
        # Towards the pathway the agreement decides it at once; on its own, it waits for the officer.
        recognition.ask(db, Actor.person(learner), learner, pathway_id=pathway, **asked)
        case = recognition.ask(db, Actor.person(learner), learner, pathway_id=None, **asked)
        recognition.assess(
            db, officer, a, case.id, {Criterion.LEVEL: (Judgement.MET, "EQF 6 on both sides, as the agreement says.")}
        )

        # A prior-learning case of the learner's, documented and waiting for its assessment.
        prior = rpl.open_by_learner(db, Actor.person(learner), spec)
        rpl.assign_owner(db, officer, a, prior)
        rpl.advance(db, Actor.person(learner), prior, "documentation")
        rpl_evidence.add_evidence(
            db,
            Actor.person(learner),
            prior,
            filename="statement.txt",
            data=b"I analysed the food bank's donations data every month for two years.\n",
            note="What I did and how",
            outcomes=[1],
        )
        rpl.advance(db, Actor.person(learner), prior, "assessment")

        # People: an educator's API token, an account waiting to be set up, the learner invited by B.
        tokens.create_api_token(
            db, educator, a, owner=_user(db, world, "a_educator"), role=Role.EDUCATOR, name="Timetable sync"
        )
        _added, setup_token = members.add_member(
            db, _person(db, world, "a_org_admin"), a, email="new.educator@a.example", role=Role.EDUCATOR
        )
        members.add_member(db, _person(db, world, "b_org_admin"), b, email=LEARNER, role=Role.EDUCATOR)
        assert setup_token is not None

        # A run of three learners, queued here and issued below (a run is issued after its request commits).
        rows = batch.parse(
            b"name,email,awarded,grade\n"
            + b"".join(f"Learner {n},learner{n}@example.org,2026-05-0{n},Pass\n".encode() for n in range(1, 4)),
            spec_id=spec,
            edition=1,
        )
        run = batch.start(db, educator, a, spec, 1, rows).id
        seeded = Seeded(
            spec=spec,
            second_spec=second,
            draft=draft,
            credential=waiting.id,
            revoked=revoked.id,
            claim_token=claim_link.rsplit("/", 1)[1],
            wallet_item=item,
            share_token=share_token,
            run=run,
            cohort=cohort.id,
            cohort_code=cohort.access_code,
            learner=learner.id,
            experience=job.id,
            pathway=pathway,
            recognition_case=case.id,
            rpl_case=prior.id,
            setup_token=setup_token,
        )
    batch.execute(database, run, base_url=base_url, master=master, tsa_url=None)
    with database.session() as db:  # the search indexes, built once per process: no page waits for them
        search.search_skills(db, "teamwork", 1)
        search.search_occupations(db, "teacher", 1)
    return seeded


def _rules(*specs: uuid.UUID) -> dict[str, Any]:
    return {
        "kind": "fixed",
        "total_credits": Decimal("7.5"),
        "sequence": [str(s) for s in specs],
        "min_level": 5,
        "required_skills": [OTHER_SKILL],
        "rpl_cap_credits": Decimal("2.5"),
    }
