"""The taxonomy's use cases over the real ESCO v1.1.1: career fields, careers, skills and their labels."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.errors import NotFound
from microcred.taxonomy import service
from microcred.taxonomy.models import EscoSkill

DIRECTOR = "00030d09-2b3a-4efd-87cc-c4ea39d27c34"  # technical director
PYTHON = "ccd0a1d9-afda-43d9-b901-96344886e14d"  # Python (computer programming)


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_the_release_in_use_is_the_imported_one(db: Session) -> None:
    current = service.release(db)
    assert current is not None and current.version == "1.1.1" and current.language == "en"
    assert current.counts["skills"] == 13896 and current.counts["occupations"] == 3007


def test_every_two_digit_isco_group_is_in_one_field_at_most() -> None:
    prefixes = [prefix for field in service.CAREER_FIELDS for prefix in field.isco_prefixes]
    assert len(prefixes) == len(set(prefixes))
    assert len({field.slug for field in service.CAREER_FIELDS}) == len(service.CAREER_FIELDS)
    assert service.career_field_of("2654").slug == "law-society-culture"
    assert service.career_field_of("2512").slug == "software-ict"
    with pytest.raises(NotFound) as unknown:
        service.career_field_of("9999")
    assert unknown.value.code == "career_field_not_found"
    with pytest.raises(NotFound, match="no career field 'astrology'"):
        service.career_field("astrology")


def test_a_fields_size_is_the_number_of_its_careers(db: Session) -> None:
    sizes = service.career_field_sizes(db)
    assert set(sizes) == {field.slug for field in service.CAREER_FIELDS}
    teaching = service.careers_in_field(db, "teaching-education")
    assert sizes["teaching-education"] == len(teaching) > 0
    assert all(career.isco_group.startswith("23") and career.status != "obsolete" for career in teaching)
    labels = [career.preferred_label for career in teaching]
    assert labels == sorted(labels) and "vocational teacher" in labels


def test_a_career_by_short_id_or_uri_with_its_skills(db: Session) -> None:
    by_id = service.career(db, DIRECTOR)
    by_uri = service.career(db, service.OCCUPATION_PREFIX + DIRECTOR)
    assert by_id.occupation.uri == by_uri.occupation.uri == service.occupation_uri(DIRECTOR)
    assert by_id.isco is not None and by_id.isco.code == by_id.occupation.isco_group == "2654"
    essential = {skill.uri for skill in by_id.essential}
    assert essential and not essential & {skill.uri for skill in by_id.optional}
    with pytest.raises(NotFound) as missing:
        service.career(db, "no-such-career")
    assert missing.value.code == "occupation_not_found"


def test_a_skill_with_the_careers_that_need_or_value_it(db: Session) -> None:
    detail = service.skill_detail(db, PYTHON)
    assert detail.skill.preferred_label == "Python (computer programming)"
    assert "digital" in detail.collections and detail.collections == sorted(detail.collections)
    assert detail.essential_for or detail.optional_for
    needing = {occupation.uri for occupation in detail.essential_for + detail.optional_for}
    for occupation_uri in list(needing)[:3]:  # the relation seen from the career's side
        found = service.career(db, occupation_uri)
        assert detail.skill.uri in {skill.uri for skill in found.essential + found.optional}
    with pytest.raises(NotFound) as missing:
        service.skill_detail(db, "no-such-skill")
    assert missing.value.code == "skill_not_found"


def test_labels_of_the_skills_that_exist_in_batches(db: Session) -> None:
    python = service.skill_uri(PYTHON)
    assert service.skill_uri(python) == python  # a URI stays as it is
    unknown = service.skill_uri("no-such-skill")
    assert service.skill_labels(db, [python, unknown, python]) == {python: "Python (computer programming)"}
    assert service.skills_by_uri(db, []) == {}
    many = [skill.uri for skill in service.careers_in_field(db, "software-ict")[:1]]  # not skills: none found
    assert service.skill_labels(db, many) == {}
    skills = list(db.scalars(select(EscoSkill).order_by(EscoSkill.uri).limit(1200)))  # over two batches of 500
    labels = service.skill_labels(db, [skill.uri for skill in skills])
    assert labels == {skill.uri: skill.preferred_label for skill in skills} and len(labels) == 1200
