"""Specifications as ELM documents: a `LearningOpportunity` whose `learningAchievementSpecification` is a
`Qualification`, and back.

The shape is the Commission's Annex I sample (eqfLevel, nqfLevel, creditPoint, volumeOfLearning, learningOutcome
with relatedESCOSkill, mode, learningSetting, entryRequirement, …). Elements ELM has no property for on a
specification (supervision, what it stacks towards, identified needs) are `additionalNote`s whose subject
names them. Concepts use the Commission's URIs where we know them, else `urn:microcred:` ones. `from_elm` also
reads a whole ELM credential (the Commission's Annex I sample) and takes the specification out of its
achievement.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from microcred.design import vocab
from microcred.design.documents import (
    ELM_CONTEXT,
    Provider,
    concept,
    concept_id,
    concept_scheme,
    decimal_text,
    named,
    term_code,
    types_of,
)
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput
from microcred.trust.jsonld import as_list, text_of

ESCO_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
NOTE_SUBJECTS = {
    "supervision": "Supervision and identity verification",
    "towards": "Stackable towards",
    "needs": "Identified skill needs",
    "further": "Further information",
    "non_attendees": "Assessment open to non-attendees",
    # Elements whose ELM property takes only the EU's own concepts, written as notes while ours have none.
    "learning_setting": "Learning setting",
    "nqf": "National qualifications framework level",
    "qa_type": "Quality assurance",
    "qa_body": "Quality assurance body",
    "qa_description": "Quality assurance description",
    "qa_url": "Quality assurance information",
}


class _Ids:
    """`urn:epass:<kind>:<n>` ids, numbered per document as the Commission's samples number them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"urn:epass:{kind}:{self.counts[kind]}"


def _hours_duration(hours: Decimal) -> str:
    minutes = int((hours * 60).to_integral_value())
    whole, rest = divmod(minutes, 60)
    return f"PT{whole}H" + (f"{rest}M" if rest else "")


DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def duration_hours(text: str, *, field: str) -> Decimal:
    """Hours in an ISO 8601 duration (a month as 30.44 days, a year as 365.25), or an error naming the field."""
    found = DURATION.match(text.strip()) if isinstance(text, str) else None
    if not found or text.strip() in ("P", "PT"):
        raise InvalidInput(
            f"{field}: {str(text)[:40]!r} is not an ISO 8601 duration such as PT60H.", code="invalid_document"
        )
    parts = {key: Decimal(value or 0) for key, value in found.groupdict().items()}
    return (
        parts["years"] * Decimal("8766")
        + parts["months"] * Decimal("730.5")
        + parts["weeks"] * 168
        + parts["days"] * 24
        + parts["hours"]
        + parts["minutes"] / 60
        + parts["seconds"] / 3600
    )


# ELM export ----------


def _organisation(ids: _Ids, name: str, country: str | None, homepage: str | None, region: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"id": ids("org"), "type": "Organisation", "legalName": {"en": name}}
    if country or region:
        location: dict[str, Any] = {"id": ids("location"), "type": "Location"}
        if country:
            location["address"] = {
                "id": ids("address"),
                "type": "Address",
                "countryCode": concept(vocab.country_uri(country), vocab.country_name(country) or country),
            }
        if region:
            location["geographicName"] = {"en": region}
        node["location"] = location
    if homepage:
        node["homepage"] = {"id": ids("webResource"), "type": "WebResource", "contentURL": homepage}
    return node


def _note(ids: _Ids, subject: str, text: str) -> dict[str, Any]:
    return {
        "id": ids("note"),
        "type": "Note",
        "subject": concept(f"urn:microcred:note:{subject}", NOTE_SUBJECTS[subject]),
        "noteLiteral": {"en": text},
    }


def to_elm(
    content: SpecificationContent,
    *,
    provider: Provider,
    skill_labels: dict[str, str],
    opportunity_id: str | None = None,
) -> dict[str, Any]:
    """An ELM LearningOpportunity JSON-LD document whose Qualification carries every Annex I element."""
    ids = _Ids()
    c = content
    qualification: dict[str, Any] = {
        "id": ids("qualification"),
        "type": "Qualification",
        "title": {"en": c.title},
    }
    if c.description:
        qualification["description"] = {"en": c.description}
    if c.code:
        qualification["identifier"] = [
            {"id": ids("identifier"), "type": "Identifier", "schemeName": "Course code", "notation": c.code}
        ]
    if c.eqf_level is not None:
        qualification["eqfLevel"] = concept(vocab.eqf_uri(c.eqf_level), f"Level {c.eqf_level}")
    if c.qf_ehea_cycle:
        qualification["educationLevel"] = [
            concept(f"urn:microcred:qf-ehea:{c.qf_ehea_cycle}", vocab.QF_EHEA_LABELS[c.qf_ehea_cycle])
        ]
    if c.credits is not None:
        system = vocab.CREDIT_SYSTEMS[c.credits.system]
        qualification["creditPoint"] = [
            {
                "id": ids("creditPoint"),
                "type": "CreditPoint",
                "framework": concept(system.uri, system.name, notation=system.code),
                "point": decimal_text(c.credits.value),
            }
        ]
    if c.workload_hours is not None:
        qualification["volumeOfLearning"] = _hours_duration(c.workload_hours)
    if c.learning_outcomes:
        qualification["learningOutcome"] = [
            {
                "id": ids("learningOutcome"),
                "type": "LearningOutcome",
                "title": {"en": outcome.text},
                **(
                    {
                        "relatedESCOSkill": [
                            concept(
                                uri, skill_labels.get(uri, uri), inScheme={"id": ESCO_SCHEME, "type": "ConceptScheme"}
                            )
                            for uri in outcome.skills
                        ]
                    }
                    if outcome.skills
                    else {}
                ),
            }
            for outcome in c.learning_outcomes
        ]
    notes = []
    if c.learning_setting:
        term = vocab.LEARNING_SETTINGS[c.learning_setting]
        if concept_scheme(term.uri):
            qualification["learningSetting"] = concept(term.uri, term.label)
        else:
            notes.append(_note(ids, "learning_setting", term.label))
    if c.nqf is not None:
        notes.append(_note(ids, "nqf", f"{c.nqf.framework} Level {c.nqf.level}"))
    if c.participation:
        term = vocab.PARTICIPATION[c.participation]
        qualification["mode"] = [concept(term.uri, term.label)]
    if c.languages:
        qualification["language"] = [
            concept(vocab.language_uri(code), vocab.language_name(code) or code) for code in c.languages
        ]
    if c.field:
        qualification["thematicArea"] = [concept(vocab.isced_uri(c.field), vocab.ISCED_F[c.field], notation=c.field)]
    if c.audiences:
        qualification["targetGroup"] = [concept(vocab.AUDIENCES[a].uri, vocab.AUDIENCES[a].label) for a in c.audiences]
    if c.prerequisites:
        qualification["entryRequirement"] = {"id": ids("note"), "type": "Note", "noteLiteral": {"en": c.prerequisites}}
    if c.stackability is not None:
        qualification["isPartialQualification"] = c.stackability.partial_qualification
    if c.awarding_bodies:
        qualification["awardingOpportunity"] = [
            {
                "id": ids("awardingOpportunity"),
                "type": "AwardingOpportunity",
                "awardingBody": [
                    _organisation(ids, body.name, body.country, body.homepage) for body in c.awarding_bodies
                ],
            }
        ]
    if c.assessment is not None:
        assessment_type = vocab.ASSESSMENT_TYPES[c.assessment.type]
        spec: dict[str, Any] = {
            "id": ids("assessmentSpecification"),
            "type": "LearningAssessmentSpecification",
            "title": {"en": assessment_type.label},
            "dcType": concept(assessment_type.uri, assessment_type.label),
        }
        if c.assessment.description:
            spec["description"] = {"en": c.assessment.description}
        if c.assessment.grading:
            spec["gradingScheme"] = {
                "id": ids("gradingScheme"),
                "type": "GradingScheme",
                "title": {"en": c.assessment.grading},
            }
        qualification["provenBy"] = [spec]
    if c.quality_assurance is not None:
        qa = c.quality_assurance
        term = vocab.QA_TYPES[qa.type]
        if concept_scheme(term.uri):  # an ELM Accreditation needs a type from the EU's accreditation vocabulary
            accreditation: dict[str, Any] = {
                "id": ids("accreditation"),
                "type": "Accreditation",
                "dcType": concept(term.uri, term.label),
                "title": {"en": term.label},
            }
            if qa.body:
                accreditation["accreditingAgent"] = {
                    "id": ids("org"),
                    "type": "Organisation",
                    "legalName": {"en": qa.body},
                }
            if qa.description:
                accreditation["description"] = {"en": qa.description}
            if qa.url:
                accreditation["landingPage"] = [{"id": ids("webResource"), "type": "WebResource", "contentURL": qa.url}]
            qualification["accreditation"] = [accreditation]
        else:
            notes.append(_note(ids, "qa_type", term.label))
            for subject, text in (("qa_body", qa.body), ("qa_description", qa.description), ("qa_url", qa.url)):
                if text:
                    notes.append(_note(ids, subject, str(text)))
    if c.supervision:
        notes.append(_note(ids, "supervision", vocab.SUPERVISION[c.supervision].label))
    if c.stackability is not None:
        stack = "stackable" if c.stackability.stackable else "stand-alone"
        notes.append(_note(ids, "towards", stack + (f": {c.stackability.towards}" if c.stackability.towards else "")))
    if c.assessment is not None and c.assessment.open_to_non_attendees:
        notes.append(_note(ids, "non_attendees", "yes"))
    if c.needs_evidence:
        notes.append(_note(ids, "needs", c.needs_evidence))
    if c.further_information:
        notes.append(_note(ids, "further", c.further_information))
    if notes:
        qualification["additionalNote"] = notes

    opportunity: dict[str, Any] = {
        "@context": ELM_CONTEXT,
        "id": opportunity_id or f"urn:epass:learningOpportunity:{uuid.uuid4()}",
        "type": "LearningOpportunity",
        "title": {"en": c.title},
        "providedBy": _organisation(ids, provider.name, c.issuer_country, provider.homepage, c.issuer_region),
        "learningAchievementSpecification": qualification,
    }
    if c.homepage:
        opportunity["homepage"] = [{"id": ids("webResource"), "type": "WebResource", "contentURL": c.homepage}]
    if c.offer_start or c.offer_end:
        period: dict[str, Any] = {"id": ids("period"), "type": "PeriodOfTime"}
        if c.offer_start:
            period["startDate"] = f"{c.offer_start.isoformat()}T00:00:00Z"
        if c.offer_end:
            period["endDate"] = f"{c.offer_end.isoformat()}T00:00:00Z"
        opportunity["temporal"] = period
    if c.duration_weeks is not None:
        opportunity["duration"] = _hours_duration(c.duration_weeks * 168)
    if c.delivery:
        term = vocab.DELIVERY[c.delivery]
        opportunity["learningSchedule"] = concept(term.uri, term.label)
    if c.price is not None:
        opportunity["priceDetail"] = [
            {
                "id": ids("priceDetail"),
                "type": "PriceDetail",
                "amount": {
                    "id": ids("amount"),
                    "type": "Amount",
                    "value": decimal_text(c.price.amount),
                    "unit": concept(
                        f"http://publications.europa.eu/resource/authority/currency/{c.price.currency}",
                        c.price.currency,
                    ),
                },
            }
        ]
    return opportunity


# ELM import ----------


def from_elm(document: dict[str, Any]) -> dict[str, Any]:
    """Specification content (a dict, validated by the caller) from an ELM opportunity, qualification or credential."""
    types = types_of(document)
    issuer: Any = {}
    achievement: Any = {}
    opportunity: Any = {}
    if "EuropeanDigitalCredential" in types or "VerifiableCredential" in types:
        subject = as_list(document.get("credentialSubject"))[0] if document.get("credentialSubject") else {}
        achievement = (
            as_list(subject.get("hasClaim"))[0] if isinstance(subject, dict) and subject.get("hasClaim") else {}
        )
        qualification = as_list(achievement.get("specifiedBy"))[0] if achievement.get("specifiedBy") else {}
        issuer = document.get("issuer") if isinstance(document.get("issuer"), dict) else {}
        if not qualification:
            raise InvalidInput(
                "credentialSubject.hasClaim.specifiedBy: the credential has no specification to import.",
                code="invalid_document",
            )
    elif "LearningOpportunity" in types:
        opportunity = document
        qualification = document.get("learningAchievementSpecification") or {}
        if not isinstance(qualification, dict) or not qualification:
            raise InvalidInput(
                "learningAchievementSpecification: the learning opportunity specifies no qualification.",
                code="invalid_document",
            )
        issuer = document.get("providedBy") if isinstance(document.get("providedBy"), dict) else {}
    elif types & {"Qualification", "LearningAchievementSpecification"}:
        qualification = document
    else:
        raise InvalidInput(
            "type: expected an ELM LearningOpportunity, Qualification or EuropeanDigitalCredential.",
            code="invalid_document",
        )
    q = qualification
    out: dict[str, Any] = {
        "title": text_of(q.get("title")) or text_of(achievement.get("title")) or text_of(opportunity.get("title"))
    }
    out["description"] = text_of(q.get("description")) or text_of(opportunity.get("description"))
    for identifier in as_list(q.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("schemeName") == "Course code":
            out["code"] = str(identifier.get("notation", ""))
    location: Any = issuer.get("location") if isinstance(issuer.get("location"), dict) else {}
    country = concept_id(((location or {}).get("address") or {}).get("countryCode"))
    if country:
        out["issuer_country"] = vocab.country_from_uri(country) or country
    if (location or {}).get("geographicName"):
        out["issuer_region"] = text_of(location["geographicName"])
    bodies = [
        body
        for opportunity_node in as_list(q.get("awardingOpportunity"))
        for body in as_list(opportunity_node.get("awardingBody"))
    ] or as_list((achievement.get("awardedBy") or {}).get("awardingBody") if achievement else None)
    out["awarding_bodies"] = [_awarding_body(body) for body in bodies if isinstance(body, dict)]
    out["learning_outcomes"] = [
        {
            "text": text_of(outcome.get("title")),
            "skills": [concept_id(skill) for skill in as_list(outcome.get("relatedESCOSkill")) if concept_id(skill)],
        }
        for outcome in as_list(q.get("learningOutcome"))
        if isinstance(outcome, dict)
    ]
    if q.get("volumeOfLearning"):
        out["workload_hours"] = str(duration_hours(q["volumeOfLearning"], field="volumeOfLearning"))
    credit = next(iter(as_list(q.get("creditPoint"))), None)
    if isinstance(credit, dict):
        framework = credit.get("framework") or {}
        system = next(
            (
                s.code
                for s in vocab.CREDIT_SYSTEMS.values()
                if s.uri == concept_id(framework)
                or framework.get("notation") == s.code
                or text_of(framework.get("prefLabel")) in (s.name, s.code)
            ),
            text_of(framework.get("prefLabel")) or "?",
        )
        out["credits"] = {"system": system, "value": str(credit.get("point"))}
    eqf = concept_id(q.get("eqfLevel"))
    if eqf:
        eqf_level = vocab.eqf_from_uri(eqf)
        out["eqf_level"] = eqf.rstrip("/").rsplit("/", 1)[-1] if eqf_level is None else eqf_level
    nqf = next(iter(as_list(q.get("nqfLevel"))), None)
    if isinstance(nqf, dict):
        label = text_of(nqf.get("prefLabel"))
        found = re.match(r"^(.*?)\s+level\s+(\S+)$", label, re.IGNORECASE)
        framework, level = (found.group(1), found.group(2)) if found else (label, str(nqf.get("notation", "")))
        out["nqf"] = {"framework": framework, "level": str(nqf.get("notation") or level)}
    cycle = concept_id(next(iter(as_list(q.get("educationLevel"))), None))
    if cycle and cycle.startswith("urn:microcred:qf-ehea:"):
        out["qf_ehea_cycle"] = cycle.rsplit(":", 1)[-1]
    notes = {
        concept_id(note.get("subject") or {}) or "": text_of(note.get("noteLiteral"))
        for note in as_list(q.get("additionalNote"))
        if isinstance(note, dict)
    }
    if "urn:microcred:note:nqf" in notes:
        found = re.match(r"^(.*?)\s+level\s+(\S+)$", notes["urn:microcred:note:nqf"], re.IGNORECASE)
        if found:
            out["nqf"] = {"framework": found.group(1), "level": found.group(2)}
    out.update(_assessment_from_elm(q, achievement))
    mode = next(iter(as_list(q.get("mode"))), None)
    if mode:
        out["participation"] = term_code(vocab.PARTICIPATION, mode, "mode")
    if q.get("learningSetting"):
        out["learning_setting"] = term_code(vocab.LEARNING_SETTINGS, q["learningSetting"], "learningSetting")
    elif "urn:microcred:note:learning_setting" in notes:
        setting = notes["urn:microcred:note:learning_setting"]
        out["learning_setting"] = named(vocab.LEARNING_SETTINGS, setting, "learning setting")
    out["languages"] = [
        vocab.language_from_uri(concept_id(language) or "") or concept_id(language)
        for language in as_list(q.get("language"))
    ]
    area = next(iter(as_list(q.get("thematicArea"))), None)
    if area:
        out["field"] = (concept_id(area) or "").rstrip("/").rsplit("/", 1)[-1]
    out["audiences"] = [term_code(vocab.AUDIENCES, group, "targetGroup") for group in as_list(q.get("targetGroup"))]
    if q.get("entryRequirement"):
        out["prerequisites"] = text_of((q["entryRequirement"] or {}).get("noteLiteral"))
    accreditation = next(iter(as_list(q.get("accreditation"))), None)
    if isinstance(accreditation, dict):
        out["quality_assurance"] = {
            "type": term_code(vocab.QA_TYPES, accreditation.get("dcType") or {}, "accreditation.dcType"),
            "body": text_of((accreditation.get("accreditingAgent") or {}).get("legalName")),
            "description": text_of(accreditation.get("description")),
            "url": next(
                (
                    page.get("contentURL")
                    for page in as_list(accreditation.get("landingPage"))
                    if isinstance(page, dict)
                ),
                None,
            ),
        }
    elif "urn:microcred:note:qa_type" in notes:
        out["quality_assurance"] = {
            "type": named(vocab.QA_TYPES, notes["urn:microcred:note:qa_type"], "quality assurance"),
            "body": notes.get("urn:microcred:note:qa_body", ""),
            "description": notes.get("urn:microcred:note:qa_description", ""),
            "url": notes.get("urn:microcred:note:qa_url") or None,
        }
    if "urn:microcred:note:supervision" in notes:
        out["supervision"] = named(vocab.SUPERVISION, notes["urn:microcred:note:supervision"], "supervision")
    towards = notes.get("urn:microcred:note:towards")
    partial = q.get("isPartialQualification")
    if towards is not None or partial is not None:
        stackable = towards.startswith("stackable") if towards is not None else bool(partial)
        rest = towards.split(": ", 1)[1] if towards and ": " in towards else ""
        out["stackability"] = {"stackable": stackable, "partial_qualification": bool(partial), "towards": rest}
    if notes.get("urn:microcred:note:non_attendees") == "yes" and isinstance(out.get("assessment"), dict):
        out["assessment"]["open_to_non_attendees"] = True
    out["needs_evidence"] = notes.get("urn:microcred:note:needs", "")
    out["further_information"] = notes.get("urn:microcred:note:further", "")
    homepage = next(iter(as_list(opportunity.get("homepage") or q.get("homepage"))), None)
    if isinstance(homepage, dict) and homepage.get("contentURL"):
        out["homepage"] = homepage["contentURL"]
    period = opportunity.get("temporal") or {}
    if isinstance(period, dict):
        for key, target in (("startDate", "offer_start"), ("endDate", "offer_end")):
            if period.get(key):
                out[target] = str(period[key])[:10]
    duration = opportunity.get("duration") or q.get("maximumDuration")
    if duration:
        weeks = duration_hours(duration, field="duration") / 168
        out["duration_weeks"] = str(weeks.quantize(Decimal("0.1")))
    if opportunity.get("learningSchedule"):
        out["delivery"] = term_code(vocab.DELIVERY, opportunity["learningSchedule"], "learningSchedule")
    price = next(iter(as_list(opportunity.get("priceDetail"))), None)
    if isinstance(price, dict) and isinstance(price.get("amount"), dict):
        amount = price["amount"]
        currency = (concept_id(amount.get("unit")) or "EUR").rsplit("/", 1)[-1]
        out["price"] = {"amount": str(amount.get("value")), "currency": currency}
    return out


def _awarding_body(node: dict[str, Any]) -> dict[str, Any]:
    location = node.get("location") if isinstance(node.get("location"), dict) else {}
    country = concept_id(((location or {}).get("address") or {}).get("countryCode"))
    homepage = next(iter(as_list(node.get("homepage"))), None)
    return {
        "name": text_of(node.get("legalName")) or text_of(node.get("prefLabel")),
        "country": vocab.country_from_uri(country) if country else None,
        "homepage": homepage.get("contentURL") if isinstance(homepage, dict) else None,
    }


def _assessment_from_elm(q: dict[str, Any], achievement: dict[str, Any]) -> dict[str, Any]:
    """The assessment from the specification (provenBy) or from a credential's LearningAssessment."""
    out: dict[str, Any] = {}
    spec = next(iter(as_list(q.get("provenBy"))), None)
    assessment = next(iter(as_list(achievement.get("provenBy"))), None) if achievement else None
    if spec is None and isinstance(assessment, dict):
        spec = assessment.get("specifiedBy")
    if isinstance(spec, dict):
        grading = spec.get("gradingScheme") or {}
        out["assessment"] = {
            "type": term_code(
                vocab.ASSESSMENT_TYPES, spec.get("dcType") or {"prefLabel": spec.get("title")}, "provenBy.dcType"
            ),
            "description": text_of(spec.get("description")) or text_of(grading.get("description")),
            "grading": text_of(grading.get("title")),
        }
    if isinstance(assessment, dict) and assessment.get("idVerification"):
        out["supervision"] = term_code(vocab.SUPERVISION, assessment["idVerification"], "provenBy.idVerification")
    return out
