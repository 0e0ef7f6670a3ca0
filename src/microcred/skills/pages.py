"""HTML routes of the skills stage: the learner's CV-style profile, experiences and their skills, careers."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import User
from microcred.accounts.passwords import check_new_password, hash_password
from microcred.errors import Conflict, MicrocredError, NotFound
from microcred.inputs import is_digits, optional_date
from microcred.skills import cohorts
from microcred.skills import service as skills
from microcred.skills.models import CohortStatus, Experience, ExperienceKind
from microcred.skills.schemas import SkillChangeOut
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy
from microcred.web.downloads import attachment
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Anyone, Caller, Educators, SignedIn, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, caller: SignedIn, db: DB) -> Response:
    user = caller.person
    items = skills.experiences(db, user)
    labels = _labels(db, items)
    return render(
        request,
        "profile.html",
        caller,
        db=db,
        title="My skills profile",
        experiences=items,
        labels=labels,
        profile=skills.profile(db, user),
    )


@router.get("/profile/careers", response_class=HTMLResponse)
def careers_page(request: Request, caller: SignedIn, db: DB, field: str = "") -> Response:
    prefixes = taxonomy.career_field(field).isco_prefixes if field else ()
    result = skills.career_matches(db, caller.person, limit=30, isco_prefixes=prefixes)
    return render(
        request,
        "career_matches.html",
        caller,
        db=db,
        title="My career matches",
        result=result,
        fields=taxonomy.CAREER_FIELDS,
        field=field,
    )


@router.get("/profile/experiences/new", response_class=HTMLResponse)
def new_experience_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return render(
        request, "experience_form.html", caller, db=db, title="Add an experience", item=None, kinds=list(ExperienceKind)
    )


def _experience_form_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    kind: ExperienceKind,
    title: str,
    organisation: str,
    description: str,
    started_on: str,
    ended_on: str,
    **_: Any,
) -> Response:
    return render(
        request,
        "experience_form.html",
        caller,
        db=db,
        title="Add an experience",
        item=None,
        kinds=list(ExperienceKind),
        error=error.detail,
        error_code=error.code,
        status_code=STATUS[error.kind],
        form={
            "kind": kind.value,
            "title": title,
            "organisation": organisation,
            "description": description,
            "started_on": started_on,
            "ended_on": ended_on,
        },
    )


@router.post("/profile/experiences", response_class=HTMLResponse)
@refusing(_experience_form_again)
def create_experience(
    request: Request,
    caller: SignedIn,
    db: DB,
    kind: Annotated[ExperienceKind, Form()],
    title: Text,
    organisation: Text = "",
    description: Annotated[str, Form(max_length=10_000)] = "",
    started_on: Annotated[str, Form(max_length=20)] = "",
    ended_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    item = skills.add_experience(
        db,
        caller.person,
        kind=kind,
        title=title,
        organisation=organisation,
        description=description,
        started_on=optional_date(started_on, field="start date", code="invalid_start_date"),
        ended_on=optional_date(ended_on, field="end date", code="invalid_end_date"),
    )
    if description.strip():
        skills.suggest_skills(db, caller.person, item.id)
    return done(f"/profile/experiences/{item.id}", "experience-added")


def _labels(db: Session, items: list[Experience]) -> dict[str, str]:
    uris = [s.skill_uri for item in items for s in item.skills]
    return taxonomy.skill_labels(db, uris)


def _experience_page(
    request: Request, caller: Caller, db: Session, experience_id: uuid.UUID, status_code: int = 200, **context: Any
) -> Response:
    item = skills.experience(db, caller.person, experience_id)
    return render(
        request,
        "experience.html",
        caller,
        db=db,
        title=item.title,
        item=item,
        labels=_labels(db, [item]),
        kinds=list(ExperienceKind),
        status_code=status_code,
        **context,
    )


@router.get("/profile/experiences/{experience_id}", response_class=HTMLResponse)
def experience_page(
    request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB, q: str = "", skill: str = ""
) -> Response:
    hits: list[search.Hit] = []
    error = None
    if q.strip():
        try:
            hits = search.search_skills(db, q, 10)
        except MicrocredError as problem:
            error = problem.detail
    # After a keep, save, dismiss or remove without JavaScript (`?done=skill-kept&skill=…`): the message names the
    # skill, read from the experience as it is now; anything else in the address falls back to the fixed sentence.
    change = None
    if skill.strip():
        item = skills.experience(db, caller.person, experience_id)
        action = request.query_params.get("done", "").removeprefix("skill-")
        change = skills.change_shown(db, item, action, taxonomy.skill_uri(skill.strip()[:100]))
    return _experience_page(
        request,
        caller,
        db,
        experience_id,
        q=q,
        hits=hits,
        error=error,
        status_code=422 if error else 200,
        flash=change.message if change else None,
    )


def _wants_json(request: Request) -> bool:
    """The experience page's script asks for JSON answers (`Accept: application/json`) to change rows in place."""
    return "application/json" in request.headers.get("accept", "")


def _experience_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, experience_id: uuid.UUID, **_: Any
) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=STATUS[error.kind])
    return _experience_page(request, caller, db, experience_id, status_code=STATUS[error.kind], error=error.detail)


def _changed(request: Request, experience_id: uuid.UUID, change: skills.SkillChange) -> Response:
    """The answer to a change of one skill: JSON for the page's script (SkillChangeOut); otherwise back to the
    experience page, at the skill's row (or its list, when the row is gone), with a message naming the skill."""
    skill_id = change.uri.rsplit("/", 1)[-1]
    if _wants_json(request):
        answer = SkillChangeOut(
            uri=change.uri,
            id=skill_id,
            label=change.label,
            action=change.action,
            strength=change.strength,
            kept=change.kept,
            suggested=change.suggested,
            message=change.message,
        )
        return JSONResponse(answer.model_dump(mode="json"))
    anchor = (
        f"skill-{skill_id}"
        if change.strength is not None
        else "suggested"
        if change.action == "dismissed"
        else "confirmed"
    )
    return done(f"/profile/experiences/{experience_id}?skill={quote(skill_id)}#{anchor}", f"skill-{change.action}")


@router.post("/profile/experiences/{experience_id}/skills", response_class=HTMLResponse)
@refusing(_experience_again)
def set_skill(
    request: Request,
    experience_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    skill: Annotated[str, Form(max_length=255)],
    strength: Annotated[str, Form(max_length=3)],
) -> Response:
    """Keep a suggestion, add a skill found by name, or save a kept skill's strength (JSON: SkillChangeOut)."""
    value = int(strength) if is_digits(strength.strip()) else strength
    change = skills.keep_skill(
        db, caller.person, experience_id, taxonomy.skill_uri(skill), skills.check_strength(value)
    )
    return _changed(request, experience_id, change)


@router.post("/profile/experiences/{experience_id}/skills/remove", response_class=HTMLResponse)
@refusing(_experience_again)
def remove_skill(
    request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB, skill: Annotated[str, Form(max_length=255)]
) -> Response:
    """Dismiss a suggestion or remove a kept skill (JSON: SkillChangeOut)."""
    change = skills.drop_skill(db, caller.person, experience_id, taxonomy.skill_uri(skill))
    return _changed(request, experience_id, change)


@router.post("/profile/experiences/{experience_id}/suggestions", response_class=HTMLResponse)
def suggest(request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    skills.suggest_skills(db, caller.person, experience_id)
    return done(f"/profile/experiences/{experience_id}#suggested", "skills-suggested")


@router.post("/profile/experiences/{experience_id}/delete", response_class=HTMLResponse)
@refusing(_experience_again)
def delete(
    request: Request,
    experience_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    skills.experience(db, caller.person, experience_id)  # someone else's is a 404 before the confirmation is asked
    confirmed(confirm, "Tick the box to confirm that this experience and its skills are to be deleted.")
    skills.delete_experience(db, caller.person, experience_id)
    return done("/profile", "experience-deleted")


# Cohorts: educators ------------------------------------------------------------------------------------

EXPORTS = {
    "profiles-summary": ("Profiles summary", cohorts.export_profiles_summary),
    "skills-distribution": ("Skills distribution", cohorts.export_skills_distribution),
    "careers-distribution": ("Careers distribution", cohorts.export_careers_distribution),
}


@router.get("/orgs/{org}/cohorts", response_class=HTMLResponse)
def cohorts_page(request: Request, org: str, caller: Educators, db: DB, error: str = "") -> Response:
    return render(request, "cohorts.html", caller, title="Cohorts", cohorts=cohorts.cohorts(db, caller.org))


def _cohorts_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    name: str = "",
    description: str = "",
    **_: Any,
) -> Response:
    return render(
        request,
        "cohorts.html",
        caller,
        title="Cohorts",
        cohorts=cohorts.cohorts(db, caller.org),
        error=error.detail,
        kept={"name": name, "description": description},
        status_code=STATUS[error.kind],
    )


@router.post("/orgs/{org}/cohorts", response_class=HTMLResponse)
@refusing(_cohorts_again)
def create_cohort(
    request: Request,
    org: str,
    caller: Educators,
    db: DB,
    name: Text,
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    found = cohorts.create_cohort(db, caller.signed_in, caller.org, name=name, description=description)
    return RedirectResponse(f"/orgs/{org}/cohorts/{found.id}", status_code=303)


@router.get("/orgs/{org}/cohorts/{cohort_id}", response_class=HTMLResponse)
def cohort_page(
    request: Request, org: str, cohort_id: uuid.UUID, caller: Educators, db: DB, status: str = "", q: str = ""
) -> Response:
    found = cohorts.cohort(db, caller.org, cohort_id)
    if status:
        cohorts.check_status(status)
    distribution = cohorts.skills_distribution(db, found)
    settings = settings_of(request)
    return render(
        request,
        "cohort.html",
        caller,
        title=found.name,
        cohort=found,
        rows=cohorts.learner_rows(db, found, status=status, text=q),
        status=status,
        q=q,
        statuses=list(CohortStatus),
        distribution=distribution[:25],
        peak=max((d.users for d in distribution), default=1),
        exports=EXPORTS,
        join_link=f"{settings.base_url.rstrip('/')}/join/{found.access_code}",
    )


@router.post("/orgs/{org}/cohorts/{cohort_id}/learners/{user_id}", response_class=HTMLResponse)
def cohort_progress(
    request: Request,
    org: str,
    cohort_id: uuid.UUID,
    user_id: uuid.UUID,
    caller: Educators,
    db: DB,
    status: Annotated[str, Form(max_length=20)],
    outcome: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    cohorts.set_progress(
        db, caller.signed_in, caller.org, cohort_id, user_id, status=cohorts.check_status(status), outcome=outcome
    )
    return RedirectResponse(f"/orgs/{org}/cohorts/{cohort_id}", status_code=303)


@router.post("/orgs/{org}/cohorts/{cohort_id}/open", response_class=HTMLResponse)
def cohort_open(
    request: Request,
    org: str,
    cohort_id: uuid.UUID,
    caller: Educators,
    db: DB,
    open: Annotated[str, Form(max_length=5)],
) -> Response:
    cohorts.set_open(db, caller.signed_in, caller.org, cohort_id, open == "yes")
    return RedirectResponse(f"/orgs/{org}/cohorts/{cohort_id}", status_code=303)


@router.get("/orgs/{org}/cohorts/{cohort_id}/learners/{user_id}", response_class=HTMLResponse)
def cohort_learner(
    request: Request, org: str, cohort_id: uuid.UUID, user_id: uuid.UUID, caller: Educators, db: DB
) -> Response:
    found = cohorts.cohort(db, caller.org, cohort_id)
    member = next((m for m in found.members if m.user_id == user_id), None)
    if member is None:
        raise NotFound("That learner is not in this cohort.", code="cohort_member_not_found")
    learner = member.user
    shared_profile = skills.profile(db, learner) if member.share_skills else None
    items = skills.experiences(db, learner) if member.share_experiences else None
    matches = skills.career_matches(db, learner, limit=10) if member.share_careers and member.share_skills else None
    return render(
        request,
        "cohort_learner.html",
        caller,
        title=learner.display_name,
        cohort=found,
        member=member,
        profile=shared_profile,
        experiences=items,
        matches=matches,
    )


@router.get("/orgs/{org}/cohorts/{cohort_id}/exports/{name}.csv")
def cohort_export(org: str, cohort_id: uuid.UUID, name: str, caller: Educators, db: DB) -> Response:
    if name not in EXPORTS:
        raise NotFound(f"There is no export called {name}.", code="export_not_found")
    found = cohorts.cohort(db, caller.org, cohort_id)
    title, make = EXPORTS[name]
    return Response(
        make(db, found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"{title} - {found.name}.csv")},
    )


# Cohorts: learners -------------------------------------------------------------------------------------


@router.get("/join", response_class=HTMLResponse)
@router.get("/join/{code}", response_class=HTMLResponse)
def join_page(request: Request, caller: Anyone, db: DB, code: str = "") -> Response:
    """The join link: signed-in people join; people without an account sign up and join in one step."""
    found = None
    error = None
    if code:
        try:
            found = cohorts.cohort_by_code(db, code)
        except MicrocredError as problem:
            error = problem.detail
    return _join_form(request, caller, db, code=code, cohort=found, error=error, status_code=404 if error else 200)


def _join_form(
    request: Request,
    caller: Caller,
    db: Session,
    *,
    code: str,
    cohort: Any = None,
    error: str | None = None,
    status_code: int = 200,
    email: str = "",
    display_name: str = "",
) -> Response:
    return render(
        request,
        "join.html",
        caller,
        db=db,
        title="Join a cohort",
        code=code,
        cohort=cohort,
        error=error,
        signed_in=caller.actor is not None and caller.actor.token is None,
        email=email,
        display_name=display_name,
        status_code=status_code,
    )


def _sign_up_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    code: str,
    email: str,
    display_name: str,
    **_: Any,
) -> Response:
    return _join_form(
        request,
        caller,
        db,
        code=code,
        error=error.detail,
        status_code=STATUS[error.kind],
        email=email,
        display_name=display_name,
    )


@router.post("/join/sign-up", response_class=HTMLResponse)
@refusing(_sign_up_again)
def sign_up_and_join(
    request: Request,
    caller: Anyone,
    db: DB,
    code: Annotated[str, Form(max_length=40)],
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    display_name: Annotated[str, Form(max_length=200)] = "",
    share_skills: Annotated[str, Form(max_length=5)] = "",
    share_experiences: Annotated[str, Form(max_length=5)] = "",
    share_careers: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    # Whatever is wrong with the request itself is named; whether the email has an account is not.
    found = cohorts.cohort_by_code(db, code)
    normalized = accounts.check_email(email)
    accounts.check_display_name(display_name, normalized)
    check_new_password(password, email=normalized)
    if db.scalar(select(User.id).where(User.email == normalized)) is None:
        try:
            with db.begin_nested():  # an account made a moment ago by another request leaves nothing of this one
                cohorts.sign_up_and_join(
                    db,
                    code,
                    email=email,
                    display_name=display_name,
                    password=password,
                    share_skills=share_skills == "yes",
                    share_experiences=share_experiences == "yes",
                    share_careers=share_careers == "yes",
                )
        except (Conflict, IntegrityError) as error:  # that account: the same answer as any existing account
            if isinstance(error, Conflict) and error.code != "user_exists":
                raise
    else:
        hash_password(password)  # as long as making the account takes
    return render(
        request,
        "join.html",
        caller,
        db=db,
        title="Join a cohort",
        code=code,
        cohort=found,
        signed_in=False,
        email="",
        display_name="",
        flash=SIGNED_UP,
    )


# One answer whether or not the email had an account, so the form tells nobody which emails have one.
SIGNED_UP = (
    "Now log in with this email and your password to go on. If the email was new here, its account is made "
    "and in the cohort; if it had an account already, nothing was changed: log in with that account's password "
    "and join."
)


def _join_again(error: MicrocredError, request: Request, caller: Caller, db: Session, code: str, **_: Any) -> Response:
    return _join_form(request, caller, db, code=code, error=error.detail, status_code=STATUS[error.kind])


@router.post("/join", response_class=HTMLResponse)
@refusing(_join_again)
def join(
    request: Request,
    caller: SignedIn,
    db: DB,
    code: Annotated[str, Form(max_length=40)],
    share_skills: Annotated[str, Form(max_length=5)] = "",
    share_experiences: Annotated[str, Form(max_length=5)] = "",
    share_careers: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    cohorts.join_cohort(
        db,
        caller.person,
        code,
        share_skills=share_skills == "yes",
        share_experiences=share_experiences == "yes",
        share_careers=share_careers == "yes",
    )
    return RedirectResponse("/profile/cohorts", status_code=303)


@router.get("/profile/cohorts", response_class=HTMLResponse)
def my_cohorts_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return render(
        request, "my_cohorts.html", caller, db=db, title="My cohorts", memberships=cohorts.my_cohorts(db, caller.person)
    )


@router.post("/profile/cohorts/{cohort_id}/sharing", response_class=HTMLResponse)
def my_sharing(
    request: Request,
    cohort_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    share_skills: Annotated[str, Form(max_length=5)] = "",
    share_experiences: Annotated[str, Form(max_length=5)] = "",
    share_careers: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    cohorts.set_sharing(
        db,
        caller.person,
        cohort_id,
        share_skills=share_skills == "yes",
        share_experiences=share_experiences == "yes",
        share_careers=share_careers == "yes",
    )
    return RedirectResponse("/profile/cohorts", status_code=303)


@router.post("/profile/cohorts/{cohort_id}/leave", response_class=HTMLResponse)
def leave(
    request: Request, cohort_id: uuid.UUID, caller: SignedIn, db: DB, confirm: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    cohorts.leave_cohort(db, caller.person, cohort_id)  # not in it: a 404 first; the refusal rolls the leaving back
    confirmed(confirm, "Tick the box to confirm: you need the access code to join again.")
    return done("/profile/cohorts", "cohort-left")
