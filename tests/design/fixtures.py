"""Specification contents the design tests share: one with every element, one with only what Annex I needs;
and the design report on one of them, as of a fixed day."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import formats, report
from microcred.design import service as design
from microcred.design.checks import Context
from microcred.design.documents import Provider
from microcred.design.models import Specification
from microcred.design.schemas import ReportOut, SpecificationContent

SKILL = "http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9"  # stimulate creativity in the team
OTHER_SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"  # develop digital content
TODAY = date(2026, 11, 23)
PROVIDER = Provider(id="https://mc.example/catalogue/providers/uniz", name="University of Zed")


def back(document: dict[str, Any]) -> tuple[str, SpecificationContent]:
    """The format and the specification a document imports as, after a trip through JSON."""
    kind, data = formats.from_document(json.loads(json.dumps(document)))
    return kind, SpecificationContent.model_validate(data)


def report_on(content: SpecificationContent, **context: Any) -> ReportOut:
    """The design report of `content` on TODAY; `context` gives the rest of checks.Context."""
    return report.report(content, Context(today=TODAY, **context))


def annex_i_minimum(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Digital content for teams",
        "issuer_country": "IE",
        "awarding_bodies": [{"name": "University of Zed", "country": "IE"}],
        "learning_outcomes": [{"text": "Develop digital content for a team's project", "skills": [OTHER_SKILL]}],
        "workload_hours": "60",
        "eqf_level": 6,
        "assessment": {"type": "project"},
        "participation": "blended",
        "quality_assurance": {"type": "internal"},
    }
    data.update(changes)
    return data


def full() -> SpecificationContent:
    return SpecificationContent.model_validate(
        {
            "title": "Data analysis with Python",
            "description": "Hands-on analysis of real data sets.",
            "code": "DA-101",
            "languages": ["en", "fr"],
            "issuer_country": "IE",
            "issuer_region": "Leinster",
            "awarding_bodies": [
                {"name": "University of Zed", "country": "IE", "homepage": "https://uniz.example"},
                {"name": "Partner School", "country": "FR"},
            ],
            "learning_outcomes": [
                {"text": "Analyse a data set with pandas and report the findings", "skills": [SKILL, OTHER_SKILL]},
                {"text": "Explain the limits of a statistical summary", "skills": []},
            ],
            "workload_hours": "62.5",
            "credits": {"system": "ECTS", "value": "2.5"},
            "eqf_level": 6,
            "nqf": {"framework": "Irish NFQ", "level": "8"},
            "qf_ehea_cycle": "first",
            "assessment": {
                "type": "project",
                "description": "A project on a public data set, marked against a rubric.",
                "grading": "Pass/fail",
                "open_to_non_attendees": True,
            },
            "participation": "blended",
            "learning_setting": "formal",
            "delivery": "part_time",
            "duration_weeks": "1.5",
            "quality_assurance": {
                "type": "accredited",
                "body": "QQI",
                "description": "Validated by QQI.",
                "url": "https://qqi.example/decisions/1",
            },
            "prerequisites": "Basic Python.",
            "supervision": "supervised_online_id",
            "stackability": {"stackable": True, "partial_qualification": True, "towards": "MSc Data Science"},
            "further_information": "Counts towards the MSc.",
            "homepage": "https://uniz.example/da101",
            "field": "0613",
            "audiences": ["workers", "students"],
            "price": {"amount": "450.00", "currency": "EUR"},
            "needs_evidence": "Employers in the region ask for data skills.",
            "offer_start": "2027-01-11",
            "offer_end": "2027-06-30",
        }
    )


# A catalogue ----------

ACTOR = Actor.operator()


def make_org(db: Session, slug: str, name: str) -> Organisation:
    return accounts.create_organisation(db, ACTOR, legal_name=name, country="IE", slug=slug)


def publish(db: Session, org: Organisation, **changes: Any) -> Specification:
    spec = design.create(db, ACTOR, org, SpecificationContent.model_validate(annex_i_minimum(**changes)))
    design.publish(db, ACTOR, org, spec.id)
    return spec


def make_shelf(db: Session) -> dict[str, Any]:
    """Four published micro-credentials from two providers, and a draft that must never show."""
    zed, yon = make_org(db, "zed", "University of Zed"), make_org(db, "yon", "Yonder Institute")
    specs = {
        "teams": publish(
            db,
            zed,
            title="Digital content for teams",
            languages=["en"],
            field="0613",
            price={"amount": "0", "currency": "EUR"},
            audiences=["workers"],
        ),
        "python": publish(
            db,
            zed,
            title="Data analysis with Python",
            learning_outcomes=[{"text": "Analyse a data set with pandas and report the findings", "skills": []}],
            workload_hours="150",
            credits={"system": "ECTS", "value": "6"},
            eqf_level=5,
            languages=["en", "fr"],
            field="0613",
            price={"amount": "450", "currency": "EUR"},
            participation="online",
        ),
        "care": publish(
            db,
            yon,
            title="Caring for older people at home",
            learning_outcomes=[{"text": "Plan daily care with the person and their family", "skills": [SKILL]}],
            workload_hours="12",
            eqf_level=4,
            languages=["fr"],
            field="0922",
            quality_assurance={"type": "external", "body": "QQI"},
            price={"amount": "90", "currency": "GBP"},
            audiences=["job_seekers", "workers"],
        ),
        "kitchen": publish(
            db,
            yon,
            title="Kitchen hygiene",
            learning_outcomes=[{"text": "Apply food safety rules in a commercial kitchen", "skills": []}],
            workload_hours="25",
            eqf_level=3,
            languages=["nl"],
            participation="onsite",
        ),
    }
    design.create(db, ACTOR, zed, SpecificationContent.model_validate(annex_i_minimum(title="Secret draft kitchen")))
    db.commit()
    return {"zed": zed, "yon": yon, **specs}
