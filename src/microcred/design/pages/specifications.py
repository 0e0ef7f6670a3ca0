"""HTML routes of the design stage: specifications with their checks beside the form, publishing, editions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from microcred.design import form
from microcred.design import service as design
from microcred.design.labels import vocabularies
from microcred.design.models import Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput, MicrocredError
from microcred.inputs import optional_date
from microcred.skills.extract import extract_skills
from microcred.taxonomy import service as taxonomy
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Caller, Educators, OrgAdmins
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
SUGGESTIONS = 5


def _own_specification(spec_id: uuid.UUID, caller: Educators, db: DB) -> Specification:
    """The organisation's specification the URL names: another organisation's is a 404 before the handler runs,
    so that a form the domain refuses is always about a specification that is there to show again."""
    return design.get(db, caller.org, spec_id)


OwnSpecification = Annotated[Specification, Depends(_own_specification)]


# Pages ---------------------------------------------------------------------------------------------------------------


def _offers(db: DB, values: dict[str, Any], close: dict[int, list[str]]) -> list[dict[str, list[str]]]:
    """For each outcome, the skills offered beside the linked ones, unticked: the close matches of a skill just
    found by name, then what the outcome's text suggests."""
    offers = []
    for index, outcome in enumerate(values.get("outcomes", [])):
        near = [uri for uri in close.get(index, []) if uri not in outcome["skills"]]
        hits = []
        if outcome["text"]:
            try:
                hits = extract_skills(db, outcome["text"], top=SUGGESTIONS + len(outcome["skills"]) + len(near))
            except MicrocredError:
                hits = []
        taken = set(outcome["skills"]) | set(near)
        suggested = [hit.uri for hit in hits if hit.uri not in taken][:SUGGESTIONS]
        offers.append({"close": near, "suggested": suggested})
    return offers


def _form_page(
    request: Request,
    caller: Caller,
    db: DB,
    *,
    spec: Specification | None,
    values: dict[str, Any],
    problems: list[form.Problem] | None = None,
    close: dict[int, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    report = design.report(db, caller.org, spec) if spec is not None else None
    offers = _offers(db, values, close or {})
    uris = [uri for outcome in values.get("outcomes", []) for uri in outcome["skills"]]
    uris += [uri for offer in offers for uri in offer["close"] + offer["suggested"]]
    problems = problems or []
    return render(
        request,
        "specification_form.html",
        caller,
        db=db,
        title=("Edit " + (spec.title or "specification")) if spec else "New micro-credential",
        spec=spec,
        f=values,
        labels=taxonomy.skill_labels(db, uris),
        offers=offers,
        blank_outcomes=form.BLANK_OUTCOMES,
        report=report,
        problems=problems,
        errors={box: message for box, message in reversed(problems) if box},
        choices=form.choices(),
        status_code=status_code,
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
    posted = await request.form()
    design.set_profiles(db, caller.signed_in, caller.org, [str(p) for p in posted.getlist("profiles")])
    return done(f"/orgs/{caller.org.slug}/specifications#profiles", "profiles-saved")


@router.get("/orgs/{org}/specifications/new", response_class=HTMLResponse)
def new_specification_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
    content = design.prefilled(SpecificationContent(), caller.org)
    return _form_page(request, caller, db, spec=None, values=form.content_to_form(content))


def _read(db: DB, values: dict[str, Any]) -> tuple[SpecificationContent, dict[int, list[str]]]:
    """The content the form says, or a refusal with its first problem (the page shows them all again)."""
    content, problems, close = form.read_form(db, values)
    if content is None:
        raise InvalidInput(problems[0][1] if problems else "The form is not complete.", code="invalid_specification")
    return content, close


async def _form_again(
    error: MicrocredError, request: Request, caller: Caller, db: DB, spec: Specification | None
) -> Response:
    """The form again with every problem at the top and beside its box, and everything typed kept."""
    values = form.form_to_values(await request.form())
    _, problems, close = form.read_form(db, values)
    return _form_page(
        request,
        caller,
        db,
        spec=spec,
        values=values,
        problems=problems or [(None, error.detail)],
        close=close,
        status_code=STATUS[error.kind],
    )


async def _new_form_again(error: MicrocredError, request: Request, caller: Caller, db: DB, **_: Any) -> Response:
    return await _form_again(error, request, caller, db, None)


def _edit_address(caller: Caller, spec_id: uuid.UUID, close: dict[int, list[str]]) -> str:
    query = form.close_query(close)
    return f"/orgs/{caller.org.slug}/specifications/{spec_id}/edit" + (f"?{query}" if query else "")


@router.post("/orgs/{org}/specifications", response_class=HTMLResponse)
@refusing(_new_form_again)
async def create_specification(request: Request, org: str, caller: Educators, db: DB) -> Response:
    content, close = _read(db, form.form_to_values(await request.form()))
    spec = design.create(db, caller.signed_in, caller.org, content, prefill=False)
    return done(_edit_address(caller, spec.id, close), "specification-created")


@router.get("/orgs/{org}/specifications/{spec_id}/edit", response_class=HTMLResponse)
def edit_specification_page(request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    spec = design.get(db, caller.org, spec_id)
    values = form.content_to_form(design.content_of(spec))
    close = form.close_from(request.query_params.multi_items(), len(values["outcomes"]))
    return _form_page(request, caller, db, spec=spec, values=values, close=close)


async def _edit_form_again(
    error: MicrocredError, request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, **_: Any
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # read again: the refusal rolled back what the handler began
    return await _form_again(error, request, caller, db, spec)


@router.post("/orgs/{org}/specifications/{spec_id}/edit", response_class=HTMLResponse)
@refusing(_edit_form_again)
async def update_specification(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    content, close = _read(db, form.form_to_values(await request.form()))
    design.update(db, caller.signed_in, caller.org, spec_id, content)
    return done(_edit_address(caller, spec.id, close), "specification-saved")


def _spec_page(
    request: Request,
    caller: Caller,
    db: DB,
    spec: Specification,
    *,
    error: tuple[str | None, str] | None = None,
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


@router.get("/orgs/{org}/specifications/{spec_id}", response_class=HTMLResponse)
def specification_page(request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    return _spec_page(request, caller, db, design.get(db, caller.org, spec_id))


# The box a refusal of the specification page's forms is about: (the action, the refusal's code) -> the box's id.
_ACTION_BOXES = {
    ("publish", "invalid_review_date"): "review_due",
    ("publish", "not_publishable"): "blocking",
    ("review", "invalid_review_date"): "next_review",
    ("withdraw", "not_confirmed"): "withdraw-confirm",
}


def _spec_again(
    error: MicrocredError, request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, **_: Any
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # read again: the refusal rolled back what the handler began
    action = request.url.path.rsplit("/", 1)[-1]
    box = _ACTION_BOXES.get((action, error.code))
    return _spec_page(request, caller, db, spec, error=(box, error.detail), status_code=STATUS[error.kind])


def _back_to(caller: Caller, spec_id: uuid.UUID, key: str) -> Response:
    return done(f"/orgs/{caller.org.slug}/specifications/{spec_id}", key)


@router.post("/orgs/{org}/specifications/{spec_id}/publish", response_class=HTMLResponse)
@refusing(_spec_again)
async def publish_form(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    posted = await request.form()
    review_due = optional_date(posted.get("review_due"), field="review date", code="invalid_review_date")
    design.publish(db, caller.signed_in, caller.org, spec_id, review_due=review_due)
    return _back_to(caller, spec_id, "published")


@router.post("/orgs/{org}/specifications/{spec_id}/review", response_class=HTMLResponse)
@refusing(_spec_again)
async def review_form(
    request: Request, org: str, spec_id: uuid.UUID, caller: Educators, db: DB, spec: OwnSpecification
) -> Response:
    posted = await request.form()
    next_review = optional_date(posted.get("next_review"), field="next review date", code="invalid_review_date")
    note = str(posted.get("note", ""))[:2000]
    design.review(db, caller.signed_in, caller.org, spec_id, next_review=next_review, note=note)
    return _back_to(caller, spec_id, "reviewed")


@router.post("/orgs/{org}/specifications/{spec_id}/withdraw", response_class=HTMLResponse)
@refusing(_spec_again)
def withdraw_form(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    caller: Educators,
    db: DB,
    spec: OwnSpecification,
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    confirmed(
        confirm,
        "Tick the box to confirm the withdrawal: it takes the micro-credential out of the catalogue. "
        "It was not withdrawn.",
    )
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
