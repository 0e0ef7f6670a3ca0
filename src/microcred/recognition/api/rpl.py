"""Recognition of prior learning, as JSON: the organisation's cases (officers, educators and admins) and the
learner's own (`/api/me/rpl`), through the four stages to an issued credential."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from microcred.accounts.models import Role
from microcred.errors import InvalidInput
from microcred.recognition import rpl
from microcred.recognition.models import RplCase, RplEvidence, RplState
from microcred.web.downloads import attachment
from microcred.web.security import DB, Access, Caller, master_of, settings_of

router = APIRouter(prefix="/api", tags=["recognition of prior learning"])
Staff = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.EDUCATOR))]
SignedIn = Annotated[Caller, Depends(Access.signed_in())]


class OpenIn(BaseModel):
    specification_id: uuid.UUID
    learner_email: str = Field(max_length=320, description="A member of the organisation")


class OpenMineIn(BaseModel):
    specification_id: uuid.UUID = Field(description="A published micro-credential of the catalogue")


class OwnerIn(BaseModel):
    owner_email: str | None = Field(
        default=None, max_length=320, description="A recognition officer or educator of the organisation; you if empty"
    )


class StageIn(BaseModel):
    to: Literal["documentation", "assessment", "certification"]


class ReasonIn(BaseModel):
    reason: str = Field(max_length=rpl.MAX_REASON)


def evidence_out(row: RplEvidence) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "filename": row.filename,
        "media_type": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
        "note": row.note,
        "outcomes": row.outcomes,
        "uploaded_by": str(row.uploaded_by) if row.uploaded_by else None,
        "created_at": row.created_at,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_out(db: DB, case: RplCase) -> dict[str, Any]:
    row = rpl.row_of(db, case)
    found = rpl.identification(db, case)
    return {
        "id": str(case.id),
        "organisation": row.organisation.slug,
        "specification_id": str(case.specification_id),
        "edition": case.edition_number,
        "title": row.title,
        "learner": {"name": row.learner.display_name, "email": row.learner.email},
        "owner": {"name": row.owner.display_name, "email": row.owner.email} if row.owner else None,
        "state": case.state.value,
        "opened_at": case.opened_at,
        "stages": [
            {"stage": stage.value, "started_at": _iso(started), "ended_at": _iso(ended)}
            for stage, started, ended in rpl.stage_dates(case)
        ],
        "identification": {
            "shared": found.shared,
            "taken_at": found.taken_at,
            "covered": found.covered,
            "outcomes": [
                {
                    "number": o.number,
                    "text": o.text,
                    "skills": [uri for uri, _label in o.skills],
                    "matched": [m["uri"] for m in o.matched],
                    "status": o.status,
                }
                for o in found.outcomes
            ],
            "experiences": found.experiences,
        },
        "evidence": [evidence_out(e) for e in rpl.evidence_of(db, case)],
        "assessment": None
        if case.result is None
        else {
            "outcomes": case.assessment,
            "result": case.result.value,
            "grade": case.grade,
            "comment": case.assessment_comment,
            "assessed_at": case.assessed_at,
        },
        "credential_id": f"urn:uuid:{case.credential_id}" if case.credential_id else None,
        "closure": None
        if case.closure is None
        else {"kind": case.closure.value, "reason": case.closed_reason, "closed_at": case.closed_at},
    }


def learner_view(case_json: dict[str, Any], case: RplCase) -> dict[str, Any]:
    """What the learner sees: the assessment once it is settled (the owner may revise it while assessing)."""
    if case.state == RplState.ASSESSMENT:
        return {**case_json, "assessment": None}
    return case_json


def evidence_download(row: RplEvidence) -> Response:
    """The file as a download, never shown inline, with the type its content was found to be."""
    return Response(
        row.content,
        media_type=row.media_type + ("; charset=utf-8" if row.media_type == "text/plain" else ""),
        headers={
            "Content-Disposition": attachment(row.filename),
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


def read_upload(file: UploadFile | None) -> bytes:
    """At most one byte over the cap, so an oversized file is refused without being read whole."""
    if file is None:
        raise InvalidInput("file: choose the evidence file to upload.", code="invalid_evidence")
    return file.file.read(rpl.MAX_FILE_BYTES + 1)


# Optional in the signature so that the case is looked up (and a foreign one not found) before the file is asked for.
EvidenceFile = Annotated[UploadFile | None, File(description="PDF, PNG, JPEG or plain text, at most 5 MiB")]
Outcomes = Annotated[list[int] | None, Form(description="Numbers (from 1) of the learning outcomes the file supports")]
Note = Annotated[str, Form(max_length=rpl.MAX_NOTE)]


# The organisation's side ----------------------------------------------------------------------------------


@router.get("/orgs/{org}/rpl", summary="The organisation's RPL cases, newest first")
def list_cases(
    org: str,
    caller: Staff,
    db: DB,
    state: Annotated[RplState | None, Query(description="Only cases in this state")] = None,
) -> list[dict[str, Any]]:
    return [
        {
            "id": str(row.case.id),
            "title": row.title,
            "learner": row.learner.email,
            "owner": row.owner.email if row.owner else None,
            "state": row.case.state.value,
            "opened_at": row.case.opened_at,
        }
        for row in rpl.cases_of_organisation(db, caller.org, state)
    ]


@router.post("/orgs/{org}/rpl", status_code=201, summary="Open an RPL case for a member of the organisation")
def open_case(org: str, body: OpenIn, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.open_for_learner(
        db, caller.signed_in, caller.org, spec_id=body.specification_id, learner_email=body.learner_email
    )
    db.commit()
    return case_out(db, case)


@router.get("/orgs/{org}/rpl/{case_id}", summary="An RPL case: stages, identification, evidence, assessment")
def get_case(org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> dict[str, Any]:
    return case_out(db, rpl.case_for_staff(db, caller.org, case_id))


@router.post("/orgs/{org}/rpl/{case_id}/owner", summary="Take the case, or hand it to an officer or educator")
def assign_owner(org: str, case_id: uuid.UUID, body: OwnerIn, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.assign_owner(db, caller.signed_in, caller.org, case, body.owner_email)
    db.commit()
    return case_out(db, case)


@router.post("/orgs/{org}/rpl/{case_id}/stage", summary="Move the case to its next stage (the owner)")
def move_case(org: str, case_id: uuid.UUID, body: StageIn, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.advance(db, caller.signed_in, case, body.to)
    db.commit()
    return case_out(db, case)


@router.post("/orgs/{org}/rpl/{case_id}/evidence", status_code=201, summary="Add an evidence file (the owner)")
def add_evidence(
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    file: EvidenceFile = None,
    outcomes: Outcomes = None,
    note: Note = "",
) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    data = read_upload(file)
    name = file.filename if file is not None and file.filename else ""
    row = rpl.add_evidence(db, caller.signed_in, case, filename=name, data=data, note=note, outcomes=outcomes or [])
    db.commit()
    return evidence_out(row)


@router.get("/orgs/{org}/rpl/{case_id}/evidence/{evidence_id}", summary="Download an evidence file")
def get_evidence(org: str, case_id: uuid.UUID, evidence_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    return evidence_download(rpl.evidence_file(db, rpl.case_for_staff(db, caller.org, case_id), evidence_id))


@router.put("/orgs/{org}/rpl/{case_id}/assessment", summary="Record the assessment (the owner, never the learner)")
def record_assessment(org: str, case_id: uuid.UUID, body: rpl.AssessmentIn, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.record_assessment(db, caller.signed_in, case, body.model_dump())
    db.commit()
    return case_out(db, case)


@router.post(
    "/orgs/{org}/rpl/{case_id}/certify",
    summary="Issue the credential after a passed assessment (once); the learner makes the claim link",
)
def certify(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    settings = settings_of(request)
    rpl.certify(
        db,
        caller.signed_in,
        caller.org,
        case,
        base_url=settings.base_url,
        master=master_of(request),
        tsa_url=settings.tsa_url,
    )
    db.commit()
    return case_out(db, case)


@router.post("/orgs/{org}/rpl/{case_id}/close", summary="Close the case as not passed, with the reason (the owner)")
def close_case(org: str, case_id: uuid.UUID, body: ReasonIn, caller: Staff, db: DB) -> dict[str, Any]:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.close_not_passed(db, caller.signed_in, case, body.reason)
    db.commit()
    return case_out(db, case)


# The learner's side ---------------------------------------------------------------------------------------


@router.get("/me/rpl", summary="My RPL cases")
def my_cases(caller: SignedIn, db: DB) -> list[dict[str, Any]]:
    return [
        {
            "id": str(row.case.id),
            "title": row.title,
            "organisation": row.organisation.slug,
            "state": row.case.state.value,
            "opened_at": row.case.opened_at,
        }
        for row in rpl.cases_of_learner(db, caller.person)
    ]


@router.post("/me/rpl", status_code=201, summary="Ask for my prior learning to be validated against a micro-credential")
def open_mine(body: OpenMineIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.open_by_learner(db, caller.signed_in, body.specification_id)
    db.commit()
    return learner_view(case_out(db, case), case)


@router.get("/me/rpl/{case_id}", summary="My RPL case")
def my_case(case_id: uuid.UUID, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id)
    return learner_view(case_out(db, case), case)


@router.post("/me/rpl/{case_id}/profile", summary="Share my skills profile with the case (identification)")
def share_profile(case_id: uuid.UUID, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.share_profile(db, caller.signed_in, case)
    db.commit()
    return learner_view(case_out(db, case), case)


@router.post("/me/rpl/{case_id}/stage", summary="Move my case on: to documentation, then to assessment")
def move_mine(case_id: uuid.UUID, body: StageIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.advance(db, caller.signed_in, case, body.to)
    db.commit()
    return learner_view(case_out(db, case), case)


@router.post("/me/rpl/{case_id}/evidence", status_code=201, summary="Add an evidence file to my case")
def add_my_evidence(
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    file: EvidenceFile = None,
    outcomes: Outcomes = None,
    note: Note = "",
) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    data = read_upload(file)
    name = file.filename if file is not None and file.filename else ""
    row = rpl.add_evidence(db, caller.signed_in, case, filename=name, data=data, note=note, outcomes=outcomes or [])
    db.commit()
    return evidence_out(row)


@router.get("/me/rpl/{case_id}/evidence/{evidence_id}", summary="Download an evidence file of my case")
def get_my_evidence(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return evidence_download(rpl.evidence_file(db, rpl.case_for_learner(db, caller.person, case_id), evidence_id))


@router.delete("/me/rpl/{case_id}/evidence/{evidence_id}", status_code=204, summary="Take back a file I uploaded")
def remove_my_evidence(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.remove_evidence(db, caller.signed_in, case, evidence_id)
    db.commit()
    return Response(status_code=204)


@router.post("/me/rpl/{case_id}/withdraw", summary="Withdraw my case, with the reason")
def withdraw_mine(case_id: uuid.UUID, body: ReasonIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.withdraw(db, caller.signed_in, case, body.reason)
    db.commit()
    return learner_view(case_out(db, case), case)


@router.post("/me/rpl/{case_id}/claim-link", summary="A claim link for the credential of my certified case")
def my_claim_link(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> dict[str, Any]:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    url, expires = rpl.learner_claim_link(db, caller.signed_in, case, base_url=settings_of(request).base_url)
    db.commit()
    return {"claim_url": url, "expires_at": expires}
