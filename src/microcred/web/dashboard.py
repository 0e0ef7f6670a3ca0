"""What the dashboard suggests: for the role in view, the next things to do, first the ones not done yet.

The dashboard is where the stages meet, so it lives in the composition root and reads each stage through its
service functions. An educator with nothing published is shown how to make a micro-credential; a learner with
an empty profile how to start it; an officer what waits for a decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from microcred.accounts.members import members
from microcred.accounts.models import Organisation, Role, User
from microcred.design import service as design
from microcred.issuing import seals
from microcred.recognition import cases, rpl
from microcred.recognition.models import RecognitionState, RplState
from microcred.skills import service as skills
from microcred.wallet import service as wallet


@dataclass(frozen=True)
class Step:
    """One suggestion: what to do, why, and where; `open` while it still waits to be done."""

    title: str
    text: str
    href: str
    action: str
    open: bool = True


def next_steps(db: Session, user: User, organisation: Organisation | None, role: Role | None) -> list[Step]:
    """The steps for this person in the organisation in view, the open ones first."""
    if organisation is None or role is None or role == Role.LEARNER:
        steps = _learner(db, user)
    else:
        steps = []
        if role in (Role.ORG_ADMIN, Role.EDUCATOR):
            steps += _educator(db, organisation)
        if role in (Role.ORG_ADMIN, Role.RECOGNITION_OFFICER):
            steps += _officer(db, organisation)
        if role == Role.ORG_ADMIN:
            steps += _admin(db, organisation)
    return sorted(steps, key=lambda step: not step.open)


def _learner(db: Session, user: User) -> list[Step]:
    held = len(wallet.held(db, user))
    experiences = len(skills.experiences(db, user))
    return [
        Step(
            "Keep your credentials",
            "Open the claim link your provider sent you, or upload a credential file, to keep it in your wallet."
            if not held
            else f"You hold {held} credential{'s' if held != 1 else ''}. Share one with an employer as a link.",
            "/wallet",
            "Go to my credentials",
            open=not held,
        ),
        Step(
            "Start your skills profile",
            "Add a job, a course, volunteering or life experience, then keep the skills you used in it.",
            "/profile/experiences/new",
            "Add an experience",
        )
        if not experiences
        else Step(
            "See where your skills lead",
            f"Your profile has {experiences} experience{'s' if experiences != 1 else ''}. "
            "See the careers that match and the micro-credentials that close the gap.",
            "/profile/careers",
            "See my career matches",
            open=False,
        ),
    ]


def _educator(db: Session, organisation: Organisation) -> list[Step]:
    base = f"/orgs/{organisation.slug}"
    specs = design.offered(db, organisation)
    overdue = design.overdue_reviews(db, organisation)
    steps = [
        Step(
            "Make your first micro-credential",
            "Describe what learners will be able to do, link it to ESCO skills, and publish it when the EU "
            "standard's checks pass.",
            f"{base}/specifications/new",
            "Make a micro-credential",
        )
        if not specs
        else Step(
            "Issue credentials",
            f"{len(specs)} published micro-credential{'s' if len(specs) != 1 else ''}. Issue one to a learner "
            "or to a whole class from a spreadsheet.",
            f"{base}/credentials",
            "Issue credentials",
            open=False,
        )
    ]
    if overdue:
        steps.append(
            Step(
                "Review what is due",
                f"{len(overdue)} micro-credential{'s are' if len(overdue) != 1 else ' is'} past its review date.",
                f"{base}/specifications",
                "Review them",
            )
        )
    return steps


def _officer(db: Session, organisation: Organisation) -> list[Step]:
    base = f"/orgs/{organisation.slug}"
    waiting = len(cases.cases_of(db, organisation, RecognitionState.OPEN)) + len(
        cases.cases_of(db, organisation, RecognitionState.APPEALED)
    )
    assessing = len(rpl.cases_of_organisation(db, organisation, RplState.ASSESSMENT))
    return [
        Step(
            "Decide recognition requests",
            f"{waiting} request{'s wait' if waiting != 1 else ' waits'} for a decision."
            if waiting
            else "No recognition request waits for a decision.",
            f"{base}/recognition",
            "Open recognition cases",
            open=bool(waiting),
        ),
        Step(
            "Assess prior learning",
            f"{assessing} RPL case{'s are' if assessing != 1 else ' is'} ready to assess."
            if assessing
            else "No RPL case waits for an assessment.",
            f"{base}/rpl",
            "Open RPL cases",
            open=bool(assessing),
        ),
    ]


def _admin(db: Session, organisation: Organisation) -> list[Step]:
    base = f"/orgs/{organisation.slug}"
    sealed = seals.current(db, organisation) is not None
    people = len(members(db, organisation))
    return [
        Step(
            "Seal credentials with your certificate",
            "Your credentials are signed with the organisation's key. Add a qualified seal certificate so "
            "European verifiers see the legal person behind them."
            if not sealed
            else "Credentials are sealed with your organisation's certificate.",
            f"{base}/signing",
            "Set up signing",
            open=not sealed,
        ),
        Step(
            "Bring in your team",
            "Invite the educators who design and issue, and the officers who decide recognition."
            if people <= 1
            else f"{people} members. Change roles or invite more people.",
            f"{base}/members",
            "Manage members",
            open=people <= 1,
        ),
    ]
