"""HTML routes of the taxonomy stage: career fields, careers and skills, open to everyone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from microcred.errors import MicrocredError
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy
from microcred.web.security import DB, Anyone
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/careers", response_class=HTMLResponse)
def career_fields(request: Request, caller: Anyone, db: DB) -> Response:
    sizes = taxonomy.career_field_sizes(db)
    return render(
        request,
        "career_fields.html",
        caller,
        db=db,
        title="Explore careers",
        fields=taxonomy.CAREER_FIELDS,
        sizes=sizes,
        release=taxonomy.release(db),
    )


@router.get("/careers/fields/{slug}", response_class=HTMLResponse)
def career_field(request: Request, slug: str, caller: Anyone, db: DB) -> Response:
    field = taxonomy.career_field(slug)
    return render(
        request,
        "career_field.html",
        caller,
        db=db,
        title=field.name,
        field=field,
        careers=taxonomy.careers_in_field(db, slug),
    )


@router.get("/careers/{career_id}", response_class=HTMLResponse)
def career(request: Request, career_id: str, caller: Anyone, db: DB) -> Response:
    found = taxonomy.career(db, career_id)
    return render(request, "career.html", caller, db=db, title=found.occupation.preferred_label, career=found)


@router.get("/skills/{skill_id}", response_class=HTMLResponse)
def skill(request: Request, skill_id: str, caller: Anyone, db: DB) -> Response:
    found = taxonomy.skill_detail(db, skill_id)
    return render(request, "skill.html", caller, db=db, title=found.skill.preferred_label, detail=found)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, caller: Anyone, db: DB, q: str = "") -> Response:
    careers: list[search.Hit] = []
    skills: list[search.Hit] = []
    error = None
    if q.strip():
        try:
            careers, skills = search.search_occupations(db, q, 15), search.search_skills(db, q, 15)
        except MicrocredError as problem:
            error = problem.detail
    return render(
        request,
        "search.html",
        caller,
        db=db,
        title="Search careers and skills",
        q=q,
        careers=careers,
        skills=skills,
        error=error,
        status_code=422 if error else 200,
    )
