"""JSON routes of the taxonomy stage: the ESCO release, career fields, careers and skills (public data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from microcred.errors import NotFound
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy
from microcred.taxonomy.models import EscoOccupation, EscoSkill
from microcred.taxonomy.schemas import (
    CareerFieldDetail,
    CareerFieldOut,
    CareerOut,
    CareerRef,
    ReleaseOut,
    SearchHit,
    SkillOut,
    SkillRef,
)
from microcred.web.security import DB, Anyone

router = APIRouter(prefix="/api", tags=["taxonomy"])


def short_id(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def skill_ref(skill: EscoSkill) -> SkillRef:
    return SkillRef(
        uri=skill.uri,
        id=short_id(skill.uri),
        label=skill.preferred_label,
        skill_type=skill.skill_type,
        reuse_level=skill.reuse_level,
    )


def career_ref(occupation: EscoOccupation) -> CareerRef:
    return CareerRef(
        uri=occupation.uri,
        id=short_id(occupation.uri),
        label=occupation.preferred_label,
        isco_group=occupation.isco_group,
    )


def field_out(field: taxonomy.CareerField, sizes: dict[str, int]) -> CareerFieldOut:
    return CareerFieldOut(
        slug=field.slug, name=field.name, isco_groups=list(field.isco_prefixes), careers=sizes.get(field.slug, 0)
    )


@router.get("/taxonomy", response_model=ReleaseOut, summary="The ESCO release in use")
def release(caller: Anyone, db: DB) -> ReleaseOut:
    current = taxonomy.release(db)
    if current is None:
        raise NotFound(
            "No ESCO taxonomy has been imported yet: run `microcred taxonomy import PATH`.", code="taxonomy_missing"
        )
    return ReleaseOut(
        version=current.version, language=current.language, imported_at=current.imported_at, counts=current.counts
    )


@router.get("/career-fields", response_model=list[CareerFieldOut], summary="Career fields with their sizes")
def career_fields(caller: Anyone, db: DB) -> list[CareerFieldOut]:
    sizes = taxonomy.career_field_sizes(db)
    return [field_out(field, sizes) for field in taxonomy.CAREER_FIELDS]


@router.get("/career-fields/{slug}", response_model=CareerFieldDetail, summary="A career field and its careers")
def career_field(slug: str, caller: Anyone, db: DB) -> CareerFieldDetail:
    field = taxonomy.career_field(slug)
    careers = taxonomy.careers_in_field(db, slug)
    return CareerFieldDetail(
        **field_out(field, {slug: len(careers)}).model_dump(), career_list=[career_ref(c) for c in careers]
    )


Query_ = Annotated[str, Query(min_length=1, max_length=search.MAX_QUERY_LENGTH, description="What to look for")]
Limit = Annotated[int, Query(ge=1, le=100)]


def hits_out(hits: list[search.Hit]) -> list[SearchHit]:
    return [SearchHit(uri=h.uri, id=short_id(h.uri), label=h.label, score=h.score, matched=h.matched) for h in hits]


@router.get("/skills", response_model=list[SearchHit], summary="Search ESCO skills by any of their labels")
def search_skills(caller: Anyone, db: DB, q: Query_, limit: Limit = 10) -> list[SearchHit]:
    return hits_out(search.search_skills(db, q, limit))


@router.get("/careers", response_model=list[SearchHit], summary="Search careers (ESCO occupations) by title")
def search_careers(caller: Anyone, db: DB, q: Query_, limit: Limit = 10) -> list[SearchHit]:
    return hits_out(search.search_occupations(db, q, limit))


@router.get("/careers/{career_id}", response_model=CareerOut, summary="A career (ESCO occupation) and its skills")
def career(career_id: str, caller: Anyone, db: DB) -> CareerOut:
    found = taxonomy.career(db, career_id)
    occupation = found.occupation
    return CareerOut(
        uri=occupation.uri,
        id=short_id(occupation.uri),
        label=occupation.preferred_label,
        alt_labels=occupation.alt_labels,
        description=occupation.description,
        code=occupation.code,
        isco_group=occupation.isco_group,
        isco_label=found.isco.preferred_label if found.isco else None,
        regulated=occupation.regulated,
        field=field_out(found.field, {}),
        essential_skills=[skill_ref(s) for s in found.essential],
        optional_skills=[skill_ref(s) for s in found.optional],
    )


@router.get("/skills/{skill_id}", response_model=SkillOut, summary="A skill and the careers that need it")
def skill(skill_id: str, caller: Anyone, db: DB) -> SkillOut:
    found = taxonomy.skill_detail(db, skill_id)
    item = found.skill
    return SkillOut(
        uri=item.uri,
        id=short_id(item.uri),
        label=item.preferred_label,
        alt_labels=item.alt_labels,
        description=item.description,
        skill_type=item.skill_type,
        reuse_level=item.reuse_level,
        status=item.status,
        collections=found.collections,
        essential_for=[career_ref(o) for o in found.essential_for],
        optional_for=[career_ref(o) for o in found.optional_for],
    )
