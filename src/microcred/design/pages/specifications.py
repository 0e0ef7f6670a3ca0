"""HTML routes of the design stage: specifications with their checks beside the form, publishing, editions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from microcred.design import service as design
from microcred.design.labels import vocabularies
from microcred.design.models import Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput, MicrocredError
from microcred.inputs import optional_date
from microcred.skills.extract import extract_skills
from microcred.taxonomy import service as taxonomy
from microcred.web.errors import STATUS
from microcred.web.forms import refusing
from microcred.web.security import DB, Caller, Educators, OrgAdmins
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
BLANK_OUTCOMES = 2  # empty outcome rows offered below the existing ones
SUGGESTIONS = 5


def _own_specification(spec_id: uuid.UUID, caller: Educators, db: DB) -> Specification:
    """The organisation's specification the URL names: another organisation's is a 404 before the handler runs,
    so that a form the domain refuses is always about a specification that is there to show again."""
    return design.get(db, caller.org, spec_id)


OwnSpecification = Annotated[Specification, Depends(_own_specification)]


# Form <-> content ------------------------------------------------------------------------------------------


def content_to_form(c: SpecificationContent) -> dict[str, Any]:
    """The content as the strings the form shows."""

    def text(value: Any) -> str:
        return "" if value is None else format(value, "f") if hasattr(value, "normalize") else str(value)

    return {
        "title": c.title,
        "code": c.code,
        "description": c.description,
        "languages": ", ".join(c.languages),
        "issuer_country": c.issuer_country or "",
        "issuer_region": c.issuer_region,
        "awarding_bodies": "\n".join(
            " | ".join(part for part in (b.name, b.country or "", b.homepage or "") if part) for b in c.awarding_bodies
        ),
        "outcomes": [{"text": o.text, "skills": o.skills} for o in c.learning_outcomes],
        "workload_hours": text(c.workload_hours),
        "credit_system": c.credits.system if c.credits else "",
        "credit_value": text(c.credits.value) if c.credits else "",
        "eqf_level": text(c.eqf_level),
        "nqf_framework": c.nqf.framework if c.nqf else "",
        "nqf_level": c.nqf.level if c.nqf else "",
        "qf_ehea_cycle": c.qf_ehea_cycle or "",
        "assessment_type": c.assessment.type if c.assessment else "",
        "assessment_description": c.assessment.description if c.assessment else "",
        "grading": c.assessment.grading if c.assessment else "",
        "open_to_non_attendees": bool(c.assessment and c.assessment.open_to_non_attendees),
        "participation": c.participation or "",
        "learning_setting": c.learning_setting or "",
        "delivery": c.delivery or "",
        "duration_weeks": text(c.duration_weeks),
        "qa_type": c.quality_assurance.type if c.quality_assurance else "",
        "qa_body": c.quality_assurance.body if c.quality_assurance else "",
        "qa_description": c.quality_assurance.description if c.quality_assurance else "",
        "qa_url": (c.quality_assurance.url or "") if c.quality_assurance else "",
        "prerequisites": c.prerequisites,
        "supervision": c.supervision or "",
        "stack": ("stackable" if c.stackability.stackable else "standalone") if c.stackability else "",
        "partial_qualification": bool(c.stackability and c.stackability.partial_qualification),
        "towards": c.stackability.towards if c.stackability else "",
        "further_information": c.further_information,
        "homepage": c.homepage or "",
        "field": c.field or "",
        "audiences": list(c.audiences),
        "price_amount": text(c.price.amount) if c.price else "",
        "price_currency": c.price.currency if c.price else "EUR",
        "needs_evidence": c.needs_evidence,
        "offer_start": text(c.offer_start),
        "offer_end": text(c.offer_end),
    }


def _outcomes_from(form: FormData) -> list[dict[str, Any]]:
    outcomes = []
    for index in range(50 + BLANK_OUTCOMES):
        text = str(form.get(f"outcome_{index}", "")).strip()
        if f"outcome_{index}" not in form:
            break
        skills = [str(uri) for uri in form.getlist(f"skills_{index}")]
        skills += [part for part in str(form.get(f"add_skills_{index}", "")).split() if part]
        if text:
            outcomes.append({"text": text, "skills": list(dict.fromkeys(skills))})
    return outcomes


def form_to_values(form: FormData) -> dict[str, Any]:
    """What the person typed, to show it again if it does not validate."""
    values: dict[str, Any] = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    values["outcomes"] = _outcomes_from(form)
    values["audiences"] = [str(a) for a in form.getlist("audiences")]
    values["open_to_non_attendees"] = "open_to_non_attendees" in form
    values["partial_qualification"] = "partial_qualification" in form
    return values


def values_to_content(v: dict[str, Any]) -> SpecificationContent:
    def opt(key: str) -> str | None:
        value = str(v.get(key, "")).strip()
        return value or None

    bodies = []
    for line in str(v.get("awarding_bodies", "")).splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not parts[0]:
            continue
        country = next((p for p in parts[1:] if len(p) == 2), None)
        homepage = next((p for p in parts[1:] if p.startswith(("http://", "https://"))), None)
        bodies.append({"name": parts[0], "country": country, "homepage": homepage})
    data: dict[str, Any] = {
        "title": v.get("title", ""),
        "code": v.get("code", ""),
        "description": v.get("description", ""),
        "languages": [
            part.strip() for part in str(v.get("languages", "")).replace(";", ",").split(",") if part.strip()
        ],
        "issuer_country": opt("issuer_country"),
        "issuer_region": v.get("issuer_region", ""),
        "awarding_bodies": bodies,
        "learning_outcomes": v.get("outcomes", []),
        "workload_hours": opt("workload_hours"),
        "credits": {"system": v["credit_system"], "value": opt("credit_value")} if opt("credit_system") else None,
        "eqf_level": opt("eqf_level"),
        "nqf": {"framework": v.get("nqf_framework", ""), "level": v.get("nqf_level", "")}
        if opt("nqf_framework") or opt("nqf_level")
        else None,
        "qf_ehea_cycle": opt("qf_ehea_cycle"),
        "assessment": {
            "type": v["assessment_type"],
            "description": v.get("assessment_description", ""),
            "grading": v.get("grading", ""),
            "open_to_non_attendees": bool(v.get("open_to_non_attendees")),
        }
        if opt("assessment_type")
        else None,
        "participation": opt("participation"),
        "learning_setting": opt("learning_setting"),
        "delivery": opt("delivery"),
        "duration_weeks": opt("duration_weeks"),
        "quality_assurance": {
            "type": v["qa_type"],
            "body": v.get("qa_body", ""),
            "description": v.get("qa_description", ""),
            "url": opt("qa_url"),
        }
        if opt("qa_type")
        else None,
        "prerequisites": v.get("prerequisites", ""),
        "supervision": opt("supervision"),
        "stackability": {
            "stackable": v["stack"] == "stackable",
            "partial_qualification": bool(v.get("partial_qualification")),
            "towards": v.get("towards", ""),
        }
        if opt("stack")
        else None,
        "further_information": v.get("further_information", ""),
        "homepage": opt("homepage"),
        "field": opt("field"),
        "audiences": v.get("audiences", []),
        "price": {"amount": opt("price_amount"), "currency": v.get("price_currency") or "EUR"}
        if opt("price_amount")
        else None,
        "needs_evidence": v.get("needs_evidence", ""),
        "offer_start": opt("offer_start"),
        "offer_end": opt("offer_end"),
    }
    credits = data["credits"]
    if credits is not None and credits["value"] is None:
        raise InvalidInput(
            "credits.value: give the number of credits, or no credit system.", code="invalid_specification"
        )
    if opt("credit_value") and credits is None:
        raise InvalidInput(
            "credits.system: credits need their credit system (ECTS, UK, NZ, …).", code="invalid_specification"
        )
    return design.parse_content(data)


# Pages ---------------------------------------------------------------------------------------------------------------


def _labels(db: DB, values: dict[str, Any]) -> dict[str, str]:
    uris = [uri for outcome in values.get("outcomes", []) for uri in outcome.get("skills", [])]
    return taxonomy.skill_labels(db, uris)


def _suggestions(db: DB, values: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """For each outcome, ESCO skills its text suggests that it does not link yet."""
    found = []
    for outcome in values.get("outcomes", []):
        try:
            hits = extract_skills(db, outcome["text"], top=SUGGESTIONS + len(outcome["skills"]))
        except MicrocredError:
            hits = []
        found.append([(h.uri, h.label) for h in hits if h.uri not in outcome["skills"]][:SUGGESTIONS])
    return found


def _form_page(
    request: Request,
    caller: Caller,
    db: DB,
    *,
    spec: Specification | None,
    values: dict[str, Any],
    error: str | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    report = design.report(db, caller.org, spec) if spec is not None else None
    return render(
        request,
        "specification_form.html",
        caller,
        db=db,
        title=("Edit " + (spec.title or "specification")) if spec else "New micro-credential",
        spec=spec,
        f=values,
        labels=_labels(db, values),
        suggestions=_suggestions(db, values) if spec is not None else [],
        blank_outcomes=BLANK_OUTCOMES,
        report=report,
        error=error,
        saved=saved,
        status_code=status_code,
        **vocabularies(),
    )


@router.get("/orgs/{org}/specifications", response_class=HTMLResponse)
def specifications_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
    return render(
        request,
        "specifications.html",
        caller,
        db=db,
        title="Micro-credentials",
        rows=design.specifications(db, caller.org),
        overdue=design.overdue_reviews(db, caller.org),
        chosen=design.profiles_of(db, caller.org),
        **vocabularies(),
    )


@router.post("/orgs/{org}/design/profiles", response_class=HTMLResponse)
async def profiles_form(request: Request, org: str, caller: OrgAdmins, db: DB) -> Response:
    form = await request.form()
    design.set_profiles(db, caller.signed_in, caller.org, [str(p) for p in form.getlist("profiles")])
    return RedirectResponse(f"/orgs/{caller.org.slug}/specifications", status_code=303)


@router.get("/orgs/{org}/specifications/new", response_class=HTMLResponse)
def new_specification_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
    content = design.prefilled(SpecificationContent(), caller.org)
    return _form_page(request, caller, db, spec=None, values=content_to_form(content))


async def _new_form_again(error: MicrocredError, request: Request, caller: Caller, db: DB, **_: Any) -> Response:
    values = form_to_values(await request.form())
    return _form_page(request, caller, db, spec=None, values=values, error=error.detail, status_code=STATUS[error.kind])


@router.post("/orgs/{org}/specifications", response_class=HTMLResponse)
@refusing(_new_form_again)
async def create_specification(request: Request, org: str, caller: Educators, db: DB) -> Response:
    values = form_to_values(await request.form())
    spec = design.create(db, caller.signed_in, caller.org, values_to_content(values), prefill=False)
    return RedirectResponse(f"/orgs/{caller.org.slug}/specifications/{spec.id}/edit?saved=1", status_code=303)


@router.get("/orgs/{org}/specifications/{spec_id}/edit", response_class=HTMLResponse)
def edit_specification_page(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, saved: bool = False
) -> Response:
    spec = design.get(db, caller.org, spec_id)
    return _form_page(request, caller, db, spec=spec, values=content_to_form(design.content_of(spec)), saved=saved)


async def _edit_form_again(
    error: MicrocredError, request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, **_: Any
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # read again: the refusal rolled back what the handler began
    values = form_to_values(await request.form())
    return _form_page(request, caller, db, spec=spec, values=values, error=error.detail, status_code=STATUS[error.kind])


@router.post("/orgs/{org}/specifications/{spec_id}/edit", response_class=HTMLResponse)
@refusing(_edit_form_again)
async def update_specification(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    values = form_to_values(await request.form())
    design.update(db, caller.signed_in, caller.org, spec_id, values_to_content(values))
    return RedirectResponse(f"/orgs/{caller.org.slug}/specifications/{spec.id}/edit?saved=1", status_code=303)


def _spec_page(
    request: Request,
    caller: Caller,
    db: DB,
    spec: Specification,
    *,
    error: str | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> Response:
    content = design.content_of(spec)
    return render(
        request,
        "specification.html",
        caller,
        db=db,
        title=spec.title or "Untitled specification",
        spec=spec,
        c=content,
        status=design.status(spec),
        flash=flash,
        relist=spec.withdrawn_at is not None
        and bool(spec.editions)
        and design.edition_content(spec.editions[-1]) == content,
        report=design.report(db, caller.org, spec),
        labels=taxonomy.skill_labels(db, content.skill_uris()),
        latest_review=date.today() + design.REVIEW_AT_MOST,
        today=date.today(),
        error=error,
        status_code=status_code,
        **vocabularies(),
    )


# What the page says after an action: a fixed sentence per action, never text taken from the address.
DONE = {"published": "Published.", "reviewed": "The review is recorded.", "withdrawn": "Withdrawn from the catalogue."}


@router.get("/orgs/{org}/specifications/{spec_id}", response_class=HTMLResponse)
def specification_page(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, done: str = ""
) -> Response:
    return _spec_page(request, caller, db, design.get(db, caller.org, spec_id), flash=DONE.get(done))


def _spec_again(
    error: MicrocredError, request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, **_: Any
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # read again: the refusal rolled back what the handler began
    return _spec_page(request, caller, db, spec, error=error.detail, status_code=STATUS[error.kind])


def _back_to(caller: Caller, spec_id: uuid.UUID, done: str) -> Response:
    return RedirectResponse(f"/orgs/{caller.org.slug}/specifications/{spec_id}?done={done}", status_code=303)


@router.post("/orgs/{org}/specifications/{spec_id}/publish", response_class=HTMLResponse)
@refusing(_spec_again)
async def publish_form(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    form = await request.form()
    review_due = optional_date(form.get("review_due"), field="review date", code="invalid_review_date")
    design.publish(db, caller.signed_in, caller.org, spec_id, review_due=review_due)
    return _back_to(caller, spec_id, "published")


@router.post("/orgs/{org}/specifications/{spec_id}/review", response_class=HTMLResponse)
@refusing(_spec_again)
async def review_form(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    form = await request.form()
    next_review = optional_date(form.get("next_review"), field="next review date", code="invalid_review_date")
    note = str(form.get("note", ""))[:2000]
    design.review(db, caller.signed_in, caller.org, spec_id, next_review=next_review, note=note)
    return _back_to(caller, spec_id, "reviewed")


@router.post("/orgs/{org}/specifications/{spec_id}/withdraw", response_class=HTMLResponse)
@refusing(_spec_again)
def withdraw_form(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    design.withdraw(db, caller.signed_in, caller.org, spec_id)
    return _back_to(caller, spec_id, "withdrawn")


@router.get("/orgs/{org}/specifications/{spec_id}/editions/{number}", response_class=HTMLResponse)
def edition_page(request: Request, org: str, spec_id: uuid.UUID, number: int, caller: Educators, db: DB) -> Response:
    spec = design.get(db, caller.org, spec_id)
    edition = design.find_edition(spec, number)
    content = design.edition_content(edition)
    return render(
        request,
        "edition.html",
        caller,
        db=db,
        title=f"{content.title}, edition {number}",
        spec=spec,
        edition=edition,
        c=content,
        labels=taxonomy.skill_labels(db, content.skill_uris()),
        **vocabularies(),
    )
