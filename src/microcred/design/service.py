"""Designing micro-credentials: drafts, checks, publication into immutable editions, yearly reviews."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from microcred import plain
from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import catalogue, formats, vocab
from microcred.design import report as design_report
from microcred.design.checks import Context
from microcred.design.documents import Provider
from microcred.design.elm import to_elm
from microcred.design.models import DesignProfile, Edition, Specification
from microcred.design.ob3 import to_ob3
from microcred.design.profiles import PROFILES
from microcred.design.schemas import AwardingBody, ReportOut, SpecificationContent
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.store.base import utcnow
from microcred.taxonomy import service as taxonomy

REVIEW_AT_MOST = timedelta(days=365)


def parse_content(data: Any, *, source: str = "specification") -> SpecificationContent:
    """Content from untrusted JSON, with the first problems named by field."""
    try:
        return SpecificationContent.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            f"The {source} is not valid. {describe_errors(error)}", code="invalid_specification"
        ) from None


def describe_errors(error: ValidationError, limit: int = 5) -> str:
    """The problems in plain sentences, each naming its field by the label pages give it (each ends with a full
    stop)."""
    return plain.describe(error.errors(), LABELS, limit=limit)


def content_of(spec: Specification) -> SpecificationContent:
    return SpecificationContent.model_validate(spec.draft)


def edition_content(edition: Edition) -> SpecificationContent:
    return SpecificationContent.model_validate(edition.content)


def _dump(content: SpecificationContent) -> dict[str, Any]:
    return content.model_dump(mode="json")


def check_skills(db: Session, content: SpecificationContent) -> None:
    """Every linked skill must be in the imported ESCO release (when there is one)."""
    unknown = unknown_skills(db, content)
    if unknown:
        where = [
            f"{plain.label(('learning_outcomes', i))} links {uri}, which is not an ESCO skill."
            for i, outcome in enumerate(content.learning_outcomes)
            for uri in outcome.skills
            if uri in unknown
        ]
        raise InvalidInput(" ".join(where[:5]), code="unknown_skill")


def unknown_skills(db: Session, content: SpecificationContent) -> set[str]:
    uris = content.skill_uris()
    if not uris or taxonomy.release(db) is None:
        return set()
    return set(uris) - set(taxonomy.skills_by_uri(db, uris))


def prefilled(content: SpecificationContent, organisation: Organisation) -> SpecificationContent:
    """A new draft starts with the organisation as issuer and awarding body, which most are."""
    country = organisation.country if vocab.country_name(organisation.country) else None
    homepage = organisation.homepage if organisation.homepage and len(organisation.homepage) <= 500 else None
    updates: dict[str, Any] = {}
    if content.issuer_country is None and country:
        updates["issuer_country"] = country
    if not content.awarding_bodies:
        body = {"name": organisation.legal_name[:300], "country": country, "homepage": homepage}
        try:
            updates["awarding_bodies"] = [AwardingBody.model_validate(body)]
        except ValidationError:  # an organisation record older than today's checks: leave it to the educator
            updates["awarding_bodies"] = [AwardingBody(name=organisation.legal_name[:300])]
    return content.model_copy(update=updates)


def create(
    db: Session, actor: Actor, organisation: Organisation, content: SpecificationContent, *, prefill: bool = True
) -> Specification:
    if prefill:
        content = prefilled(content, organisation)
    check_skills(db, content)
    spec = Specification(
        organisation_id=organisation.id,
        created_by=actor.user.id if actor.user else None,
        title=content.title,
        draft=_dump(content),
    )
    db.add(spec)
    db.flush()
    audit.record(
        db,
        actor,
        "specification.create",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Created the specification “{content.title or 'untitled'}”",
    )
    return spec


def get(db: Session, organisation: Organisation, spec_id: uuid.UUID) -> Specification:
    spec = db.scalar(
        select(Specification)
        .options(selectinload(Specification.editions))
        .where(Specification.id == spec_id, Specification.organisation_id == organisation.id)
    )
    if spec is None:
        raise NotFound("There is no such specification in this organisation.", code="specification_not_found")
    return spec


def find(db: Session, spec_id: uuid.UUID) -> tuple[Specification, Organisation]:
    """A specification by id alone, with its organisation (for the operator's command line)."""
    spec = db.get(Specification, spec_id)
    if spec is None:
        raise NotFound(f"There is no specification {spec_id}.", code="specification_not_found")
    organisation = db.get(Organisation, spec.organisation_id)
    assert organisation is not None
    return spec, organisation


def update(
    db: Session, actor: Actor, organisation: Organisation, spec_id: uuid.UUID, content: SpecificationContent
) -> Specification:
    spec = get(db, organisation, spec_id)
    check_skills(db, content)
    spec.draft = _dump(content)
    spec.title = content.title
    spec.updated_at = utcnow()
    audit.record(
        db,
        actor,
        "specification.update",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Edited the draft of “{content.title or 'untitled'}”",
    )
    return spec


def find_edition(spec: Specification, number: int) -> Edition:
    found = next((e for e in spec.editions if e.number == number), None)
    if found is None:
        raise NotFound(f"There is no edition {number}.", code="edition_not_found")
    return found


def latest(spec: Specification) -> Edition | None:
    return spec.editions[-1] if spec.editions else None


def status(spec: Specification) -> str:
    if spec.withdrawn_at is not None:
        return "withdrawn"
    edition = latest(spec)
    if edition is None:
        return "draft"
    return "published" if edition_content(edition) == content_of(spec) else "changed"


def profiles_of(db: Session, organisation: Organisation) -> tuple[str, ...]:
    return tuple(
        db.scalars(
            select(DesignProfile.profile)
            .where(DesignProfile.organisation_id == organisation.id)
            .order_by(DesignProfile.profile)
        )
    )


def set_profiles(db: Session, actor: Actor, organisation: Organisation, chosen: list[str]) -> tuple[str, ...]:
    unknown = [key for key in chosen if key not in PROFILES]
    if unknown:
        raise InvalidInput(
            f"Unknown framework profile {unknown[0]!r}: choose from {', '.join(PROFILES)}.",
            code="unknown_profile",
        )
    db.execute(delete(DesignProfile).where(DesignProfile.organisation_id == organisation.id))
    for key in dict.fromkeys(chosen):
        db.add(DesignProfile(organisation_id=organisation.id, profile=key))
    audit.record(
        db,
        actor,
        "design.profiles",
        object_type="organisation",
        object_id=organisation.id,
        organisation=organisation,
        summary="Framework profiles: " + (", ".join(chosen) or "none"),
    )
    db.flush()
    return profiles_of(db, organisation)


def report(
    db: Session,
    organisation: Organisation,
    spec: Specification,
    *,
    today: date | None = None,
    profiles: tuple[str, ...] | None = None,
) -> ReportOut:
    """The design report of the draft; `profiles` saves looking them up again when reporting on many."""
    content = content_of(spec)
    context = Context(
        today=today or date.today(),
        editions=len(spec.editions),
        review_due=spec.review_due,
        profiles=profiles_of(db, organisation) if profiles is None else profiles,
        unknown_skills=tuple(sorted(unknown_skills(db, content))),
    )
    return design_report.report(content, context)


def publish(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    spec_id: uuid.UUID,
    *,
    review_due: date | None = None,
    today: date | None = None,
) -> Edition:
    """Freeze the draft into the next edition, if Annex I is complete and something changed."""
    today = today or date.today()
    spec = get(db, organisation, spec_id)
    found = report(db, organisation, spec, today=today)
    if not found.publishable:
        raise InvalidInput("It cannot be published yet: " + " ".join(found.blocking), code="not_publishable")
    content = content_of(spec)
    previous = latest(spec)
    if previous is not None and edition_content(previous) == content and spec.withdrawn_at is not None:
        return _relist(db, actor, organisation, spec, previous)
    if previous is not None and edition_content(previous) == content:
        raise Conflict(
            f"Nothing changed since edition {previous.number}; edit the draft to make a new edition.",
            code="nothing_changed",
        )
    due = check_review_date(review_due, today)
    changes = diff(edition_content(previous), content) if previous else ["First edition."]
    edition = Edition(
        specification_id=spec.id,
        number=(previous.number + 1) if previous else 1,
        content=_dump(content),
        changes=changes,
        published_by=actor.user.id if actor.user else None,
        review_due=due,
    )
    db.add(edition)
    spec.review_due = due
    spec.withdrawn_at = None
    db.flush()
    db.refresh(spec)
    catalogue.index(db, spec, organisation)
    audit.record(
        db,
        actor,
        "specification.publish",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Published edition {edition.number} of “{content.title}”",
        changes=changes[:20],
    )
    return edition


def _relist(db: Session, actor: Actor, organisation: Organisation, spec: Specification, edition: Edition) -> Edition:
    """A withdrawn specification offered again unchanged: its latest edition goes back into the catalogue."""
    spec.withdrawn_at = None
    db.flush()
    catalogue.index(db, spec, organisation)
    audit.record(
        db,
        actor,
        "specification.relist",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Offered “{spec.title}” again (edition {edition.number})",
    )
    return edition


def check_review_date(wanted: date | None, today: date) -> date:
    limit = today + REVIEW_AT_MOST
    if wanted is None:
        return limit
    if wanted <= today:
        raise InvalidInput("The review date must be in the future.", code="invalid_review_date")
    if wanted > limit:
        raise InvalidInput(
            f"A micro-credential is reviewed at least once a year: choose a review date by {limit.isoformat()}.",
            code="invalid_review_date",
        )
    return wanted


def review(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    spec_id: uuid.UUID,
    *,
    next_review: date | None = None,
    note: str = "",
    today: date | None = None,
) -> Specification:
    """Record that the published specification was reviewed, and when the next review is due."""
    today = today or date.today()
    spec = get(db, organisation, spec_id)
    if not spec.editions:
        raise Conflict("Only a published specification is reviewed; publish it first.", code="not_published")
    spec.review_due = check_review_date(next_review, today)
    spec.reviewed_at = utcnow()
    audit.record(
        db,
        actor,
        "specification.review",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Reviewed “{spec.title}”; next review by {spec.review_due.isoformat()}",
        note=note[:2000],
    )
    return spec


def withdraw(db: Session, actor: Actor, organisation: Organisation, spec_id: uuid.UUID) -> Specification:
    """Take it out of the catalogue; its editions stay, for credentials already issued from them."""
    spec = get(db, organisation, spec_id)
    if not spec.editions:
        raise Conflict("A draft that was never published cannot be withdrawn.", code="not_published")
    spec.withdrawn_at = utcnow()
    catalogue.index(db, spec, organisation)
    audit.record(
        db,
        actor,
        "specification.withdraw",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"Withdrew “{spec.title}” from the catalogue",
    )
    return spec


@dataclass(frozen=True)
class Row:
    spec: Specification
    status: str
    report: ReportOut


def specifications(db: Session, organisation: Organisation, *, today: date | None = None) -> list[Row]:
    specs = db.scalars(
        select(Specification)
        .options(selectinload(Specification.editions))
        .where(Specification.organisation_id == organisation.id)
        .order_by(func.lower(Specification.title), Specification.created_at)
    )
    chosen = profiles_of(db, organisation)
    return [Row(spec, status(spec), report(db, organisation, spec, today=today, profiles=chosen)) for spec in specs]


def offered(db: Session, organisation: Organisation) -> list[Specification]:
    """The organisation's published micro-credentials that are not withdrawn, by title (no checks run)."""
    specs = db.scalars(
        select(Specification)
        .options(selectinload(Specification.editions))
        .where(Specification.organisation_id == organisation.id, Specification.withdrawn_at.is_(None))
        .order_by(func.lower(Specification.title), Specification.created_at)
    )
    return [spec for spec in specs if spec.editions]


def overdue_reviews(db: Session, organisation: Organisation, *, today: date | None = None) -> list[Specification]:
    today = today or date.today()
    return list(
        db.scalars(
            select(Specification)
            .where(
                Specification.organisation_id == organisation.id,
                Specification.review_due < today,
                Specification.withdrawn_at.is_(None),
            )
            .order_by(Specification.review_due)
        )
    )


# Changes between editions ----------

LABELS = {
    "title": "Title",
    "description": "Description",
    "code": "Course code",
    "languages": "Languages",
    "issuer_country": "Issuer country",
    "issuer_region": "Issuer region",
    "awarding_bodies": "Awarding bodies",
    "workload_hours": "Workload (hours)",
    "credits": "Credits",
    "eqf_level": "EQF level",
    "nqf": "NQF level",
    "qf_ehea_cycle": "QF-EHEA cycle",
    "assessment": "Assessment",
    "participation": "Form of participation",
    "learning_setting": "Learning setting",
    "delivery": "Delivery",
    "duration_weeks": "Duration (weeks)",
    "quality_assurance": "Quality assurance",
    "prerequisites": "Prerequisites",
    "supervision": "Supervision and identity verification",
    "stackability": "Stackability",
    "further_information": "Further information",
    "homepage": "Web page",
    "field": "Field (ISCED-F)",
    "audiences": "Audiences",
    "price": "Price",
    "needs_evidence": "Identified needs",
    "offer_start": "Offer start",
    "offer_end": "Offer end",
}


def _show(value: Any) -> str:
    if value in (None, "", [], {}):
        return "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items() if v not in (None, "", [], False))
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def diff(old: SpecificationContent, new: SpecificationContent) -> list[str]:
    """What changed, one sentence per field, learning outcomes one by one."""
    before, after = _dump(old), _dump(new)
    changes = []
    for key, label in LABELS.items():
        if before.get(key) != after.get(key):
            changes.append(f"{label}: {_show(before.get(key))} → {_show(after.get(key))}")
    old_outcomes = {o.text: o for o in old.learning_outcomes}
    new_outcomes = {o.text: o for o in new.learning_outcomes}
    for text in new_outcomes.keys() - old_outcomes.keys():
        changes.append(f"Learning outcome added: {_show(text)}")
    for text in old_outcomes.keys() - new_outcomes.keys():
        changes.append(f"Learning outcome removed: {_show(text)}")
    for text in new_outcomes.keys() & old_outcomes.keys():
        added = set(new_outcomes[text].skills) - set(old_outcomes[text].skills)
        removed = set(old_outcomes[text].skills) - set(new_outcomes[text].skills)
        if added or removed:
            changes.append(f"Skills of “{_show(text)}”: {len(added)} added, {len(removed)} removed")
    if not changes and old != new:
        changes.append("Learning outcomes reordered.")
    return changes


# Documents ------------------------------------------------------------------------------------------------------


def export(
    db: Session,
    organisation: Organisation,
    spec: Specification,
    *,
    fmt: str,
    base_url: str,
    edition_number: int | None = None,
) -> dict[str, Any]:
    """The latest edition (or a given one; the draft if none was published) as an ELM or OB3 document."""
    if fmt not in formats.FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}: use elm or ob3.", code="unknown_format")
    chosen = find_edition(spec, edition_number) if edition_number is not None else latest(spec)
    content = edition_content(chosen) if chosen else content_of(spec)
    base = base_url.rstrip("/")
    provider = Provider(
        id=f"{base}/catalogue/providers/{organisation.slug}",
        name=organisation.legal_name,
        homepage=organisation.homepage,
    )
    labels = taxonomy.skill_labels(db, content.skill_uris())
    address = f"{base}/catalogue/{spec.id}" + (f"/editions/{chosen.number}" if chosen else "")
    if fmt == "elm":
        return to_elm(content, provider=provider, skill_labels=labels, opportunity_id=address)
    return to_ob3(
        content,
        provider=provider,
        skill_labels=labels,
        achievement_id=address,
        version=chosen.number if chosen else None,
    )


def import_document(
    db: Session, actor: Actor, organisation: Organisation, raw: bytes | str
) -> tuple[str, Specification]:
    """A new draft from an ELM or OB3 document; nothing is saved unless all of it is valid."""
    kind, data = formats.from_document(formats.load_document(raw))
    content = parse_content(data, source=f"{kind.upper()} document")
    return kind, create(db, actor, organisation, content, prefill=False)
