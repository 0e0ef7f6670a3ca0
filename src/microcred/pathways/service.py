"""Pathways towards a qualification, and a learner's progress on one from the credentials in their wallet.

Progress shows what counts, what does not and why, and what is still missing; eligibility is only ever
shown: stacking never awards the qualification by itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred import plain
from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.design import vocab
from microcred.design.catalogue import search as catalogue_search
from microcred.design.documents import concept_id
from microcred.design.models import CatalogueEntry, Specification
from microcred.design.schemas import CatalogueQuery
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound
from microcred.inputs import credits as checked_credits
from microcred.inputs import single_line
from microcred.issuing import keys, seals
from microcred.issuing.models import IssuedCredential
from microcred.pathways.gap import achievement_of, credential_skills, elm_claim
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules, years_before
from microcred.taxonomy import search
from microcred.taxonomy.models import EscoSkill
from microcred.trust import pkix
from microcred.trust.jsonld import as_list, text_of
from microcred.verify import checks
from microcred.verify.seals import Sealer
from microcred.wallet.models import WalletCredential

SPECIFICATION_IN_ID = re.compile(r"/catalogue/([0-9a-fA-F-]{36})(?:/|$)")


# What the pathway form calls each rule, so that a value of the wrong kind is named as the person saw it (the page
# puts the sentence beside the field it names).
RULE_LABELS = {
    "kind": "Kind of pathway",
    "total_credits": "Total credits needed",
    "min_level": "Minimum EQF level",
    "max_level": "Maximum EQF level",
    "validity_years": "Valid for (years)",
    "rpl_cap_credits": "Cap on prior-learning credits",
    "required_skills": "Required ESCO skills",
    "required_skills[]": "required ESCO skill",
    "approved": "Micro-credentials",
    "approved[]": "micro-credential",
    "sequence": "Micro-credentials",
    "sequence[]": "micro-credential",
}


def create(
    db: Session, actor: Actor, organisation: Organisation, *, title: str, qualification: str, rules: dict[str, Any]
) -> Pathway:
    """A pathway whose rules hold together, whose skills are ESCO's and whose micro-credentials are in the catalogue."""
    title, qualification, checked = _checked(db, title, qualification, rules)
    pathway = Pathway(
        organisation_id=organisation.id, title=title, qualification=qualification, rules=checked.model_dump(mode="json")
    )
    db.add(pathway)
    db.flush()
    audit.record(
        db,
        actor,
        "pathway.created",
        object_type="pathway",
        object_id=pathway.id,
        organisation=organisation,
        summary=f"Pathway {title[:100]} towards {qualification[:100]}",
    )
    return pathway


def update(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    pathway_id: uuid.UUID,
    *,
    title: str,
    qualification: str,
    rules: dict[str, Any],
) -> Pathway:
    """New title, qualification or rules, checked as on creation. Nothing about learners is stored: their
    progress is recomputed from their wallets each time it is shown, so it follows the new rules at once."""
    pathway = of(db, organisation, pathway_id)
    before = Rules.model_validate(pathway.rules)
    title, qualification, checked = _checked(db, title, qualification, rules, keep={*before.approved, *before.sequence})
    pathway.title, pathway.qualification, pathway.rules = title, qualification, checked.model_dump(mode="json")
    db.flush()
    audit.record(
        db,
        actor,
        "pathway.changed",
        object_type="pathway",
        object_id=pathway.id,
        organisation=organisation,
        summary=f"Pathway {title[:100]} towards {qualification[:100]}",
    )
    return pathway


def delete(db: Session, actor: Actor, organisation: Organisation, pathway_id: uuid.UUID) -> None:
    """Remove a pathway; one that other records still cite (recognition cases, agreements) is refused."""
    pathway = of(db, organisation, pathway_id)
    title = pathway.title  # the failed flush below expires the row: its title is read before
    audit.record(
        db,
        actor,
        "pathway.deleted",
        object_type="pathway",
        object_id=pathway_id,
        organisation=organisation,
        summary=f"Pathway {title[:100]}",
    )
    db.delete(pathway)
    try:
        db.flush()
    except IntegrityError:  # the caller rolls back: neither the deletion nor its audit event lands
        raise Conflict(
            f"The pathway {title[:100]} is cited by other records (recognition cases or agreements), so it stays.",
            code="pathway_in_use",
        ) from None


def _checked(
    db: Session, title: str, qualification: str, rules: dict[str, Any], *, keep: set[uuid.UUID] | None = None
) -> tuple[str, str, Rules]:
    """The cleaned title, qualification and rules, or one refusal naming every problem found ("; " between).

    The micro-credentials named must be in the catalogue (published, not withdrawn): a draft is nobody's to
    count, and its title is its organisation's until it is published. An edit may `keep` those the pathway
    already named, though withdrawn since."""
    problems: list[InvalidInput] = []
    try:
        title = single_line(title, field="title", min_length=3, max_length=300, code="invalid_pathway")
    except InvalidInput as problem:
        problems.append(problem)
    try:
        qualification = single_line(
            qualification, field="qualification", min_length=3, max_length=300, code="invalid_pathway"
        )
    except InvalidInput as problem:
        problems.append(problem)
    try:
        checked = Rules.model_validate(rules)
    except ValidationError as error:
        for each in error.errors():
            if each["type"] == "value_error" and not each["loc"]:  # the rules' own checks, already sentences
                message = each["msg"].removeprefix("Value error, ").rstrip(".")
                problems.append(InvalidInput(f"Rules: {message}.", code="invalid_pathway"))
            else:  # a value of the wrong kind, named as the pathway form labels it
                problems.append(InvalidInput(plain.sentence(each, RULE_LABELS), code="invalid_pathway"))
    else:
        known = set(db.scalars(select(EscoSkill.uri).where(EscoSkill.uri.in_(checked.required_skills))))
        unknown = [uri for uri in checked.required_skills if uri not in known]
        if unknown:
            problems.append(
                InvalidInput(
                    f"{RULE_LABELS['required_skills']}: {unknown[0][:100]} is not an ESCO skill.", code="unknown_skill"
                )
            )
        named = [*checked.approved, *checked.sequence]
        listed = set(
            db.scalars(select(CatalogueEntry.specification_id).where(CatalogueEntry.specification_id.in_(named)))
        )
        missing = [spec for spec in named if spec not in listed and spec not in (keep or set())]
        if missing:
            problems.append(
                InvalidInput(
                    f"rules: there is no micro-credential {missing[0]} in the catalogue (published, not withdrawn).",
                    code="unknown_specification",
                )
            )
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidInput("; ".join(p.detail.rstrip(".") for p in problems) + ".", code="invalid_pathway")
    return title, qualification, checked


def of_organisation(db: Session, organisation: Organisation) -> list[Pathway]:
    """The organisation's pathways, by title."""
    return list(db.scalars(select(Pathway).where(Pathway.organisation_id == organisation.id).order_by(Pathway.title)))


def listed(db: Session) -> list[tuple[Pathway, Organisation]]:
    """Every organisation's pathways with their organisation, for learners to find: by organisation, then title."""
    rows = db.execute(
        select(Pathway, Organisation)
        .join(Organisation, Organisation.id == Pathway.organisation_id)
        .order_by(Organisation.legal_name, Pathway.title)
    )
    return [(pathway, organisation) for pathway, organisation in rows]


def get(db: Session, pathway_id: uuid.UUID) -> Pathway:
    """Any organisation's pathway (they are public), or NotFound."""
    found = db.get(Pathway, pathway_id)
    if found is None:
        raise NotFound("There is no such pathway.", code="pathway_not_found")
    return found


def of(db: Session, organisation: Organisation, pathway_id: uuid.UUID) -> Pathway:
    """The organisation's own pathway; another organisation's is NotFound, exactly as a missing one."""
    found = db.get(Pathway, pathway_id)
    if found is None or found.organisation_id != organisation.id:
        raise NotFound("There is no such pathway.", code="pathway_not_found")
    return found


@dataclass(frozen=True)
class Named:
    """A specification a pathway names, as a page shows it."""

    id: uuid.UUID
    title: str
    provider: str
    listed: bool  # in the catalogue now (published, not withdrawn)


def specifications_named(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Named]:
    """Title and provider of each specification: the catalogue's title while it is listed, the draft's after."""
    rows = db.execute(
        select(Specification.id, Specification.title, CatalogueEntry.title, Organisation.legal_name)
        .join(Organisation, Organisation.id == Specification.organisation_id)
        .outerjoin(CatalogueEntry, CatalogueEntry.specification_id == Specification.id)
        .where(Specification.id.in_(ids))
    )
    return {
        spec_id: Named(spec_id, listed_title or draft_title or "Untitled", provider, listed_title is not None)
        for spec_id, draft_title, listed_title, provider in rows
    }


@dataclass
class Found:
    """What the pathway builder's two searches found: ESCO skills and published micro-credentials to pick, and
    why a search was refused (the other's hits are kept)."""

    skill_q: str = ""
    spec_q: str = ""
    skills: list[search.Hit] | None = None
    specs: list[Named] | None = None
    problem: str | None = None


def find_to_pick(
    db: Session, *, skill_q: str, spec_q: str, chosen_skills: list[str], chosen_specs: list[str], hits: int
) -> Found:
    """Up to `hits` ESCO skills for `skill_q` and published micro-credentials for `spec_q` (either may be
    empty: not searched), leaving out those already chosen."""
    found = Found(skill_q=skill_q, spec_q=spec_q)
    try:
        if found.skill_q:
            chosen = set(chosen_skills)
            skill_hits = search.search_skills(db, found.skill_q, hits + len(chosen))
            found.skills = [hit for hit in skill_hits if hit.uri not in chosen][:hits]
        if found.spec_q:
            query = CatalogueQuery(q=found.spec_q[:200], facets=False, per_page=min(hits + len(chosen_specs), 100))
            ids = [card.id for card in catalogue_search(db, query).items if str(card.id) not in chosen_specs]
            named = specifications_named(db, ids[:hits])
            found.specs = [named[spec] for spec in ids[:hits] if spec in named]
    except MicrocredError as error:
        found.problem = error.detail
    return found


# What a learner holds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A wallet credential as a pathway sees it."""

    title: str
    valid: bool  # verifies now (not revoked, expired or changed)
    trusted: bool  # its issuer is registered or accredited (ACCREDITATION OK)
    awarded: date | None
    specification_id: uuid.UUID | None
    credits: Decimal | None
    level: int | None
    skills: frozenset[str]


def held(document: dict[str, Any], report: checks.Report) -> Held:
    """What a pathway reads from a credential and its verification report (its title, level, credits, skills,
    date): from what the verification read (a sealed credential's payload, not the seal around it), an Open
    Badge's achievement or an ELM credential's claim and the specification it is of. An ELM credential names no
    catalogue specification (our ELM carries no catalogue address): `wallet_of` takes it from the award it was
    claimed from."""
    credential = report.credential if isinstance(report.credential, dict) else document
    credential = credential if isinstance(credential, dict) else {}
    achievement = achievement_of(credential)
    claim, specified = elm_claim(credential) if not achievement else ({}, {})
    specification = SPECIFICATION_IN_ID.search(str(achievement.get("id") or ""))
    if claim:
        awarding: Any = next(iter(as_list(claim.get("awardedBy"))), {})
        title = text_of(claim.get("title")) or text_of(specified.get("title"))
        awarded = _date_in(awarding.get("awardingDate") if isinstance(awarding, dict) else None, credential)
        credits, level = _elm_credits(specified), _elm_level(specified)
    else:
        levels = [
            int(digits.group())
            for entry in as_list(achievement.get("alignment"))
            if isinstance(entry, dict) and entry.get("targetType") == "ext:EQF"
            for digits in [re.search(r"[1-8]", str(entry.get("targetCode") or entry.get("targetName") or ""))]
            if digits
        ]
        title = str(achievement.get("name") or credential.get("name") or "")
        awarded = _date_in(credential.get("awardedDate"), credential)
        credits, level = stated_credits(achievement.get("creditsAvailable")), levels[0] if levels else None
    outcomes = {check.name: check.outcome for check in report.checks}
    return Held(
        title=(title or "A credential")[:300],
        valid=report.valid,
        trusted=outcomes.get("ACCREDITATION") == checks.Outcome.OK,
        awarded=awarded,
        specification_id=uuid.UUID(specification.group(1)) if specification else None,
        credits=credits,
        level=level,
        skills=frozenset(credential_skills(credential)),
    )


def _date_in(awarded: object, credential: dict[str, Any]) -> date | None:
    """The award's date: `awarded` (an Open Badge's awardedDate, an ELM awarding process's awardingDate), else
    when the credential was issued (VC 1.1's issuanceDate, VC 2.0's validFrom, ELM's issued)."""
    for value in (awarded, credential.get("issuanceDate"), credential.get("validFrom"), credential.get("issued")):
        if isinstance(value, str) and value:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return None
    return None


def _elm_credits(specified: dict[str, Any]) -> Decimal | None:
    """The credits an ELM specification gives: its first creditPoint's point (in its framework, as an Open
    Badge's creditsAvailable is in its own)."""
    point = next(iter(as_list(specified.get("creditPoint"))), None)
    return stated_credits(point.get("point")) if isinstance(point, dict) else None


def _elm_level(specified: dict[str, Any]) -> int | None:
    """The EQF level of an ELM specification: its eqfLevel concept (http://data.europa.eu/snb/eqf/<n>)."""
    uri = (concept_id(next(iter(as_list(specified.get("eqfLevel"))), None)) or "").rstrip("/")
    level = vocab.eqf_from_uri(uri) if uri else None
    return level if level is not None and 1 <= level <= 8 and uri == vocab.eqf_uri(level) else None


def stated_credits(value: object) -> Decimal | None:
    """The credits a credential states, or None when it states none we can use (not a number, not finite, below
    0 or above what any micro-credential gives): a crafted credential is read, never trusted to be sane."""
    try:
        return checked_credits(value)
    except InvalidInput:
        return None


def specification_of(db: Session, claimed: uuid.UUID | None, issuer: str | None, base_url: str) -> uuid.UUID | None:
    """The catalogue specification a credential is of: the one it names (or the award it was claimed from
    names), when the organisation that owns it is the issuer. Anyone can name our catalogue in an achievement;
    only the owner's key makes it so: its did:web for a Data Integrity proof, one of its seal certificates for a
    seal (the report's issuer is then the certificate whose key the seal's signature verified with, a `Sealer`,
    never a string the document wrote)."""
    if claimed is None or issuer is None:
        return None
    owner = db.scalar(
        select(Organisation)
        .join(Specification, Specification.organisation_id == Organisation.id)
        .where(Specification.id == claimed)
    )
    if owner is None:
        return None
    if isinstance(issuer, Sealer):
        sealed = any(
            f"sha256:{pkix.fingerprint(seals.chain_of(row)[0])}" == issuer for row in seals.certificates(db, owner)
        )
        return claimed if sealed else None
    return claimed if issuer == keys.did_web(owner, base_url) else None


def issued_here(db: Session, wallet_credential_id: uuid.UUID | None) -> IssuedCredential | None:
    """The award issued on this platform that a wallet credential was claimed from; None for one that came
    from elsewhere (uploaded, or no wallet credential at all)."""
    if wallet_credential_id is None:
        return None
    return db.scalar(
        select(IssuedCredential)
        .join(WalletCredential, WalletCredential.issued_credential_id == IssuedCredential.id)
        .where(WalletCredential.id == wallet_credential_id)
    )


def wallet_of(
    db: Session, user: User, verify: Callable[[dict[str, Any]], checks.Report], *, base_url: str
) -> list[Held]:
    """The learner's wallet credentials, each verified again now by `verify`, each of the specification it names
    only when that specification's organisation issued it."""
    found = []
    rows = db.execute(select(WalletCredential.id, WalletCredential.document).where(WalletCredential.user_id == user.id))
    for wallet_id, document in rows:
        report = verify(document)
        item = held(document, report)
        claimed = item.specification_id
        if claimed is None:  # a sealed ELM credential names none: the award it was claimed from says what it is of
            issued = issued_here(db, wallet_id)
            claimed = issued.specification_id if issued else None
        found.append(replace(item, specification_id=specification_of(db, claimed, report.issuer, base_url)))
    return found


# Progress ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    title: str
    credits: Decimal
    note: str = ""
    prior_learning: bool = False  # awarded before the learner enrolled


@dataclass
class Progress:
    total_credits: Decimal
    credits: Decimal = Decimal(0)
    counted: list[Counted] = field(default_factory=list)
    not_counted: list[tuple[str, str]] = field(default_factory=list)  # (title, why)
    missing_skills: list[str] = field(default_factory=list)
    next_steps: list[uuid.UUID] = field(default_factory=list)  # fixed: the sequence's steps not yet done
    eligible: bool = False  # shown only: the qualification is awarded by people, never by stacking


def progress(rules: Rules, holdings: list[Held], *, today: date, enrolled_on: date | None = None) -> Progress:
    """What counts towards the pathway, what does not and why, and what is still missing."""
    result = Progress(total_credits=rules.total_credits)
    passing: list[Held] = []
    seen: set[uuid.UUID] = set()
    for item in sorted(holdings, key=lambda h: (h.awarded or date.max, h.title)):
        why = _why_not(rules, item, today)
        if why is None and item.specification_id is not None and item.specification_id in seen:
            why = "the same micro-credential already counts"
        if why:
            result.not_counted.append((item.title, why))
        else:
            passing.append(item)
            if item.specification_id is not None:
                seen.add(item.specification_id)
    if rules.kind == "fixed":
        passing = _in_order(rules, passing, result)
    prior = Decimal(0)
    for item in passing:
        credits, note = item.credits or Decimal(0), ""
        earlier = bool(enrolled_on and item.awarded and item.awarded < enrolled_on)
        if earlier and rules.rpl_cap_credits is not None:
            room = max(rules.rpl_cap_credits - prior, Decimal(0))
            if credits > room:
                credits, note = room, f"prior learning: counted up to the cap of {rules.rpl_cap_credits} credits"
            prior += credits
        result.counted.append(Counted(item.title, credits, note, prior_learning=earlier))
        result.credits += credits
    covered = {uri for item in passing for uri in item.skills}
    result.missing_skills = [uri for uri in rules.required_skills if uri not in covered]
    result.eligible = result.credits >= rules.total_credits and not result.missing_skills and not result.next_steps
    return result


def _why_not(rules: Rules, item: Held, today: date) -> str | None:
    if not item.valid:
        return "it does not verify (revoked, suspended, expired or changed)"
    if rules.kind == "open" and not item.trusted:
        return "its issuer is not a registered, quality-assured provider"
    if rules.kind == "elective" and item.specification_id not in rules.approved:
        return "it is not one of the approved micro-credentials"
    if rules.kind == "fixed" and item.specification_id not in rules.sequence:
        return "it is not part of the sequence"
    if rules.min_level is not None or rules.max_level is not None:
        if item.level is None:
            return "it gives no EQF level"
        if rules.min_level is not None and item.level < rules.min_level:
            return f"its level (EQF {item.level}) is below the minimum (EQF {rules.min_level})"
        if rules.max_level is not None and item.level > rules.max_level:
            return f"its level (EQF {item.level}) is above the maximum (EQF {rules.max_level})"
    validity = rules.validity_years
    if validity is not None and item.awarded is not None and item.awarded < years_before(today, validity):
        return f"it was awarded on {item.awarded}, more than {validity} years ago"
    if item.credits is None:
        return "it gives no credits"
    return None


def _in_order(rules: Rules, passing: list[Held], result: Progress) -> list[Held]:
    """A fixed sequence counts its steps in order: a step after one not yet done waits."""
    by_step = {item.specification_id: item for item in passing}
    kept = []
    for position, step in enumerate(rules.sequence):
        if step in by_step and not result.next_steps:
            kept.append(by_step[step])
        elif step in by_step:
            result.not_counted.append((by_step[step].title, f"it is step {position + 1}: an earlier step is not done"))
        else:
            result.next_steps.append(step)
    return kept
