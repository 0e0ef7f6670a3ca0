"""Drafts, publication into immutable editions, reviews and profiles, on SQLite and PostgreSQL with real ESCO."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.design.models import Edition, Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, InvalidInput, NotFound

from .fixtures import SKILL, annex_i_minimum

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
TODAY = date(2026, 11, 23)


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def org(db: Session):  # type: ignore[no-untyped-def]
    organisation = accounts.create_organisation(db, Actor.operator(), legal_name="Uni Zed", country="IE", slug="zed")
    db.commit()
    return organisation


def content(**changes: object) -> SpecificationContent:
    return SpecificationContent.model_validate(annex_i_minimum(**changes))


def test_a_new_draft_starts_with_the_organisation_as_issuer_and_awarding_body(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    spec = design.create(db, Actor.operator(), org, SpecificationContent(title="Blank"))
    draft = design.content_of(spec)
    assert draft.issuer_country == "IE" and [b.name for b in draft.awarding_bodies] == ["Uni Zed"]
    assert design.status(spec) == "draft"


def test_an_unknown_esco_skill_is_refused_naming_the_outcome(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    bad = content(learning_outcomes=[{"text": "Analyse data", "skills": [SKILL, unknown]}])
    with pytest.raises(InvalidInput) as raised:
        design.create(db, Actor.operator(), org, bad)
    assert raised.value.code == "unknown_skill" and raised.value.detail == (
        f"Learning outcome 1 links {unknown}, which is not an ESCO skill."
    )
    db.rollback()
    assert db.query(Specification).count() == 0


def test_publishing_is_refused_while_annex_i_is_incomplete_then_makes_editions(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.operator()
    spec = design.create(db, actor, org, content(quality_assurance=None))
    with pytest.raises(InvalidInput, match="Type of quality assurance"):
        design.publish(db, actor, org, spec.id, today=TODAY)
    assert spec.editions == []

    design.update(db, actor, org, spec.id, content())
    first = design.publish(db, actor, org, spec.id, today=TODAY)
    assert (first.number, first.changes, first.review_due) == (1, ["First edition."], TODAY + timedelta(days=365))
    assert design.status(spec) == "published"
    with pytest.raises(Conflict, match="Nothing changed since edition 1"):
        design.publish(db, actor, org, spec.id, today=TODAY)

    changed = content(
        eqf_level=5,
        learning_outcomes=[
            {"text": "Develop digital content for a team's project", "skills": [SKILL]},
            {"text": "Present the content to the team", "skills": []},
        ],
    )
    design.update(db, actor, org, spec.id, changed)
    assert design.status(spec) == "changed"
    second = design.publish(db, actor, org, spec.id, review_due=TODAY + timedelta(days=90), today=TODAY)
    assert second.number == 2 and second.review_due == TODAY + timedelta(days=90)
    assert "EQF level: 6 → 5" in second.changes
    assert "Learning outcome added: Present the content to the team" in second.changes
    assert any(change.startswith("Skills of “Develop digital content") for change in second.changes)
    assert design.edition_content(first).eqf_level == 6  # the first edition is as it was
    db.commit()
    actions = [e.action for e in audit.events_for_organisation(db, org)]
    assert actions.count("specification.publish") == 2


def test_the_database_refuses_to_change_a_published_edition(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    spec = design.create(db, Actor.operator(), org, content())
    edition = design.publish(db, Actor.operator(), org, spec.id, today=TODAY)
    db.commit()
    with pytest.raises((DBAPIError, IntegrityError)):
        db.execute(update(Edition).where(Edition.id == edition.id).values(content={"title": "rewritten"}))
        db.flush()
    db.rollback()
    assert design.edition_content(db.get(Edition, edition.id)).title == "Digital content for teams"  # type: ignore[arg-type]


def test_review_dates_are_at_most_a_year_away_and_overdue_ones_are_listed(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.operator()
    spec = design.create(db, actor, org, content())
    with pytest.raises(Conflict):
        design.review(db, actor, org, spec.id, today=TODAY)
    with pytest.raises(InvalidInput, match="at least once a year"):
        design.publish(db, actor, org, spec.id, review_due=TODAY + timedelta(days=366), today=TODAY)
    with pytest.raises(InvalidInput, match="in the future"):
        design.publish(db, actor, org, spec.id, review_due=TODAY, today=TODAY)
    design.publish(db, actor, org, spec.id, review_due=TODAY + timedelta(days=30), today=TODAY)
    assert design.overdue_reviews(db, org, today=TODAY) == []
    later = TODAY + timedelta(days=31)
    assert [s.id for s in design.overdue_reviews(db, org, today=later)] == [spec.id]
    item = next(i for d in design.report(db, org, spec, today=later).etf for i in d.items if i.key == "review")
    assert item.status == "missing"
    design.review(db, actor, org, spec.id, note="Outcomes still fit.", today=later)
    assert spec.review_due == later + timedelta(days=365)
    assert design.overdue_reviews(db, org, today=later) == []


def test_profiles_are_per_organisation_and_join_the_report(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    other = accounts.create_organisation(db, Actor.operator(), legal_name="Other", country="NZ", slug="other")
    with pytest.raises(InvalidInput, match="Unknown framework profile 'xyz'"):
        design.set_profiles(db, Actor.operator(), org, ["xyz"])
    assert design.set_profiles(db, Actor.operator(), org, ["nz", "cmf"]) == ("cmf", "nz")
    spec = design.create(db, Actor.operator(), org, content())
    assert [p.key for p in design.report(db, org, spec).profiles] == ["cmf", "nz"]
    assert design.profiles_of(db, other) == ()


def test_another_organisations_specification_is_not_found(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    other = accounts.create_organisation(db, Actor.operator(), legal_name="Other", country="FR", slug="other")
    spec = design.create(db, Actor.operator(), org, content())
    with pytest.raises(NotFound):
        design.get(db, other, spec.id)


def test_import_and_export_through_the_service(db: Session, org) -> None:  # type: ignore[no-untyped-def]
    raw = (SHARED / "elm" / "Sample-MC-Annex1-unsigned.jsonld").read_bytes()
    kind, spec = design.import_document(db, Actor.operator(), org, raw)
    assert kind == "elm" and spec.title == "Digital micro-credential creation"
    report = design.report(db, org, spec)
    assert len(report.blocking) == 1 and report.blocking[0].startswith("Type of quality assurance: Say which")
    document = design.export(db, org, spec, fmt="elm", base_url="https://mc.example/")
    labels = [
        s["prefLabel"]["en"]
        for s in document["learningAchievementSpecification"]["learningOutcome"][1]["relatedESCOSkill"]
    ]
    assert labels == ["develop digital content"]  # labels come from the imported ESCO
    assert document["id"] == f"https://mc.example/catalogue/{spec.id}"
    again = design.import_document(db, Actor.operator(), org, json.dumps(document))[1]
    assert design.content_of(again) == design.content_of(spec)
    with pytest.raises(InvalidInput, match="Unknown format"):
        design.export(db, org, spec, fmt="pdf", base_url="https://mc.example")
    with pytest.raises(NotFound):
        design.export(db, org, spec, fmt="elm", base_url="https://mc.example", edition_number=4)
