"""Recognition as JSON: cases (opened by a learner from their wallet or by an officer from a document or a
share link), the seven e-VALUATE criteria, decisions and the one appeal; credit-exchange agreements between
organisations; a programme's free electives."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation, Role, User
from microcred.design.documents import decimal_text
from microcred.errors import InvalidInput
from microcred.pathways.models import Pathway
from microcred.recognition import agreements
from microcred.recognition import cases as recognition
from microcred.recognition.models import (
    CaseSource,
    CreditAgreement,
    Criterion,
    DecisionOutcome,
    Judgement,
    RecognitionCase,
    RecognitionState,
)
from microcred.verify import checks
from microcred.verify.service import verify_here
from microcred.web.security import DB, Access, Caller, fetcher_of, master_of, settings_of

router = APIRouter(prefix="/api", tags=["recognition"])
SignedIn = Annotated[Caller, Depends(Access.signed_in())]
Officers = Annotated[Caller, Depends(Access.members(Role.RECOGNITION_OFFICER, Role.ORG_ADMIN))]
Admins = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN))]
Staff = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.EDUCATOR))]


def verifier(request: Request, db: Session) -> recognition.Verify:
    """The verification pipeline as the rest of the app runs it (our keys and lists, the app's fetcher)."""
    settings, master, fetcher = settings_of(request), master_of(request), fetcher_of(request)
    return lambda document: verify_here(db, document, base_url=settings.base_url, master=master, fetcher=fetcher)


# Shapes ------------------------------------------------------------------------------------------------------


class CaseIn(BaseModel):
    credential: dict[str, Any] | None = Field(default=None, description="The credential document, as JSON")
    share_link: str | None = Field(default=None, max_length=500, description="A share link of a wallet here")
    pathway_id: uuid.UUID | None = Field(default=None, description="The programme; none for a stand-alone request")


class AskIn(BaseModel):
    wallet_id: uuid.UUID = Field(description="The credential in my wallet")
    organisation: str = Field(max_length=64, description="The recognising organisation's slug")
    pathway_id: uuid.UUID | None = Field(default=None, description="One of its pathways; none for stand-alone")


class CriterionIn(BaseModel):
    judgement: Judgement
    comment: str = Field(default="", max_length=recognition.MAX_TEXT)


class DecisionIn(BaseModel):
    outcome: DecisionOutcome
    reasons: str = Field(default="", max_length=recognition.MAX_TEXT)
    credits: Decimal | None = Field(default=None, description="For recognised_partly: the credits recognised")


class AppealIn(BaseModel):
    grounds: str = Field(default="", max_length=recognition.MAX_TEXT)


class AgreementIn(BaseModel):
    title: str = Field(max_length=300)
    parties: list[str] = Field(description="Slugs of the other organisations", max_length=agreements.MAX_PARTIES)
    specifications: list[uuid.UUID] = Field(max_length=agreements.MAX_LISTED)
    pathways: list[uuid.UUID] = Field(description="The programmes they count for", max_length=agreements.MAX_LISTED)
    min_grade: str | None = Field(default=None, max_length=50, description=agreements.UNDERSTOOD)
    validity_years: int = Field(description="How many years after its award a credential still counts")


class FreeElectivesIn(BaseModel):
    credits: Decimal = Field(description="Credits per learner from trusted, accredited issuers; 0 removes them")


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def case_out(db: Session, case: RecognitionCase, *, for_officer: bool) -> dict[str, Any]:
    """A case as the officer (everything) or the learner (their request, its decisions and appeal) sees it."""
    organisation = db.get(Organisation, case.organisation_id)
    pathway = db.get(Pathway, case.pathway_id) if case.pathway_id else None
    appeal = recognition.appeal_of(db, case)
    out: dict[str, Any] = {
        "id": str(case.id),
        "organisation": {"slug": organisation.slug, "name": organisation.legal_name} if organisation else None,
        "pathway": {"id": str(pathway.id), "title": pathway.title} if pathway else None,
        "state": case.state.value,
        "verified": case.verified,
        "verdict": case.verdict,
        "flag": None if case.verified else f"{_flag(case.verdict)}: this case is never decided automatically.",
        "title": case.title,
        "issuer": case.issuer_name,
        "credits": _decimal(case.credits),
        "opened_at": case.opened_at.isoformat(),
        "route_note": case.route_note,
        "decisions": [
            {
                "outcome": d.outcome.value,
                "credits": _decimal(d.credits),
                "reasons": d.reasons,
                "route": d.route.value,
                "agreement_id": str(d.agreement_id) if d.agreement_id else None,
                "after_appeal": d.after_appeal,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in recognition.decisions(db, case)
        ],
        "appeal": {"grounds": appeal.grounds, "appealed_at": appeal.appealed_at.isoformat()} if appeal else None,
    }
    if not for_officer:
        out["can_appeal"] = recognition.can_appeal(case)
        return out
    limit = recognition.allowance(db, case)
    learner = db.get(User, case.learner_id) if case.learner_id and case.source == CaseSource.WALLET else None
    out |= {
        "source": case.source.value,
        "learner": {"name": learner.display_name, "email": learner.email} if learner else None,
        "hidden": case.hidden,
        "facts": [{"label": label, "value": value} for label, value in case.facts],
        "grade": case.grade,
        "awarded": case.awarded.isoformat() if case.awarded else None,
        "specification_id": str(case.specification_id) if case.specification_id else None,
        "report": case.report,
        "criteria": [
            {
                "criterion": row.criterion.value,
                "label": row.criterion.label,
                "suggestion": row.suggestion.value,
                "evidence": row.evidence,
                "judgement": row.judgement.value,
                "comment": row.comment,
                "edited_at": row.edited_at.isoformat() if row.edited_at else None,
            }
            for row in recognition.criteria(db, case)
        ],
        "allowance": (
            {"cap": _decimal(limit.cap), "used": _decimal(limit.used), "remaining": _decimal(limit.remaining)}
            if limit
            else None
        ),
    }
    return out


def agreement_out(db: Session, agreement: CreditAgreement) -> dict[str, Any]:
    return described_out(agreements.describe(db, agreement))


def described_out(described: agreements.Described) -> dict[str, Any]:
    agreement = described.agreement
    return {
        "id": str(agreement.id),
        "title": agreement.title,
        "state": agreement.state.value,
        "min_grade": agreement.min_grade,
        "validity_years": agreement.validity_years,
        "proposed_at": agreement.proposed_at.isoformat(),
        "in_force_at": agreement.in_force_at.isoformat() if agreement.in_force_at else None,
        "ended_at": agreement.ended_at.isoformat() if agreement.ended_at else None,
        "parties": [
            {
                "slug": party.organisation.slug,
                "name": party.organisation.legal_name,
                "accepted_at": party.accepted_at.isoformat() if party.accepted_at else None,
            }
            for party in described.parties
        ],
        "specifications": [
            {"id": str(spec_id), "title": title, "provider": provider}
            for spec_id, title, provider in described.specifications
        ],
        "pathways": [
            {"id": str(pathway_id), "title": title, "organisation": owner}
            for pathway_id, title, owner in described.pathways
        ],
    }


# Officers ------------------------------------------------------------------------------------------------------


@router.get("/orgs/{org}/recognition/cases", summary="The organisation's recognition cases")
def list_cases(
    org: str,
    caller: Officers,
    db: DB,
    state: Annotated[RecognitionState | None, Query(description="Only cases in this state")] = None,
) -> list[dict[str, Any]]:
    return [case_out(db, case, for_officer=True) for case in recognition.cases_of(db, caller.org, state)]


@router.post("/orgs/{org}/recognition/cases", status_code=201, summary="Open a case from a credential or share link")
def open_case(request: Request, org: str, body: CaseIn, caller: Officers, db: DB) -> dict[str, Any]:
    if (body.credential is None) == (body.share_link is None):
        raise InvalidInput("Give either the credential or a share link, not both or neither.", code="invalid_case")
    if body.share_link is not None:
        case = recognition.open_from_share_link(
            db,
            caller.signed_in,
            caller.org,
            body.share_link,
            pathway_id=body.pathway_id,
            verify=verifier(request, db),
            base_url=settings_of(request).base_url,
        )
    else:
        assert body.credential is not None
        case = recognition.open_from_document(
            db,
            caller.signed_in,
            caller.org,
            body.credential,
            pathway_id=body.pathway_id,
            verify=verifier(request, db),
            base_url=settings_of(request).base_url,
        )
    db.commit()
    return case_out(db, case, for_officer=True)


@router.get("/orgs/{org}/recognition/cases/{case_id}", summary="A recognition case")
def get_case(org: str, case_id: uuid.UUID, caller: Officers, db: DB) -> dict[str, Any]:
    return case_out(db, recognition.case_of(db, caller.org, case_id), for_officer=True)


@router.put(
    "/orgs/{org}/recognition/cases/{case_id}/criteria/{criterion}", summary="Judge one criterion, with a comment"
)
def assess_criterion(
    org: str, case_id: uuid.UUID, criterion: Criterion, body: CriterionIn, caller: Officers, db: DB
) -> dict[str, Any]:
    recognition.assess(db, caller.signed_in, caller.org, case_id, {criterion: (body.judgement, body.comment)})
    db.commit()
    return case_out(db, recognition.case_of(db, caller.org, case_id), for_officer=True)


@router.post("/orgs/{org}/recognition/cases/{case_id}/decision", status_code=201, summary="Decide, with reasons")
def decide_case(org: str, case_id: uuid.UUID, body: DecisionIn, caller: Officers, db: DB) -> dict[str, Any]:
    recognition.decide(
        db, caller.signed_in, caller.org, case_id, outcome=body.outcome, reasons=body.reasons, credits=body.credits
    )
    db.commit()
    return case_out(db, recognition.case_of(db, caller.org, case_id), for_officer=True)


# Agreements and free electives -------------------------------------------------------------------------------


@router.get("/orgs/{org}/agreements", summary="The credit-exchange agreements the organisation is a party to")
def list_agreements(org: str, caller: Officers, db: DB) -> list[dict[str, Any]]:
    return [described_out(d) for d in agreements.describe_all(db, agreements.of_organisation(db, caller.org))]


@router.post("/orgs/{org}/agreements", status_code=201, summary="Propose a credit-exchange agreement")
def propose_agreement(org: str, body: AgreementIn, caller: Admins, db: DB) -> dict[str, Any]:
    agreement = agreements.propose(
        db,
        caller.signed_in,
        caller.org,
        title=body.title,
        parties=body.parties,
        specifications=body.specifications,
        pathways=body.pathways,
        min_grade=body.min_grade,
        validity_years=body.validity_years,
    )
    db.commit()
    return agreement_out(db, agreement)


@router.get("/orgs/{org}/agreements/{agreement_id}", summary="An agreement")
def get_agreement(org: str, agreement_id: uuid.UUID, caller: Officers, db: DB) -> dict[str, Any]:
    return agreement_out(db, agreements.find(db, caller.org, agreement_id))


@router.post("/orgs/{org}/agreements/{agreement_id}/accept", summary="Accept an agreement for the organisation")
def accept_agreement(org: str, agreement_id: uuid.UUID, caller: Admins, db: DB) -> dict[str, Any]:
    agreement = agreements.accept(db, caller.signed_in, caller.org, agreement_id)
    db.commit()
    return agreement_out(db, agreement)


@router.post("/orgs/{org}/agreements/{agreement_id}/end", summary="End an agreement (or withdraw the proposal)")
def end_agreement(org: str, agreement_id: uuid.UUID, caller: Admins, db: DB) -> dict[str, Any]:
    agreement = agreements.end(db, caller.signed_in, caller.org, agreement_id)
    db.commit()
    return agreement_out(db, agreement)


@router.get("/orgs/{org}/pathways/{pathway_id}/free-electives", summary="A programme's free-elective allowance")
def get_free_electives(org: str, pathway_id: uuid.UUID, caller: Staff, db: DB) -> dict[str, Any]:
    credits = agreements.free_electives_of(db, caller.org, pathway_id)
    return {"pathway_id": str(pathway_id), "credits": _decimal(credits)}


@router.put("/orgs/{org}/pathways/{pathway_id}/free-electives", summary="Set a programme's free-elective allowance")
def put_free_electives(
    org: str, pathway_id: uuid.UUID, body: FreeElectivesIn, caller: Admins, db: DB
) -> dict[str, Any]:
    row = agreements.set_free_electives(db, caller.signed_in, caller.org, pathway_id, body.credits)
    db.commit()
    return {"pathway_id": str(pathway_id), "credits": _decimal(row.credits) if row else None}


# Learners ------------------------------------------------------------------------------------------------------


@router.get("/me/recognition", summary="My recognition requests and their decisions")
def my_cases(caller: SignedIn, db: DB) -> list[dict[str, Any]]:
    return [case_out(db, case, for_officer=False) for case in recognition.cases_of_learner(db, caller.person)]


@router.post("/me/recognition", status_code=201, summary="Ask an organisation to recognise a credential of my wallet")
def ask(request: Request, body: AskIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = recognition.ask(
        db,
        caller.signed_in,
        caller.person,
        wallet_id=body.wallet_id,
        organisation=accounts.organisation_by_slug(db, body.organisation),
        pathway_id=body.pathway_id,
        verify=verifier(request, db),
        base_url=settings_of(request).base_url,
    )
    db.commit()
    return case_out(db, case, for_officer=False)


@router.get("/me/recognition/{case_id}", summary="One of my recognition requests")
def my_case(case_id: uuid.UUID, caller: SignedIn, db: DB) -> dict[str, Any]:
    return case_out(db, recognition.case_of_learner(db, caller.person, case_id), for_officer=False)


@router.post("/me/recognition/{case_id}/appeal", status_code=201, summary="Appeal a decision, once, with grounds")
def appeal(case_id: uuid.UUID, body: AppealIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    recognition.appeal(db, caller.signed_in, caller.person, case_id, body.grounds)
    db.commit()
    return case_out(db, recognition.case_of_learner(db, caller.person, case_id), for_officer=False)


def _flag(verdict: checks.Verdict) -> str:
    return "The credential does not verify" if verdict == checks.Verdict.INVALID else verdict.label
