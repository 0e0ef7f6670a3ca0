"""Recognition as JSON: cases (opened by a learner from their wallet or by an officer from a document or a share
link), the seven e-VALUATE criteria, decisions and the one appeal; credit-exchange agreements between
organisations; a programme's free electives."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation, User
from microcred.design.documents import decimal_text
from microcred.errors import InvalidInput
from microcred.pathways.models import Pathway
from microcred.recognition import agreements, appeals, cases
from microcred.recognition.decisions import allowance
from microcred.recognition.models import CaseSource, Criterion, RecognitionCase, RecognitionState
from microcred.recognition.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPartyOut,
    AgreementPathwayOut,
    AgreementSpecificationOut,
    AllowanceOut,
    AppealIn,
    AppealOut,
    AskIn,
    CaseCommonOut,
    CaseIn,
    CaseLearnerOut,
    CaseOrganisationOut,
    CasePathwayOut,
    CriterionIn,
    CriterionOut,
    DecisionIn,
    DecisionOut,
    FactOut,
    FreeElectivesIn,
    FreeElectivesOut,
    MyRecognitionCaseOut,
    RecognitionCaseOut,
)
from microcred.verify import checks
from microcred.web.flows import verifier_of
from microcred.web.security import DB, Officers, OrgAdmins, SignedIn, Staff, settings_of

router = APIRouter(prefix="/api", tags=["recognition"])


# Shapes ------------------------------------------------------------------------------------------------------


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _common(db: Session, case: RecognitionCase) -> CaseCommonOut:
    """What the officer and the learner both see of a case."""
    organisation = db.get(Organisation, case.organisation_id)
    pathway = db.get(Pathway, case.pathway_id) if case.pathway_id else None
    appeal = appeals.appeal_of(db, case)
    return CaseCommonOut(
        id=case.id,
        organisation=CaseOrganisationOut(slug=organisation.slug, name=organisation.legal_name)
        if organisation
        else None,
        pathway=CasePathwayOut(id=pathway.id, title=pathway.title) if pathway else None,
        state=case.state,
        verified=case.verified,
        verdict=case.verdict,
        flag=None if case.verified else f"{_flag(case.verdict)}: this case is never decided automatically.",
        title=case.title,
        issuer=case.issuer_name,
        credits=_decimal(case.credits),
        opened_at=case.opened_at,
        route_note=case.route_note,
        decisions=[
            DecisionOut(
                outcome=d.outcome,
                credits=_decimal(d.credits),
                reasons=d.reasons,
                route=d.route,
                agreement_id=d.agreement_id,
                after_appeal=d.after_appeal,
                decided_at=d.decided_at,
            )
            for d in cases.decisions(db, case)
        ],
        appeal=AppealOut(grounds=appeal.grounds, appealed_at=appeal.appealed_at) if appeal else None,
    )


def _flag(verdict: checks.Verdict) -> str:
    return "The credential does not verify" if verdict == checks.Verdict.INVALID else verdict.label


def learner_case_out(db: Session, case: RecognitionCase) -> MyRecognitionCaseOut:
    """A case as the learner sees it: their request, its decisions and appeal."""
    return MyRecognitionCaseOut(**dict(_common(db, case)), can_appeal=appeals.can_appeal(case))


def officer_case_out(db: Session, case: RecognitionCase) -> RecognitionCaseOut:
    """A case as the officer sees it: everything."""
    limit = allowance(db, case)
    learner = db.get(User, case.learner_id) if case.learner_id and case.source == CaseSource.WALLET else None
    return RecognitionCaseOut(
        **dict(_common(db, case)),
        source=case.source,
        learner=CaseLearnerOut(name=learner.display_name, email=learner.email) if learner else None,
        hidden=case.hidden,
        facts=[FactOut(label=label, value=value) for label, value in case.facts],
        grade=case.grade,
        awarded=case.awarded,
        specification_id=case.specification_id,
        report=case.report,
        criteria=[
            CriterionOut(
                criterion=row.criterion,
                label=row.criterion.label,
                suggestion=row.suggestion,
                evidence=row.evidence,
                judgement=row.judgement,
                comment=row.comment,
                edited_at=row.edited_at,
            )
            for row in cases.criteria(db, case)
        ],
        allowance=(
            AllowanceOut(
                cap=decimal_text(limit.cap), used=decimal_text(limit.used), remaining=decimal_text(limit.remaining)
            )
            if limit
            else None
        ),
    )


def described_out(described: agreements.Described) -> AgreementOut:
    agreement = described.agreement
    return AgreementOut(
        id=agreement.id,
        title=agreement.title,
        state=agreement.state,
        min_grade=agreement.min_grade,
        validity_years=agreement.validity_years,
        proposed_at=agreement.proposed_at,
        in_force_at=agreement.in_force_at,
        ended_at=agreement.ended_at,
        parties=[
            AgreementPartyOut(
                slug=party.organisation.slug, name=party.organisation.legal_name, accepted_at=party.accepted_at
            )
            for party in described.parties
        ],
        specifications=[
            AgreementSpecificationOut(id=spec_id, title=title, provider=provider)
            for spec_id, title, provider in described.specifications
        ],
        pathways=[
            AgreementPathwayOut(id=pathway_id, title=title, organisation=owner)
            for pathway_id, title, owner in described.pathways
        ],
    )


# Officers ------------------------------------------------------------------------------------------------------


@router.get("/orgs/{org}/recognition/cases", summary="The organisation's recognition cases")
def list_cases(
    org: str,
    caller: Officers,
    db: DB,
    state: Annotated[RecognitionState | None, Query(description="Only cases in this state")] = None,
) -> list[RecognitionCaseOut]:
    return [officer_case_out(db, case) for case in cases.cases_of(db, caller.org, state)]


@router.post("/orgs/{org}/recognition/cases", status_code=201, summary="Open a case from a credential or share link")
def open_case(request: Request, org: str, body: CaseIn, caller: Officers, db: DB) -> RecognitionCaseOut:
    if (body.credential is None) == (body.share_link is None):
        raise InvalidInput("Give either the credential or a share link, not both or neither.", code="invalid_case")
    if body.share_link is not None:
        case = cases.open_from_share_link(
            db,
            caller.signed_in,
            caller.org,
            body.share_link,
            pathway_id=body.pathway_id,
            verify=verifier_of(request, db),
            base_url=settings_of(request).base_url,
        )
    else:
        assert body.credential is not None
        case = cases.open_from_document(
            db,
            caller.signed_in,
            caller.org,
            body.credential,
            pathway_id=body.pathway_id,
            verify=verifier_of(request, db),
            base_url=settings_of(request).base_url,
        )
    return officer_case_out(db, case)


@router.get("/orgs/{org}/recognition/cases/{case_id}", summary="A recognition case")
def get_case(org: str, case_id: uuid.UUID, caller: Officers, db: DB) -> RecognitionCaseOut:
    return officer_case_out(db, cases.case_of(db, caller.org, case_id))


@router.put(
    "/orgs/{org}/recognition/cases/{case_id}/criteria/{criterion}", summary="Judge one criterion, with a comment"
)
def assess_criterion(
    org: str, case_id: uuid.UUID, criterion: Criterion, body: CriterionIn, caller: Officers, db: DB
) -> RecognitionCaseOut:
    cases.assess(db, caller.signed_in, caller.org, case_id, {criterion: (body.judgement, body.comment)})
    return officer_case_out(db, cases.case_of(db, caller.org, case_id))


@router.post("/orgs/{org}/recognition/cases/{case_id}/decision", status_code=201, summary="Decide, with reasons")
def decide_case(org: str, case_id: uuid.UUID, body: DecisionIn, caller: Officers, db: DB) -> RecognitionCaseOut:
    cases.decide(
        db, caller.signed_in, caller.org, case_id, outcome=body.outcome, reasons=body.reasons, credits=body.credits
    )
    return officer_case_out(db, cases.case_of(db, caller.org, case_id))


# Agreements and free electives -------------------------------------------------------------------------------


@router.get("/orgs/{org}/agreements", summary="The credit-exchange agreements the organisation is a party to")
def list_agreements(org: str, caller: Officers, db: DB) -> list[AgreementOut]:
    return [described_out(d) for d in agreements.describe_all(db, agreements.of_organisation(db, caller.org))]


@router.post("/orgs/{org}/agreements", status_code=201, summary="Propose a credit-exchange agreement")
def propose_agreement(org: str, body: AgreementIn, caller: OrgAdmins, db: DB) -> AgreementOut:
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
    return described_out(agreements.describe(db, agreement))


@router.get("/orgs/{org}/agreements/{agreement_id}", summary="An agreement")
def get_agreement(org: str, agreement_id: uuid.UUID, caller: Officers, db: DB) -> AgreementOut:
    return described_out(agreements.describe(db, agreements.find(db, caller.org, agreement_id)))


@router.post("/orgs/{org}/agreements/{agreement_id}/accept", summary="Accept an agreement for the organisation")
def accept_agreement(org: str, agreement_id: uuid.UUID, caller: OrgAdmins, db: DB) -> AgreementOut:
    agreement = agreements.accept(db, caller.signed_in, caller.org, agreement_id)
    return described_out(agreements.describe(db, agreement))


@router.post("/orgs/{org}/agreements/{agreement_id}/end", summary="End an agreement (or withdraw the proposal)")
def end_agreement(org: str, agreement_id: uuid.UUID, caller: OrgAdmins, db: DB) -> AgreementOut:
    agreement = agreements.end(db, caller.signed_in, caller.org, agreement_id)
    return described_out(agreements.describe(db, agreement))


@router.get("/orgs/{org}/pathways/{pathway_id}/free-electives", summary="A programme's free-elective allowance")
def get_free_electives(org: str, pathway_id: uuid.UUID, caller: Staff, db: DB) -> FreeElectivesOut:
    credits = agreements.free_electives_of(db, caller.org, pathway_id)
    return FreeElectivesOut(pathway_id=pathway_id, credits=_decimal(credits))


@router.put("/orgs/{org}/pathways/{pathway_id}/free-electives", summary="Set a programme's free-elective allowance")
def put_free_electives(
    org: str, pathway_id: uuid.UUID, body: FreeElectivesIn, caller: OrgAdmins, db: DB
) -> FreeElectivesOut:
    row = agreements.set_free_electives(db, caller.signed_in, caller.org, pathway_id, body.credits)
    return FreeElectivesOut(pathway_id=pathway_id, credits=_decimal(row.credits) if row else None)


# Learners ------------------------------------------------------------------------------------------------------


@router.get("/me/recognition", summary="My recognition requests and their decisions")
def my_cases(caller: SignedIn, db: DB) -> list[MyRecognitionCaseOut]:
    return [learner_case_out(db, case) for case in cases.cases_of_learner(db, caller.person)]


@router.post("/me/recognition", status_code=201, summary="Ask an organisation to recognise a credential of my wallet")
def ask(request: Request, body: AskIn, caller: SignedIn, db: DB) -> MyRecognitionCaseOut:
    case = cases.ask(
        db,
        caller.signed_in,
        caller.person,
        wallet_id=body.wallet_id,
        organisation=accounts.organisation_by_slug(db, body.organisation),
        pathway_id=body.pathway_id,
        verify=verifier_of(request, db),
        base_url=settings_of(request).base_url,
    )
    return learner_case_out(db, case)


@router.get("/me/recognition/{case_id}", summary="One of my recognition requests")
def my_case(case_id: uuid.UUID, caller: SignedIn, db: DB) -> MyRecognitionCaseOut:
    return learner_case_out(db, cases.case_of_learner(db, caller.person, case_id))


@router.post("/me/recognition/{case_id}/appeal", status_code=201, summary="Appeal a decision, once, with grounds")
def appeal(case_id: uuid.UUID, body: AppealIn, caller: SignedIn, db: DB) -> MyRecognitionCaseOut:
    appeals.appeal(db, caller.signed_in, caller.person, case_id, body.grounds)
    return learner_case_out(db, cases.case_of_learner(db, caller.person, case_id))
