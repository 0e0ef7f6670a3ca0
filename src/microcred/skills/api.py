"""JSON routes of the skills stage: the signed-in person's experiences, profile, career matches; extraction."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from microcred.skills import cohorts
from microcred.skills import service as skills
from microcred.skills.extract import extract_skills
from microcred.skills.match import MIN_PROFILE_SKILLS, MatchResult
from microcred.skills.models import Experience
from microcred.skills.schemas import (
    CareerMatchOut,
    CohortIn,
    CohortLearnerOut,
    CohortOut,
    DistributionOut,
    ExperienceIn,
    ExperienceOut,
    ExperienceSkillOut,
    ExtractedOut,
    ExtractIn,
    MatchesOut,
    ProfileSkillOut,
    SkillRefOut,
    StrengthIn,
)
from microcred.taxonomy import service as taxonomy
from microcred.web.security import DB, Educators, SignedIn

router = APIRouter(prefix="/api", tags=["skills"])


def experience_out(db: Session, item: Experience) -> ExperienceOut:
    labels = {
        uri: skill.preferred_label
        for uri, skill in taxonomy.skills_by_uri(db, [s.skill_uri for s in item.skills]).items()
    }
    return ExperienceOut(
        id=item.id,
        kind=item.kind,
        title=item.title,
        organisation=item.organisation,
        description=item.description,
        started_on=item.started_on,
        ended_on=item.ended_on,
        skills=[
            ExperienceSkillOut(
                uri=s.skill_uri,
                label=labels.get(s.skill_uri, s.skill_uri),
                strength=s.strength,
                source=s.source,
                confirmed=s.confirmed,
                score=s.score,
            )
            for s in sorted(item.skills, key=lambda s: (not s.confirmed, s.position))
        ],
    )


def matches_out(result: MatchResult) -> MatchesOut:
    message = (
        "Careers ranked by how well your skills fit them."
        if result.enough_skills
        else f"Not enough skills yet: add at least {MIN_PROFILE_SKILLS} skills to see your career matches "
        f"(you have {result.profile_size})."
    )
    return MatchesOut(
        enough_skills=result.enough_skills,
        message=message,
        profile_size=result.profile_size,
        needed=result.needed,
        careers=[
            CareerMatchOut(
                uri=c.uri,
                id=c.uri.rsplit("/", 1)[-1],
                label=c.label,
                isco_group=c.isco_group,
                score=c.score,
                coverage=c.coverage,
                enough=c.enough,
                matched=[SkillRefOut(uri=m.uri, label=m.label) for m in c.matched],
                missing_essential=[SkillRefOut(uri=m.uri, label=m.label) for m in c.missing_essential],
            )
            for c in result.careers
        ],
    )


@router.get("/me/experiences", response_model=list[ExperienceOut], summary="My experiences and their skills")
def list_experiences(caller: SignedIn, db: DB) -> list[ExperienceOut]:
    return [experience_out(db, item) for item in skills.experiences(db, caller.person)]


@router.post("/me/experiences", response_model=ExperienceOut, status_code=201, summary="Add an experience")
def add_experience(body: ExperienceIn, caller: SignedIn, db: DB) -> ExperienceOut:
    item = skills.add_experience(db, caller.person, **body.model_dump())
    return experience_out(db, item)


@router.get("/me/experiences/{experience_id}", response_model=ExperienceOut, summary="One of my experiences")
def get_experience(experience_id: uuid.UUID, caller: SignedIn, db: DB) -> ExperienceOut:
    return experience_out(db, skills.experience(db, caller.person, experience_id))


@router.put("/me/experiences/{experience_id}", response_model=ExperienceOut, summary="Change an experience")
def update_experience(experience_id: uuid.UUID, body: ExperienceIn, caller: SignedIn, db: DB) -> ExperienceOut:
    item = skills.update_experience(db, caller.person, experience_id, **body.model_dump())
    return experience_out(db, item)


@router.delete("/me/experiences/{experience_id}", status_code=204, summary="Delete an experience")
def delete_experience(experience_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    skills.delete_experience(db, caller.person, experience_id)
    return Response(status_code=204)


@router.put(
    "/me/experiences/{experience_id}/skills/{skill_id}",
    response_model=ExperienceOut,
    summary="Add or confirm a skill on an experience, with its strength",
)
def set_skill(experience_id: uuid.UUID, skill_id: str, body: StrengthIn, caller: SignedIn, db: DB) -> ExperienceOut:
    skills.set_skill(db, caller.person, experience_id, taxonomy.skill_uri(skill_id), body.strength)
    return experience_out(db, skills.experience(db, caller.person, experience_id))


@router.delete(
    "/me/experiences/{experience_id}/skills/{skill_id}",
    status_code=204,
    summary="Remove a skill or a suggestion from an experience",
)
def remove_skill(experience_id: uuid.UUID, skill_id: str, caller: SignedIn, db: DB) -> Response:
    skills.remove_skill(db, caller.person, experience_id, taxonomy.skill_uri(skill_id))
    return Response(status_code=204)


@router.post(
    "/me/experiences/{experience_id}/suggestions",
    response_model=ExperienceOut,
    summary="Suggest skills from the description and from skills that go together",
)
def suggest(experience_id: uuid.UUID, caller: SignedIn, db: DB) -> ExperienceOut:
    skills.suggest_skills(db, caller.person, experience_id)
    return experience_out(db, skills.experience(db, caller.person, experience_id))


@router.get("/me/profile", response_model=list[ProfileSkillOut], summary="My confirmed skills, strongest first")
def my_profile(caller: SignedIn, db: DB) -> list[ProfileSkillOut]:
    return [
        ProfileSkillOut(uri=s.uri, label=s.label, strength=s.strength, experiences=s.experiences, kinds=s.kinds)
        for s in skills.profile(db, caller.person)
    ]


@router.get("/me/career-matches", response_model=MatchesOut, summary="Careers ranked for my profile")
def my_matches(
    caller: SignedIn,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    field: Annotated[str | None, Query(description="Only careers of this career field (slug)")] = None,
) -> MatchesOut:
    prefixes = taxonomy.career_field(field).isco_prefixes if field else ()
    return matches_out(skills.career_matches(db, caller.person, limit=limit, isco_prefixes=prefixes))


@router.post("/skills/extract", response_model=list[ExtractedOut], summary="ESCO skills ranked for a text")
def extract(body: ExtractIn, caller: SignedIn, db: DB) -> list[ExtractedOut]:
    return [
        ExtractedOut(uri=f.uri, label=f.label, score=f.score, evidence=f.evidence)
        for f in extract_skills(db, body.text, top=body.top)
    ]


# Cohorts -----------------------------------------------------------------------------------------------


@router.get("/orgs/{org}/cohorts", response_model=list[CohortOut], summary="Cohorts of an organisation")
def list_cohorts(org: str, caller: Educators, db: DB) -> list[CohortOut]:
    return [
        CohortOut(id=c.id, name=c.name, description=c.description, access_code=c.access_code, open=c.open, learners=n)
        for c, n in cohorts.cohorts(db, caller.org)
    ]


@router.post("/orgs/{org}/cohorts", response_model=CohortOut, status_code=201, summary="Create a cohort")
def create_cohort(org: str, body: CohortIn, caller: Educators, db: DB) -> CohortOut:
    found = cohorts.create_cohort(db, caller.signed_in, caller.org, name=body.name, description=body.description)
    return CohortOut(
        id=found.id,
        name=found.name,
        description=found.description,
        access_code=found.access_code,
        open=found.open,
        learners=0,
    )


@router.get(
    "/orgs/{org}/cohorts/{cohort_id}/learners",
    response_model=list[CohortLearnerOut],
    summary="A cohort's learners, their progress and what they share",
)
def cohort_learners(
    org: str,
    cohort_id: uuid.UUID,
    caller: Educators,
    db: DB,
    status: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> list[CohortLearnerOut]:
    if status:
        cohorts.check_status(status)
    found = cohorts.cohort(db, caller.org, cohort_id)
    return [
        CohortLearnerOut(
            user_id=row.member.user_id,
            name=row.member.user.display_name,
            email=row.member.user.email,
            status=row.member.status,
            outcome=row.member.outcome,
            experiences=row.experiences,
            skills=row.skills if row.member.share_skills else None,
            last_activity=row.last_activity.isoformat() if row.last_activity else None,
            shares={
                "skills": row.member.share_skills,
                "experiences": row.member.share_experiences,
                "careers": row.member.share_careers,
            },
        )
        for row in cohorts.learner_rows(db, found, status=status, text=q)
    ]


@router.get(
    "/orgs/{org}/cohorts/{cohort_id}/skills-distribution",
    response_model=list[DistributionOut],
    summary="How many of the cohort's learners have each skill",
)
def cohort_skills(org: str, cohort_id: uuid.UUID, caller: Educators, db: DB) -> list[DistributionOut]:
    found = cohorts.cohort(db, caller.org, cohort_id)
    return [DistributionOut(label=d.label, uri=d.uri, users=d.users) for d in cohorts.skills_distribution(db, found)]
