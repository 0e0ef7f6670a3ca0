"""Credit-exchange agreements between organisations, and the free electives of a programme.

An agreement: two or more organisations agree that credentials of the listed specifications (published ones of
the parties) count for the listed programmes (pathways of the parties), when the grade reaches a minimum (if
one is set) and the credential was awarded within a number of years. One party proposes (its acceptance is
the proposal), every other party's organisation admin accepts; only then is it in force. Any party can end
it; decisions already taken under it stand.

Grades are free text on credentials, so a minimum compares only with a grade of the same kind:
- a share of the maximum: a percentage ("65%") or a fraction ("13/20", "6.5 out of 10"), compared as shares;
- a bare number ("7.5"), on a scale nobody named: compared only with another bare number;
- a word of an ordered scale: fail < pass < merit < distinction; fail < pass < credit < distinction < high
  distinction; the ECTS grades F < FX < E < D < C < B < A. Two words compare when one scale holds both.
Anything else (a grade on another scale, "good", a number against a percentage) cannot be compared: such a
case is left to the officer, saying why. A minimum grade that is none of these is refused when proposed.

Free electives: a programme accepts any credential from a trusted, accredited issuer (the verifier's
ACCREDITATION check OK) up to a number of credits per learner; decisions.py uses the allowance.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design.documents import decimal_text
from microcred.design.models import CatalogueEntry, Edition, Specification
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.inputs import credits as checked_credits
from microcred.inputs import single_line
from microcred.pathways import service
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules, years_before
from microcred.recognition.models import (
    AgreementParty,
    AgreementPathway,
    AgreementSpecification,
    AgreementState,
    CreditAgreement,
    FreeElectives,
)
from microcred.store.base import utcnow

MAX_VALIDITY_YEARS = 50
MAX_PARTIES = 20
MAX_LISTED = 200

# Grades ---------------------------------------------------------------------------------------------------

SCALES: tuple[tuple[str, ...], ...] = (
    ("fail", "pass", "merit", "distinction"),
    ("fail", "pass", "credit", "distinction", "high distinction"),
    ("f", "fx", "e", "d", "c", "b", "a"),  # the ECTS grading scale
)
_WORDS = {word for scale in SCALES for word in scale}
_NUMBER = r"\d{1,6}(?:[.,]\d{1,4})?"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%$")
_FRACTION = re.compile(rf"^({_NUMBER})\s*(?:/|out of|of)\s*({_NUMBER})$")
_BARE = re.compile(rf"^{_NUMBER}$")
UNDERSTOOD = (
    "a percentage (60%), a fraction (12/20), a number, or a grade of a known scale "
    "(pass, merit, distinction; pass, credit, distinction, high distinction; ECTS A to F)"
)


@dataclass(frozen=True)
class Grade:
    """A grade read from free text: a share of the maximum, a bare number, or a word of an ordered scale."""

    text: str
    kind: str  # "share", "number" or "word"
    value: Decimal = Decimal(0)
    word: str = ""


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def read_grade(text: str | None) -> Grade | None:
    """The grade `text` states, or None when it is none of the kinds we compare."""
    cleaned = " ".join((text or "").lower().split()).removeprefix("with ")
    if not cleaned:
        return None
    try:
        if found := _PERCENT.match(cleaned):
            share = _decimal(found.group(1)) / 100
            return Grade(text or "", "share", share) if share <= 1 else None
        if found := _FRACTION.match(cleaned):
            top, bottom = _decimal(found.group(1)), _decimal(found.group(2))
            return Grade(text or "", "share", top / bottom) if bottom > 0 and top <= bottom else None
        if _BARE.match(cleaned):
            return Grade(text or "", "number", _decimal(cleaned))
    except InvalidOperation:
        return None
    return Grade(text or "", "word", word=cleaned) if cleaned in _WORDS else None


def reaches(grade: str | None, minimum: str) -> tuple[bool | None, str]:
    """Whether `grade` reaches `minimum`: (True or False, the sentence), or (None, why they cannot be compared)."""
    wanted = read_grade(minimum)
    assert wanted is not None, "minimum grades are checked when an agreement is proposed"
    if not (grade or "").strip():
        return None, "the credential states no grade, and the agreement asks for at least " + repr(minimum)
    found = read_grade(grade)
    if found is None:
        return None, f"the grade {grade!r} is not one we can compare with the minimum {minimum!r}"
    if found.kind != wanted.kind:
        kinds = {"share": "a share of the maximum", "number": "a number on an unnamed scale", "word": "a word"}
        return None, (
            f"the grade {grade!r} is {kinds[found.kind]} and the minimum {minimum!r} {kinds[wanted.kind]}: "
            "they cannot be compared"
        )
    if found.kind == "word":
        scale = next((s for s in SCALES if found.word in s and wanted.word in s), None)
        if scale is None:
            return None, f"the grade {grade!r} and the minimum {minimum!r} belong to different scales"
        ok = scale.index(found.word) >= scale.index(wanted.word)
    else:
        ok = found.value >= wanted.value
    return ok, f"its grade {grade!r} {'reaches' if ok else 'is below'} the minimum {minimum!r}"


# Agreements -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    organisation: Organisation
    accepted_at: datetime | None  # None until it accepts


@dataclass(frozen=True)
class Described:
    """An agreement with its parties, specifications and programmes, as pages and the API show it."""

    agreement: CreditAgreement
    parties: list[Party]
    specifications: list[tuple[uuid.UUID, str, str]]  # id, title, provider
    pathways: list[tuple[uuid.UUID, str, str]]  # id, title, organisation


def propose(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    title: str,
    parties: list[str],
    specifications: list[uuid.UUID],
    pathways: list[uuid.UUID],
    min_grade: str | None,
    validity_years: int,
) -> CreditAgreement:
    """A proposed agreement, accepted by the proposing organisation, waiting for the other parties."""
    title = single_line(title, field="title", min_length=3, max_length=300, code="invalid_agreement")
    if not 1 <= validity_years <= MAX_VALIDITY_YEARS:
        raise InvalidInput(
            f"validity_years must be 1 to {MAX_VALIDITY_YEARS}: a credential is valid for at least a year under "
            "an agreement.",
            code="invalid_agreement",
        )
    minimum = " ".join((min_grade or "").split()) or None
    if minimum is not None and (len(minimum) > 50 or read_grade(minimum) is None):
        raise InvalidInput(
            f"The minimum grade {minimum[:50]!r} is not understood: use {UNDERSTOOD}.", code="invalid_agreement"
        )
    members = {organisation.id: organisation}
    for slug in parties[:MAX_PARTIES]:
        other = accounts.organisation_by_slug(db, slug.strip())  # NotFound names an unknown slug
        members[other.id] = other
    if len(members) < 2:
        raise InvalidInput("An agreement needs at least one other organisation as a party.", code="invalid_agreement")
    if len(parties) > MAX_PARTIES or len(specifications) > MAX_LISTED or len(pathways) > MAX_LISTED:
        raise InvalidInput(
            f"An agreement has at most {MAX_PARTIES} parties and {MAX_LISTED} specifications and programmes.",
            code="invalid_agreement",
        )
    if not specifications or not pathways:
        raise InvalidInput(
            "An agreement names at least one specification and one programme it counts for.", code="invalid_agreement"
        )
    _check_specifications(db, set(specifications), members)
    _check_pathways(db, set(pathways), members)
    agreement = CreditAgreement(
        title=title,
        proposed_by=organisation.id,
        min_grade=minimum,
        validity_years=validity_years,
        state=AgreementState.PROPOSED,
    )
    db.add(agreement)
    db.flush()
    now = utcnow()
    for member in members.values():
        mine = member.id == organisation.id
        db.add(
            AgreementParty(
                agreement_id=agreement.id,
                organisation_id=member.id,
                accepted_at=now if mine else None,
                accepted_by=actor.user.id if mine and actor.user else None,
            )
        )
    db.add_all(AgreementSpecification(agreement_id=agreement.id, specification_id=s) for s in set(specifications))
    db.add_all(AgreementPathway(agreement_id=agreement.id, pathway_id=p) for p in set(pathways))
    db.flush()
    names = ", ".join(sorted(m.legal_name[:60] for m in members.values()))
    for member in members.values():
        audit.record(
            db,
            actor,
            "agreement.proposed",
            object_type="credit_agreement",
            object_id=agreement.id,
            organisation=member,
            summary=f"Credit-exchange agreement {title[:100]} proposed by {organisation.legal_name[:100]} to {names}",
        )
    return agreement


def _check_specifications(db: Session, wanted: set[uuid.UUID], members: dict[uuid.UUID, Organisation]) -> None:
    published = exists().where(Edition.specification_id == Specification.id)
    rows = db.execute(
        select(Specification.id, Specification.organisation_id, Specification.withdrawn_at, published).where(
            Specification.id.in_(wanted)
        )
    ).all()
    found = {spec_id: (owner, withdrawn, is_published) for spec_id, owner, withdrawn, is_published in rows}
    for spec_id in sorted(wanted, key=str):
        if spec_id not in found or found[spec_id][0] not in members:
            raise InvalidInput(
                f"The specification {spec_id} is not one of the parties' micro-credentials.", code="invalid_agreement"
            )
        if found[spec_id][1] is not None or not found[spec_id][2]:
            raise InvalidInput(
                f"The specification {spec_id} is not published (or was withdrawn): only published micro-credentials "
                "can be agreed on.",
                code="invalid_agreement",
            )


def _check_pathways(db: Session, wanted: set[uuid.UUID], members: dict[uuid.UUID, Organisation]) -> None:
    owners = {
        pathway_id: owner
        for pathway_id, owner in db.execute(select(Pathway.id, Pathway.organisation_id).where(Pathway.id.in_(wanted)))
    }
    for pathway_id in sorted(wanted, key=str):
        if owners.get(pathway_id) not in members:
            raise InvalidInput(
                f"The programme {pathway_id} is not a pathway of one of the parties.", code="invalid_agreement"
            )


def of_organisation(db: Session, organisation: Organisation) -> list[CreditAgreement]:
    """The agreements the organisation is a party to, newest first."""
    return list(
        db.scalars(
            select(CreditAgreement)
            .join(AgreementParty, AgreementParty.agreement_id == CreditAgreement.id)
            .where(AgreementParty.organisation_id == organisation.id)
            .order_by(CreditAgreement.proposed_at.desc())
        )
    )


def find(db: Session, organisation: Organisation, agreement_id: uuid.UUID, *, lock: bool = False) -> CreditAgreement:
    """An agreement the organisation is a party to; any other is NotFound, as if it did not exist. `lock` holds
    its row until the transaction ends, so that parties changing it at once take turns."""
    agreement = db.get(CreditAgreement, agreement_id, with_for_update=True if lock else None, populate_existing=lock)
    if agreement is None or db.get(AgreementParty, (agreement_id, organisation.id)) is None:
        raise NotFound("There is no such agreement for this organisation.", code="agreement_not_found")
    return agreement


def describe(db: Session, agreement: CreditAgreement) -> Described:
    """The agreement with its parties (and who accepted), specifications and programmes, named."""
    [described] = describe_all(db, [agreement])
    return described


def describe_all(db: Session, agreements: list[CreditAgreement]) -> list[Described]:
    """`describe` of each agreement, in three queries whatever their number."""
    ids = [agreement.id for agreement in agreements]
    parties: dict[uuid.UUID, list[Party]] = {}
    for agreement_id, organisation, accepted_at in db.execute(
        select(AgreementParty.agreement_id, Organisation, AgreementParty.accepted_at)
        .join(AgreementParty, AgreementParty.organisation_id == Organisation.id)
        .where(AgreementParty.agreement_id.in_(ids))
        .order_by(Organisation.legal_name)
    ):
        parties.setdefault(agreement_id, []).append(Party(organisation, accepted_at))
    specifications: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
    for agreement_id, spec_id, title, provider in db.execute(
        select(AgreementSpecification.agreement_id, Specification.id, Specification.title, Organisation.legal_name)
        .join(AgreementSpecification, AgreementSpecification.specification_id == Specification.id)
        .join(Organisation, Organisation.id == Specification.organisation_id)
        .where(AgreementSpecification.agreement_id.in_(ids))
        .order_by(Specification.title)
    ):
        specifications.setdefault(agreement_id, []).append((spec_id, title or "Untitled", provider))
    pathways: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
    for agreement_id, pathway_id, title, owner in db.execute(
        select(AgreementPathway.agreement_id, Pathway.id, Pathway.title, Organisation.legal_name)
        .join(AgreementPathway, AgreementPathway.pathway_id == Pathway.id)
        .join(Organisation, Organisation.id == Pathway.organisation_id)
        .where(AgreementPathway.agreement_id.in_(ids))
        .order_by(Pathway.title)
    ):
        pathways.setdefault(agreement_id, []).append((pathway_id, title, owner))
    return [
        Described(a, parties.get(a.id, []), specifications.get(a.id, []), pathways.get(a.id, [])) for a in agreements
    ]


def agreeable_specifications(db: Session) -> list[tuple[uuid.UUID, str, str]]:
    """Every micro-credential in the catalogue (published, not withdrawn): id, title, provider, by provider."""
    return [
        (spec_id, title, provider)
        for spec_id, title, provider in db.execute(
            select(CatalogueEntry.specification_id, CatalogueEntry.title, Organisation.legal_name)
            .join(Organisation, Organisation.id == CatalogueEntry.organisation_id)
            .order_by(Organisation.legal_name, CatalogueEntry.title)
        )
    ]


def accept(db: Session, actor: Actor, organisation: Organisation, agreement_id: uuid.UUID) -> CreditAgreement:
    """The organisation's acceptance; the last party's puts the agreement in force. The agreement's row is locked
    first: two last parties accepting at once would otherwise each see the other still waiting."""
    agreement = find(db, organisation, agreement_id, lock=True)
    if agreement.state != AgreementState.PROPOSED:
        raise Conflict(f"This agreement is {agreement.state.label.lower()}: there is nothing to accept.")
    party = db.get(AgreementParty, (agreement.id, organisation.id))
    assert party is not None
    if party.accepted_at is not None:
        raise Conflict("Your organisation has already accepted this agreement.", code="already_accepted")
    party.accepted_at = utcnow()
    party.accepted_by = actor.user.id if actor.user else None
    db.flush()
    waiting = db.scalar(
        select(AgreementParty.organisation_id)
        .where(AgreementParty.agreement_id == agreement.id, AgreementParty.accepted_at.is_(None))
        .limit(1)
    )
    if waiting is None:
        agreement.state, agreement.in_force_at = AgreementState.IN_FORCE, party.accepted_at
    audit.record(
        db,
        actor,
        "agreement.accepted",
        object_type="credit_agreement",
        object_id=agreement.id,
        organisation=organisation,
        summary=f"Accepted the agreement {agreement.title[:100]}"
        + (": it is in force" if waiting is None else ", waiting for the other parties"),
    )
    return agreement


def end(db: Session, actor: Actor, organisation: Organisation, agreement_id: uuid.UUID) -> CreditAgreement:
    """End the agreement (or withdraw the proposal) for every party; decisions taken under it stand."""
    agreement = find(db, organisation, agreement_id)
    if agreement.state == AgreementState.ENDED:
        raise Conflict("This agreement has already ended.", code="agreement_ended")
    agreement.state, agreement.ended_at, agreement.ended_by = AgreementState.ENDED, utcnow(), organisation.id
    db.flush()
    audit.record(
        db,
        actor,
        "agreement.ended",
        object_type="credit_agreement",
        object_id=agreement.id,
        organisation=organisation,
        summary=f"Ended the agreement {agreement.title[:100]}",
    )
    return agreement


def covering(
    db: Session, organisation: Organisation, pathway_id: uuid.UUID, specification_id: uuid.UUID
) -> list[CreditAgreement]:
    """Agreements in force, with the organisation as a party, that count the specification for the programme."""
    return list(
        db.scalars(
            select(CreditAgreement)
            .join(AgreementParty, AgreementParty.agreement_id == CreditAgreement.id)
            .join(AgreementSpecification, AgreementSpecification.agreement_id == CreditAgreement.id)
            .join(AgreementPathway, AgreementPathway.agreement_id == CreditAgreement.id)
            .where(
                CreditAgreement.state == AgreementState.IN_FORCE,
                AgreementParty.organisation_id == organisation.id,
                AgreementSpecification.specification_id == specification_id,
                AgreementPathway.pathway_id == pathway_id,
            )
            .order_by(CreditAgreement.in_force_at)
        )
    )


def unmet(agreement: CreditAgreement, *, grade: str | None, awarded: date | None, today: date) -> str | None:
    """Why a credential does not meet the agreement's conditions (or cannot be shown to), or None when it does."""
    if agreement.min_grade is not None:
        ok, sentence = reaches(grade, agreement.min_grade)
        if not ok:
            return sentence
    if awarded is None:
        return "the credential states no award date, so its validity under the agreement cannot be checked"
    if awarded < years_before(today, agreement.validity_years):
        return f"it was awarded on {awarded}, more than the agreement's {agreement.validity_years} years ago"
    return None


# Free electives -------------------------------------------------------------------------------------------


def set_free_electives(
    db: Session, actor: Actor, organisation: Organisation, pathway_id: uuid.UUID, credits: Decimal | str
) -> FreeElectives | None:
    """The programme's free-elective allowance (0 or none removes it); never above the programme's cap on
    recognised credits, which it could never reach."""
    pathway = service.of(db, organisation, pathway_id)
    credits = checked_credits(credits, code="invalid_free_electives") or Decimal(0)
    cap = recognition_cap(Rules.model_validate(pathway.rules))
    if credits > cap:
        raise InvalidInput(
            f"A free-elective allowance of {decimal_text(credits)} credits is above the programme's cap of "
            f"{decimal_text(cap)} credits on what recognition may give: it could never be used.",
            code="invalid_free_electives",
        )
    row = db.get(FreeElectives, pathway.id)
    if credits == 0:
        if row is not None:
            db.delete(row)
        row = None
    elif row is None:
        row = FreeElectives(pathway_id=pathway.id, credits=credits, set_by=actor.user.id if actor.user else None)
        db.add(row)
    else:
        row.credits, row.set_by, row.set_at = credits, actor.user.id if actor.user else None, utcnow()
    db.flush()
    audit.record(
        db,
        actor,
        "pathway.free_electives",
        object_type="pathway",
        object_id=pathway.id,
        organisation=organisation,
        summary=f"Free electives of {pathway.title[:100]}: {decimal_text(credits)} credits",
    )
    return row


def free_electives_of(db: Session, organisation: Organisation, pathway_id: uuid.UUID) -> Decimal | None:
    """The free-elective allowance of one of the organisation's own programmes (another's is NotFound)."""
    return free_electives(db, service.of(db, organisation, pathway_id).id)


def free_electives(db: Session, pathway_id: uuid.UUID) -> Decimal | None:
    """The programme's free-elective allowance in credits, or None when it has none."""
    row = db.get(FreeElectives, pathway_id)
    return row.credits if row else None


def recognition_cap(rules: Rules) -> Decimal:
    """How many credits recognition may give one learner in a programme: the pathway's cap on prior learning
    when it sets one, otherwise half its total (e-VALUATE: exemptions cover at most 50% of a programme)."""
    if rules.rpl_cap_credits is not None:
        return rules.rpl_cap_credits
    return (rules.total_credits / 2).quantize(Decimal("0.01"))
