"""Recognition pages: the officer's cases and case page (credential, verification, the seven e-VALUATE criteria,
the decision), the agreements page with the programmes' free electives, and the learner's requests with the
way to ask from a wallet credential and to appeal."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation, Role, User
from microcred.errors import InvalidInput, MicrocredError
from microcred.inputs import whole_number
from microcred.pathways import service as pathways
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.recognition import agreements, appeals, cases
from microcred.recognition.decisions import allowance
from microcred.recognition.models import (
    AgreementState,
    CaseSource,
    Criterion,
    DecisionOutcome,
    Judgement,
    RecognitionCase,
    RecognitionState,
)
from microcred.verify import checks
from microcred.wallet import service as wallet
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.flows import verifier_of
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Caller, Officers, OrgAdmins, SignedIn, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
LongText = Annotated[str, Form(max_length=cases.MAX_TEXT)]
EDITABLE = (RecognitionState.OPEN, RecognitionState.APPEALED)
Confirm = Annotated[str, Form(max_length=10)]
# The form field a refusal is about, by its code, for the error summary's link.
OPEN_FIELDS = {"unknown_programme": "case-programme", "invalid_share_link": "case-share-link"}
DECISION_FIELDS = {
    "invalid_outcome": "outcome-recognised_fully",
    "reasons_required": "decision-reasons",
    "invalid_text": "decision-reasons",
    "invalid_credits": "decision-credits",
    "credits_above_allowance": "decision-credits",
    "credits_above_credential": "decision-credits",
    "not_confirmed": "decision-confirm",
}


def _failed(error: MicrocredError, field: str | None = None) -> dict[str, Any]:
    return {"error": error.detail, "error_field": field, "status_code": STATUS[error.kind]}


def is_final(case: RecognitionCase) -> bool:
    """Whether the decision recorded now is final: after the appeal, or with no learner here who could appeal."""
    return case.state == RecognitionState.APPEALED or case.learner_id is None


def _uuid(value: str, what: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"That {what} does not exist.", code=f"unknown_{what}") from None


# The officer's cases -------------------------------------------------------------------------------------------


def _cases_page(request: Request, caller: Caller, db: Session, **context: Any) -> Response:
    state = request.query_params.get("state")
    chosen = RecognitionState(state) if state in set(RecognitionState) else None
    return render(
        request,
        "recognition_cases.html",
        caller,
        db=db,
        title="Recognition cases",
        cases=cases.cases_of(db, caller.org, chosen),
        programmes={p.id: p for p in pathways.of_organisation(db, caller.org)},
        states=list(RecognitionState),
        chosen=chosen,
        **context,
    )


@router.get("/orgs/{org}/recognition", response_class=HTMLResponse)
def cases_page(request: Request, org: str, caller: Officers, db: DB) -> Response:
    return _cases_page(request, caller, db)


def _open_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    pasted: str = "",
    share_link: str = "",
    pathway: str = "",
    **_: Any,
) -> Response:
    kept = {"pasted": pasted, "share_link": share_link, "pathway": pathway}
    field = OPEN_FIELDS.get(error.code, "case-file")
    return _cases_page(request, caller, db, kept=kept, **_failed(error, field))


@router.post("/orgs/{org}/recognition/cases", response_class=HTMLResponse)
@refusing(_open_again)
def open_case(
    request: Request,
    org: str,
    caller: Officers,
    db: DB,
    file: Annotated[UploadFile | None, File()] = None,
    pasted: Annotated[str, Form(max_length=checks.MAX_BYTES)] = "",
    share_link: Annotated[str, Form(max_length=500)] = "",
    pathway: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    raw = file.file.read(checks.MAX_BYTES + 1) if file is not None and file.filename else b""
    given = [bool(raw), bool(pasted.strip()), bool(share_link.strip())]
    if sum(given) != 1:
        raise InvalidInput("Give the credential one way: a file, pasted JSON or a share link.", code="invalid_case")
    pathway_id = _uuid(pathway, "programme")
    settings = settings_of(request)
    if share_link.strip():
        case = cases.open_from_share_link(
            db,
            caller.signed_in,
            caller.org,
            share_link,
            pathway_id=pathway_id,
            verify=verifier_of(request, db),
            base_url=settings.base_url,
        )
    else:
        case = cases.open_from_document(
            db,
            caller.signed_in,
            caller.org,
            raw or pasted,
            pathway_id=pathway_id,
            verify=verifier_of(request, db),
            base_url=settings.base_url,
        )
    return done(f"/orgs/{caller.org.slug}/recognition/cases/{case.id}", "case-opened")


def _case_page(request: Request, caller: Caller, db: Session, case_id: uuid.UUID, **context: Any) -> Response:
    case = cases.case_of(db, caller.org, case_id)
    return render(
        request, "recognition_case.html", caller, db=db, title=case.title, **_case_context(db, case), **context
    )


def _case_context(db: Session, case: RecognitionCase) -> dict[str, Any]:
    learner = db.get(User, case.learner_id) if case.learner_id and case.source == CaseSource.WALLET else None
    return {
        "case": case,
        "pathway": db.get(Pathway, case.pathway_id) if case.pathway_id else None,
        "learner": learner,
        "criteria": cases.criteria(db, case),
        "decisions": cases.decisions(db, case),
        "appeal": appeals.appeal_of(db, case),
        "allowance": allowance(db, case),
        "editable": case.state in EDITABLE,
        "final": is_final(case),
        "judgements": list(Judgement),
        "outcomes": list(DecisionOutcome),
    }


@router.get("/orgs/{org}/recognition/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, org: str, case_id: uuid.UUID, caller: Officers, db: DB) -> Response:
    return _case_page(request, caller, db, case_id)


def _officers_case(case_id: uuid.UUID, caller: Officers, db: DB) -> None:
    """Another organisation's case is a 404 before the form is read or anything tried."""
    cases.case_of(db, caller.org, case_id)


def _case_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, case_id: uuid.UUID, **_: Any
) -> Response:
    return _case_page(request, caller, db, case_id, **_failed(error))


@router.post(
    "/orgs/{org}/recognition/cases/{case_id}/criteria",
    response_class=HTMLResponse,
    dependencies=[Depends(_officers_case)],
)
@refusing(_case_again)
async def assess(request: Request, org: str, case_id: uuid.UUID, caller: Officers, db: DB) -> Response:
    form = await request.form()
    changes: dict[Criterion, tuple[Judgement, str]] = {}
    for criterion in Criterion:
        judgement = str(form.get(f"judgement_{criterion.value}") or "")
        comment = str(form.get(f"comment_{criterion.value}") or "")
        if judgement not in set(Judgement):
            raise InvalidInput(f"Choose a judgement for {criterion.label.lower()}.", code="invalid_judgement")
        if len(comment) > cases.MAX_TEXT:
            raise InvalidInput(
                f"The comment on {criterion.label.lower()} must be at most {cases.MAX_TEXT} characters long.",
                code="invalid_text",
            )
        changes[criterion] = (Judgement(judgement), comment)
    cases.assess(db, caller.signed_in, caller.org, case_id, changes)
    return done(f"/orgs/{caller.org.slug}/recognition/cases/{case_id}", "criteria-saved")


def _decide_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    case_id: uuid.UUID,
    outcome: str = "",
    reasons: str = "",
    credits: str = "",
    **_: Any,
) -> Response:
    kept = {"outcome": outcome, "reasons": reasons, "credits": credits}
    return _case_page(request, caller, db, case_id, kept=kept, **_failed(error, DECISION_FIELDS.get(error.code)))


@router.post(
    "/orgs/{org}/recognition/cases/{case_id}/decision",
    response_class=HTMLResponse,
    dependencies=[Depends(_officers_case)],
)
@refusing(_decide_again)
def decide(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Officers,
    db: DB,
    outcome: Annotated[str, Form(max_length=40)] = "",
    reasons: LongText = "",
    credits: Annotated[str, Form(max_length=20)] = "",
    confirm: Confirm = "",
) -> Response:
    """A decision the learner may appeal is recorded at once; a final one only with its box ticked."""
    if outcome not in set(DecisionOutcome):
        raise InvalidInput(
            "Choose the decision: recognised fully, recognised partly or refused.", code="invalid_outcome"
        )
    final = is_final(cases.case_of(db, caller.org, case_id))
    if final:
        confirmed(confirm, "Tick the box to confirm the decision: it is final, nobody can appeal or change it.")
    cases.decide(
        db,
        caller.signed_in,
        caller.org,
        case_id,
        outcome=DecisionOutcome(outcome),
        reasons=reasons,
        credits=credits,
    )
    url = f"/orgs/{caller.org.slug}/recognition/cases/{case_id}"
    return done(url, "decision-final" if final else "decision-recorded")


# Agreements and free electives --------------------------------------------------------------------------------


def _agreements_page(request: Request, caller: Caller, db: Session, **context: Any) -> Response:
    own = pathways.of_organisation(db, caller.org)
    return render(
        request,
        "recognition_agreements.html",
        caller,
        db=db,
        title="Credit-exchange agreements",
        agreements=agreements.describe_all(db, agreements.of_organisation(db, caller.org)),
        is_admin=caller.role == Role.ORG_ADMIN,
        others=db.scalars(
            select(Organisation).where(Organisation.id != caller.org.id).order_by(Organisation.legal_name)
        ).all(),
        specifications=agreements.agreeable_specifications(db),
        programmes=pathways.listed(db),
        own=[
            (p, agreements.free_electives(db, p.id), agreements.recognition_cap(Rules.model_validate(p.rules)))
            for p in own
        ],
        **context,
    )


@router.get("/orgs/{org}/agreements", response_class=HTMLResponse)
def agreements_page(request: Request, org: str, caller: Officers, db: DB) -> Response:
    return _agreements_page(request, caller, db)


def _agreements_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, agreement_id: uuid.UUID, **_: Any
) -> Response:
    field = f"end-{agreement_id}-confirm" if error.code == "not_confirmed" else None
    return _agreements_page(request, caller, db, **_failed(error, field))


def _electives_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    pathway_id: uuid.UUID,
    credits: str = "",
    **_: Any,
) -> Response:
    kept = {"electives": {str(pathway_id): credits}}
    return _agreements_page(request, caller, db, kept=kept, **_failed(error, f"electives-{pathway_id}"))


def _propose_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    title: str = "",
    parties: list[str] | None = None,
    specifications: list[str] | None = None,
    programmes: list[str] | None = None,
    min_grade: str = "",
    validity_years: str = "",
    **_: Any,
) -> Response:
    kept = {
        "title": title,
        "parties": parties or [],
        "specifications": specifications or [],
        "programmes": programmes or [],
        "min_grade": min_grade,
        "validity_years": validity_years,
    }
    fields = {
        "The title": "agreement-title",
        "The number of years": "agreement-validity",
        "The minimum": "agreement-min-grade",
    }
    field = next((f for start, f in fields.items() if error.detail.startswith(start)), None)
    return _agreements_page(request, caller, db, kept=kept, **_failed(error, field))


@router.post("/orgs/{org}/agreements", response_class=HTMLResponse)
@refusing(_propose_again)
def propose(
    request: Request,
    org: str,
    caller: OrgAdmins,
    db: DB,
    title: Annotated[str, Form(max_length=300)] = "",
    parties: Annotated[list[str] | None, Form()] = None,
    specifications: Annotated[list[str] | None, Form()] = None,
    programmes: Annotated[list[str] | None, Form()] = None,
    min_grade: Annotated[str, Form(max_length=50)] = "",
    validity_years: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    years = whole_number(
        validity_years,
        field="number of years a credential counts",
        least=1,
        most=agreements.MAX_VALIDITY_YEARS,
        code="invalid_agreement",
    )
    agreement = agreements.propose(
        db,
        caller.signed_in,
        caller.org,
        title=title,
        parties=parties or [],
        specifications=[u for u in (_uuid(s, "specification") for s in specifications or []) if u],
        pathways=[u for u in (_uuid(p, "programme") for p in programmes or []) if u],
        min_grade=min_grade,
        validity_years=years,
    )
    return done(f"/orgs/{caller.org.slug}/agreements#agreement-{agreement.id}", "agreement-proposed")


@router.post("/orgs/{org}/agreements/{agreement_id}/accept", response_class=HTMLResponse)
@refusing(_agreements_again)
def accept(request: Request, org: str, agreement_id: uuid.UUID, caller: OrgAdmins, db: DB) -> Response:
    agreement = agreements.accept(db, caller.signed_in, caller.org, agreement_id)
    key = "agreement-in-force" if agreement.state == AgreementState.IN_FORCE else "agreement-accepted"
    return done(f"/orgs/{caller.org.slug}/agreements#agreement-{agreement_id}", key)


@router.post("/orgs/{org}/agreements/{agreement_id}/end", response_class=HTMLResponse)
@refusing(_agreements_again)
def end(
    request: Request, org: str, agreement_id: uuid.UUID, caller: OrgAdmins, db: DB, confirm: Confirm = ""
) -> Response:
    """Ending an agreement (or withdrawing a proposal) is for every party and for good: only with its box ticked."""
    was = agreements.find(db, caller.org, agreement_id).state  # another organisation's is a 404 first
    confirmed(confirm, "Tick the box to confirm: an agreement ends for every party, and for good.")
    agreements.end(db, caller.signed_in, caller.org, agreement_id)
    key = "agreement-withdrawn" if was == AgreementState.PROPOSED else "agreement-ended"
    return done(f"/orgs/{caller.org.slug}/agreements#agreement-{agreement_id}", key)


@router.post("/orgs/{org}/pathways/{pathway_id}/free-electives", response_class=HTMLResponse)
@refusing(_electives_again)
def free_electives(
    request: Request,
    org: str,
    pathway_id: uuid.UUID,
    caller: OrgAdmins,
    db: DB,
    credits: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    agreements.set_free_electives(db, caller.signed_in, caller.org, pathway_id, credits)
    return done(f"/orgs/{caller.org.slug}/agreements#free-electives", "free-electives")


# The learner's requests ------------------------------------------------------------------------------------------


def _mine_page(request: Request, caller: Caller, db: Session, **context: Any) -> Response:
    mine = cases.cases_of_learner(db, caller.person)
    return render(
        request,
        "recognition_mine.html",
        caller,
        db=db,
        title="My recognition requests",
        items=wallet.held(db, caller.person),
        bodies=cases.recognising_bodies(db),
        chosen_item=request.query_params.get("item", ""),
        cases=[(case, _learner_view(db, case)) for case in mine],
        **context,
    )


def _learner_view(db: Session, case: RecognitionCase) -> dict[str, Any]:
    return {
        "organisation": db.get(Organisation, case.organisation_id),
        "pathway": db.get(Pathway, case.pathway_id) if case.pathway_id else None,
        "decisions": cases.decisions(db, case),
        "appeal": appeals.appeal_of(db, case),
        "can_appeal": appeals.can_appeal(case),
    }


@router.get("/recognition", response_class=HTMLResponse)
def mine_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return _mine_page(request, caller, db)


def _ask_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, item: str = "", where: str = "", **_: Any
) -> Response:
    field = "ask-item" if error.code in ("unknown_credential", "already_asked") else "ask-where"
    return _mine_page(request, caller, db, kept={"item": item, "where": where}, **_failed(error, field))


@router.post("/recognition/ask", response_class=HTMLResponse)
@refusing(_ask_again)
def ask(
    request: Request,
    caller: SignedIn,
    db: DB,
    item: Annotated[str, Form(max_length=40)] = "",
    where: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    wallet_id = _uuid(item, "credential")
    slug, _, pathway = where.partition(":")
    if wallet_id is None or not slug:
        raise InvalidInput("Choose the credential and where to ask for its recognition.", code="invalid_request")
    case = cases.ask(
        db,
        caller.signed_in,
        caller.person,
        wallet_id=wallet_id,
        organisation=accounts.organisation_by_slug(db, slug),
        pathway_id=_uuid(pathway, "programme"),
        verify=verifier_of(request, db),
        base_url=settings_of(request).base_url,
    )
    return done(f"/recognition#case-{case.id}", "asked")


def _appeal_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    case_id: uuid.UUID,
    grounds: str = "",
    **_: Any,
) -> Response:
    kept = {"grounds": grounds, "case": str(case_id)}
    return _mine_page(request, caller, db, kept=kept, **_failed(error, f"grounds-{case_id}"))


@router.post("/recognition/{case_id}/appeal", response_class=HTMLResponse)
@refusing(_appeal_again)
def appeal(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB, grounds: LongText = "") -> Response:
    appeals.appeal(db, caller.signed_in, caller.person, case_id, grounds)
    return done(f"/recognition#case-{case_id}", "appealed")
