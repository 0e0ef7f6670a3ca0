"""HTML routes of pathways: the builder of an organisation's admins and educators, the public list of every
organisation's pathways, a learner's progress on one from their wallet, and gap to stack for a goal career."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from microcred.accounts.models import Organisation
from microcred.design.documents import decimal_text
from microcred.errors import InvalidInput, MicrocredError
from microcred.inputs import optional_date
from microcred.pathways import clr, gap, service
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.pathways.service import Found
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.flows import verifier_of
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Anyone, Caller, Educators, SignedIn, master_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)

KINDS = {
    "open": "Open: any quality-assured provider's micro-credentials",
    "elective": "Elective: micro-credentials from an approved list, in any order",
    "fixed": "Fixed sequence: given micro-credentials, in order",
}
HITS = 10
# The form's fields each rule refers to, so a refusal is shown beside the field it is about.
RULE_FIELDS = {
    "title": "title",
    "qualification": "qualification",
    "kind": "kind",
    "total_credits": "total_credits",
    "min_level": "min_level",
    "max_level": "max_level",
    "validity_years": "validity_years",
    "rpl_cap_credits": "rpl_cap_credits",
    "required_skills": "skills",
    "skill": "skills",
    "approved": "specs",
    "sequence": "specs",
    "specification": "specs",
}
# A value of the wrong kind is named by the form's label (pathways.service.RULE_LABELS).
RULE_FIELDS.update({label: RULE_FIELDS[name.removesuffix("[]")] for name, label in service.RULE_LABELS.items()})
FIELD_OF = {name.lower(): field for name, field in RULE_FIELDS.items()}
_LONGEST_FIRST = sorted(RULE_FIELDS, key=len, reverse=True)
NAMED_FIELD = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, _LONGEST_FIRST)) + r")(?!\w)", re.IGNORECASE)


def plain_number(value: object) -> str:
    """A number of credits or hours, from rules, progress or a workload, as people write it: 10, 7.5 (never 10.00
    or 7.500000001); "" for none."""
    if value is None or value == "":
        return ""
    try:
        return decimal_text(Decimal(str(round(value, 2) if isinstance(value, float) else value)))
    except ArithmeticError:
        return str(value)


def _own_pathway(pathway_id: uuid.UUID, caller: Educators, db: DB) -> Pathway:
    """The organisation's pathway the URL names: another's is a 404 before the handler runs, so that a form the
    domain refuses is always about a pathway that is there to show again."""
    return service.of(db, caller.org, pathway_id)


OwnPathway = Annotated[Pathway, Depends(_own_pathway)]


# Form <-> rules -------------------------------------------------------------------------------------------------


def pathway_to_values(pathway: Pathway) -> dict[str, Any]:
    """A saved pathway as the strings and lists the form shows."""
    rules = pathway.rules

    def text(key: str) -> str:
        value = rules.get(key)
        return "" if value is None else str(value)

    return {
        "title": pathway.title,
        "qualification": pathway.qualification,
        "kind": rules["kind"],
        "total_credits": plain_number(rules.get("total_credits")),
        "min_level": text("min_level"),
        "max_level": text("max_level"),
        "validity_years": text("validity_years"),
        "rpl_cap_credits": plain_number(rules.get("rpl_cap_credits")),
        "skills": list(rules.get("required_skills", [])),
        "specs": [str(spec) for spec in (rules.get("sequence") or rules.get("approved") or [])],
    }


def form_to_values(form: FormData) -> dict[str, Any]:
    """What the person typed and ticked, kept as it is so that a refused form shows it again."""
    values: dict[str, Any] = {
        key: str(form.get(key, "")).strip()
        for key in (
            "title",
            "qualification",
            "kind",
            "total_credits",
            "min_level",
            "max_level",
            "validity_years",
            "rpl_cap_credits",
            "skill_q",
            "spec_q",
        )
    }
    values["skills"] = list(dict.fromkeys(str(uri).strip() for uri in form.getlist("skills") if str(uri).strip()))
    ticked = list(dict.fromkeys(str(spec).strip() for spec in form.getlist("specs") if str(spec).strip()))

    def place(item: tuple[int, str]) -> tuple[int, int]:
        index, spec = item
        typed = str(form.get(f"position_{spec}", "")).strip()
        return (int(typed) if re.fullmatch(r"[0-9]{1,6}", typed) else 10**6, index)  # unnumbered: last, in order

    values["specs"] = [spec for _index, spec in sorted(enumerate(ticked), key=place)]
    return values


def values_to_rules(values: dict[str, Any]) -> dict[str, Any]:
    """The rules the form describes; Rules (through the service) says what is wrong with them."""
    rules: dict[str, Any] = {"kind": values["kind"]} if values.get("kind") else {}
    for key in ("total_credits", "min_level", "max_level", "validity_years", "rpl_cap_credits"):
        if values.get(key):
            rules[key] = values[key]
    if values.get("skills"):
        rules["required_skills"] = values["skills"]
    if values.get("specs"):
        # The micro-credentials picked are the sequence of a fixed pathway and the approved list otherwise
        # (where an open pathway refuses them, saying so).
        rules["sequence" if values.get("kind") == "fixed" else "approved"] = values["specs"]
    return rules


def problems_of(detail: str) -> list[tuple[str, set[str]]]:
    """The sentences of a refusal (the service separates its problems with "; "), each with the form fields it
    names, to show it beside them."""
    sentences = [part.strip().rstrip(".") + "." for part in detail.split("; ") if part.strip()]
    return [
        (
            sentence if NAMED_FIELD.match(sentence) else sentence[:1].upper() + sentence[1:],  # min_level stays so
            {FIELD_OF[name.lower()] for name in NAMED_FIELD.findall(sentence)},
        )
        for sentence in sentences
    ]


# The builder -------------------------------------------------------------------------------------------------------


def _form_page(
    request: Request,
    caller: Caller,
    db: Session,
    *,
    pathway: Pathway | None,
    values: dict[str, Any],
    found: Found | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    problems = problems_of(error) if error else []
    spec_ids = []
    for spec in values.get("specs", []):
        try:
            spec_ids.append(uuid.UUID(spec))
        except ValueError:
            continue
    return render(
        request,
        "pathway_form.html",
        caller,
        db=db,
        title=f"Edit {pathway.title}" if pathway else "New pathway",
        pathway=pathway,
        f=values,
        kinds=KINDS,
        labels=taxonomy.skill_labels(db, values.get("skills", [])),
        names={str(spec): named for spec, named in service.specifications_named(db, spec_ids).items()},
        found=found or Found(),
        problems=problems,
        flagged={name for _sentence, fields in problems for name in fields},
        status_code=status_code,
    )


def _save_or_find(request: Request, caller: Caller, db: Session, form: FormData, pathway: Pathway | None) -> Response:
    """Search (and show the form again with the hits), or save: a refusal raises, for `_form_again`."""
    values = form_to_values(form)
    action = str(form.get("action", "save"))
    # Enter in a search box submits the form with the hidden default button ("enter"): search then.
    if action == "find" or (action == "enter" and (values["skill_q"] or values["spec_q"])):
        found = service.find_to_pick(
            db,
            skill_q=values.get("skill_q", ""),
            spec_q=values.get("spec_q", ""),
            chosen_skills=values["skills"],
            chosen_specs=values["specs"],
            hits=HITS,
        )
        values["skill_q"] = values["spec_q"] = ""
        return _form_page(
            request,
            caller,
            db,
            pathway=pathway,
            values=values,
            found=found,
            error=found.problem,
            status_code=422 if found.problem else 200,
        )
    if pathway is None:
        saved = service.create(
            db,
            caller.signed_in,
            caller.org,
            title=values["title"],
            qualification=values["qualification"],
            rules=values_to_rules(values),
        )
    else:
        saved = service.update(
            db,
            caller.signed_in,
            caller.org,
            pathway.id,
            title=values["title"],
            qualification=values["qualification"],
            rules=values_to_rules(values),
        )
    return done(f"/orgs/{caller.org.slug}/pathways/{saved.id}", "pathway_saved")


async def _form_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    pathway_id: uuid.UUID | None = None,
    **_: Any,
) -> Response:
    """The builder's form refused: shown again with what was typed and ticked, the refusal beside its fields."""
    pathway = service.of(db, caller.org, pathway_id) if pathway_id is not None else None  # read again, rolled back
    values = form_to_values(await request.form())
    return _form_page(
        request, caller, db, pathway=pathway, values=values, error=error.detail, status_code=STATUS[error.kind]
    )


@router.get("/orgs/{org}/pathways", response_class=HTMLResponse)
def builder_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
    pathways = service.of_organisation(db, caller.org)
    return render(
        request,
        "pathways.html",
        caller,
        db=db,
        title="Pathways",
        pathways=pathways,
        kinds=KINDS,
        number=plain_number,
    )


@router.get("/orgs/{org}/pathways/new", response_class=HTMLResponse)
def new_pathway_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
    values = {"kind": "open", "skills": [], "specs": []}
    return _form_page(request, caller, db, pathway=None, values=values)


@router.post("/orgs/{org}/pathways", response_class=HTMLResponse)
@refusing(_form_again)
async def create_pathway(request: Request, org: str, caller: Educators, db: DB) -> Response:
    return _save_or_find(request, caller, db, await request.form(), None)


def _rules_context(db: Session, pathway: Pathway) -> dict[str, Any]:
    """What the rules in words need: the rules, the names of their micro-credentials and skills."""
    [context] = _rules_contexts(db, [pathway])
    return context


def _rules_contexts(db: Session, pathways: list[Pathway]) -> list[dict[str, Any]]:
    """`_rules_context` of each pathway, their names and labels read together."""
    all_rules = [Rules.model_validate(pathway.rules) for pathway in pathways]
    names = service.specifications_named(db, [spec for r in all_rules for spec in (*r.approved, *r.sequence)])
    labels = taxonomy.skill_labels(db, [uri for r in all_rules for uri in r.required_skills])
    return [{"rules": rules, "names": names, "labels": labels, "number": plain_number} for rules in all_rules]


@router.get("/orgs/{org}/pathways/{pathway_id}", response_class=HTMLResponse)
def pathway_page(request: Request, org: str, pathway_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    pathway = service.of(db, caller.org, pathway_id)
    return render(
        request,
        "pathway.html",
        caller,
        db=db,
        title=pathway.title,
        pathway=pathway,
        **_rules_context(db, pathway),
    )


@router.get("/orgs/{org}/pathways/{pathway_id}/edit", response_class=HTMLResponse)
def edit_pathway_page(request: Request, org: str, pathway_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    pathway = service.of(db, caller.org, pathway_id)
    return _form_page(request, caller, db, pathway=pathway, values=pathway_to_values(pathway))


@router.post("/orgs/{org}/pathways/{pathway_id}/edit", response_class=HTMLResponse)
@refusing(_form_again)
async def update_pathway(
    request: Request, org: str, pathway_id: uuid.UUID, caller: Educators, db: DB, pathway: OwnPathway
) -> Response:
    return _save_or_find(request, caller, db, await request.form(), pathway)


def _kept_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, pathway_id: uuid.UUID, **_: Any
) -> Response:
    """A pathway that could not be deleted (other records cite it), shown again with the reason."""
    pathway = service.of(db, caller.org, pathway_id)
    return render(
        request,
        "pathway.html",
        caller,
        db=db,
        title=pathway.title,
        pathway=pathway,
        error=error.detail,
        status_code=STATUS[error.kind],
        **_rules_context(db, pathway),
    )


@router.post("/orgs/{org}/pathways/{pathway_id}/delete", response_class=HTMLResponse)
@refusing(_kept_again)
def delete_pathway(
    request: Request,
    org: str,
    pathway_id: uuid.UUID,
    caller: Educators,
    db: DB,
    pathway: OwnPathway,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    confirmed(confirm, "Tick the box to confirm that the pathway is deleted.")
    service.delete(db, caller.signed_in, caller.org, pathway_id)
    return done(f"/orgs/{caller.org.slug}/pathways", "pathway_deleted")


# Learners ----------------------------------------------------------------------------------------------------------


@router.get("/pathways", response_class=HTMLResponse)
def pathways_list_page(request: Request, caller: Anyone, db: DB) -> Response:
    listed = service.listed(db)
    contexts = _rules_contexts(db, [pathway for pathway, _organisation in listed])
    rows = [(pathway, organisation, context) for (pathway, organisation), context in zip(listed, contexts, strict=True)]
    return render(request, "pathway_list.html", caller, db=db, title="Pathways to a qualification", rows=rows)


@router.get("/pathways/{pathway_id}/progress", response_class=HTMLResponse)
def progress_page(request: Request, pathway_id: uuid.UUID, caller: SignedIn, db: DB, enrolled_on: str = "") -> Response:
    return _progress_page(request, pathway_id, caller, db, enrolled_on)


def _progress_page(
    request: Request, pathway_id: uuid.UUID, caller: Caller, db: Session, enrolled_on: str = "", clr_error: str = ""
) -> Response:
    pathway = service.get(db, pathway_id)
    error = None
    try:
        enrolled = optional_date(enrolled_on[:40], field="enrolment date", code="invalid_date")
    except InvalidInput as problem:
        enrolled, error = None, problem.detail
    holdings = service.wallet_of(db, caller.person, verifier_of(request, db), base_url=settings_of(request).base_url)
    context = _rules_context(db, pathway)
    rules: Rules = context["rules"]
    found = service.progress(rules, holdings, today=date.today(), enrolled_on=enrolled)
    return render(
        request,
        "pathway_progress.html",
        caller,
        db=db,
        title=f"My progress: {pathway.title}",
        pathway=pathway,
        provider=db.get(Organisation, pathway.organisation_id),
        progress=found,
        enrolled_on=enrolled_on[:40],
        missing_labels=taxonomy.skill_labels(db, found.missing_skills),
        short_by=max(found.total_credits - found.credits, Decimal(0)),
        error=error,
        clr_error=clr_error,
        status_code=422 if error or clr_error else 200,
        **context,
    )


def _no_record(error: MicrocredError, request: Request, caller: Caller, db: Session, pathway_id: uuid.UUID) -> Response:
    return _progress_page(request, pathway_id, caller, db, clr_error=error.detail)


@router.post("/pathways/{pathway_id}/clr", response_class=HTMLResponse)
@refusing(_no_record)
def issue_clr(request: Request, pathway_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    """The learner's own Comprehensive Learner Record of a pathway their wallet completes, into their wallet."""
    _signed, row = clr.issue(
        db,
        caller.signed_in,
        service.get(db, pathway_id),
        caller.person,
        verifier_of(request, db),
        base_url=settings_of(request).base_url,
        master=master_of(request),
    )
    return done(f"/wallet/{row.id}", "clr_issued")


@router.get("/profile/gap", response_class=HTMLResponse)
def gap_page(
    request: Request, caller: SignedIn, db: DB, q: str = "", occupation: str = "", level: str = ""
) -> Response:
    hits: list[search.Hit] = []
    found: gap.Gap | None = None
    error, status_code = None, 200
    try:
        if level and not re.fullmatch(r"[1-8]", level):
            raise InvalidInput("The EQF level must be a number from 1 to 8.", code="invalid_level")
        if q.strip():
            hits = search.search_occupations(db, q, HITS)
        if occupation.strip():
            check = verifier_of(request, db)
            held = gap.learner_skills(db, caller.person, check)
            found = gap.gap_to_stack(db, occupation.strip()[:300], held, level=int(level) if level else None)
    except MicrocredError as problem:
        error, status_code = problem.detail, STATUS[problem.kind]
    return render(
        request,
        "gap.html",
        caller,
        db=db,
        title="Gap to stack",
        q=q[:200],
        occupation=occupation[:300],
        level=level[:2],
        hits=hits,
        gap=found,
        number=plain_number,
        error=error,
        status_code=status_code,
    )
