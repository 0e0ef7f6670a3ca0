"""HTML routes of the skills stage: the learner's CV-style profile, experiences and their skills, careers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts.models import User
from microcred.errors import InvalidInput, MicrocredError
from microcred.skills import service as skills
from microcred.skills.models import Experience, ExperienceKind
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy
from microcred.web.errors import STATUS
from microcred.web.security import DB, Access, Caller
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
SignedIn = Annotated[Caller, Depends(Access.signed_in())]
Text = Annotated[str, Form(max_length=200)]


def _user(caller: Caller) -> User:
    user = caller.signed_in.user
    assert user is not None
    return user


def _date(value: str, what: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"The {what} date must look like 2024-09-30.", code="invalid_dates") from None


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, caller: SignedIn, db: DB) -> Response:
    user = _user(caller)
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
    result = skills.career_matches(db, _user(caller), limit=30, isco_prefixes=prefixes)
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


@router.post("/profile/experiences", response_class=HTMLResponse)
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
    try:
        item = skills.add_experience(
            db,
            _user(caller),
            kind=kind,
            title=title,
            organisation=organisation,
            description=description,
            started_on=_date(started_on, "start"),
            ended_on=_date(ended_on, "end"),
        )
        if description.strip():
            skills.suggest_skills(db, _user(caller), item.id)
    except MicrocredError as error:
        db.rollback()
        return render(
            request,
            "experience_form.html",
            caller,
            db=db,
            title="Add an experience",
            item=None,
            kinds=list(ExperienceKind),
            error=error.detail,
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
    db.commit()
    return RedirectResponse(f"/profile/experiences/{item.id}", status_code=303)


def _labels(db: DB, items: list[Experience]) -> dict[str, str]:
    uris = [s.skill_uri for item in items for s in item.skills]
    return {uri: skill.preferred_label for uri, skill in taxonomy.skills_by_uri(db, uris).items()}


def _experience_page(
    request: Request, caller: Caller, db: DB, experience_id: uuid.UUID, status_code: int = 200, **context: Any
) -> Response:
    item = skills.experience(db, _user(caller), experience_id)
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
def experience_page(request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB, q: str = "") -> Response:
    hits: list[search.Hit] = []
    error = None
    if q.strip():
        try:
            hits = search.search_skills(db, q, 10)
        except MicrocredError as problem:
            error = problem.detail
    return _experience_page(
        request, caller, db, experience_id, q=q, hits=hits, error=error, status_code=422 if error else 200
    )


@router.post("/profile/experiences/{experience_id}/skills", response_class=HTMLResponse)
def set_skill(
    request: Request,
    experience_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    skill: Annotated[str, Form(max_length=255)],
    strength: Annotated[str, Form(max_length=3)],
) -> Response:
    try:
        value = int(strength) if strength.strip().isdigit() else strength
        skills.set_skill(db, _user(caller), experience_id, taxonomy.skill_uri(skill), skills.check_strength(value))
    except MicrocredError as error:
        db.rollback()
        return _experience_page(request, caller, db, experience_id, status_code=STATUS[error.kind], error=error.detail)
    db.commit()
    return RedirectResponse(f"/profile/experiences/{experience_id}", status_code=303)


@router.post("/profile/experiences/{experience_id}/skills/remove", response_class=HTMLResponse)
def remove_skill(
    request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB, skill: Annotated[str, Form(max_length=255)]
) -> Response:
    skills.remove_skill(db, _user(caller), experience_id, taxonomy.skill_uri(skill))
    db.commit()
    return RedirectResponse(f"/profile/experiences/{experience_id}", status_code=303)


@router.post("/profile/experiences/{experience_id}/suggestions", response_class=HTMLResponse)
def suggest(request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    skills.suggest_skills(db, _user(caller), experience_id)
    db.commit()
    return RedirectResponse(f"/profile/experiences/{experience_id}", status_code=303)


@router.post("/profile/experiences/{experience_id}/delete", response_class=HTMLResponse)
def delete(request: Request, experience_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    skills.delete_experience(db, _user(caller), experience_id)
    db.commit()
    return RedirectResponse("/profile", status_code=303)
