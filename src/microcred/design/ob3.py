"""Specifications as Open Badges 3.0 documents: an `Achievement` with achievementType `MicroCredential`, and back.

OB3's own terms where they exist (name, description, criteria, creator, creditsAvailable, fieldOfStudy,
humanCode, inLanguage, alignment to EQF, NQF, ISCED-F, quality assurance and ESCO skills), and the remaining
Annex I elements as extension terms (named as the Dutch edubadges profile names them where it has them:
participationType, assessmentType, supervisionType, identityChecked, ECTS), defined through W3C's
undefined-terms context.
"""

from __future__ import annotations

import uuid
from typing import Any

from microcred.design import vocab
from microcred.design.documents import OB3_CONTEXTS, Provider, decimal_text, named, types_of
from microcred.design.schemas import NqfLevel, SpecificationContent
from microcred.errors import InvalidInput
from microcred.inputs import is_digits
from microcred.trust.jsonld import as_list


def _nqf_uri(nqf: NqfLevel) -> str:
    """A stable id for a national framework's level, the same in both formats."""
    return f"urn:microcred:nqf:{uuid.uuid5(uuid.NAMESPACE_URL, nqf.framework + '|' + nqf.level)}"


def to_ob3(
    content: SpecificationContent,
    *,
    provider: Provider,
    skill_labels: dict[str, str],
    achievement_id: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """An Open Badges 3.0 Achievement (achievementType MicroCredential) carrying every Annex I element."""
    c = content
    narrative = "\n".join(f"- {outcome.text}" for outcome in c.learning_outcomes)
    if c.assessment and c.assessment.description:
        narrative += f"\n\nAssessment: {c.assessment.description}"
    creator: dict[str, Any] = {"id": provider.id, "type": ["Profile"], "name": provider.name}
    if provider.homepage:
        creator["url"] = provider.homepage
    if c.issuer_country or c.issuer_region:
        creator["address"] = {"type": ["Address"]}
        if c.issuer_country:
            creator["address"]["addressCountryCode"] = c.issuer_country
            creator["address"]["addressCountry"] = vocab.country_name(c.issuer_country)
        if c.issuer_region:
            creator["address"]["addressRegion"] = c.issuer_region
    alignment: list[dict[str, Any]] = []
    if c.eqf_level is not None:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": "ext:EQF",
                "targetName": f"EQF level {c.eqf_level}",
                "targetCode": str(c.eqf_level),
                "targetUrl": vocab.eqf_uri(c.eqf_level),
            }
        )
    if c.nqf is not None:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": "ext:NQF",
                "targetName": f"{c.nqf.framework} level {c.nqf.level}",
                "targetFramework": c.nqf.framework,
                "targetCode": c.nqf.level,
                "targetUrl": _nqf_uri(c.nqf),
            }
        )
    if c.qf_ehea_cycle:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": "ext:QF-EHEA",
                "targetName": vocab.QF_EHEA_LABELS[c.qf_ehea_cycle],
                "targetCode": c.qf_ehea_cycle,
                "targetUrl": f"urn:microcred:qf-ehea:{c.qf_ehea_cycle}",
            }
        )
    if c.field:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": "ext:ISCED-F",
                "targetName": vocab.ISCED_F[c.field],
                "targetCode": c.field,
                "targetUrl": vocab.isced_uri(c.field),
            }
        )
    if c.quality_assurance is not None:
        qa = c.quality_assurance
        entry = {
            "type": ["Alignment"],
            "targetType": "ext:QualityAssurance",
            "targetName": vocab.QA_TYPES[qa.type].label,
            "targetCode": qa.type,
            "targetUrl": qa.url or vocab.QA_TYPES[qa.type].uri,
        }
        if qa.body:
            entry["targetFramework"] = qa.body
        if qa.description:
            entry["targetDescription"] = qa.description
        alignment.append(entry)
    for uri in c.skill_uris():
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": "ceasn:Competency",
                "targetFramework": "ESCO",
                "targetName": skill_labels.get(uri, uri),
                "targetUrl": uri,
            }
        )
    achievement: dict[str, Any] = {
        "@context": OB3_CONTEXTS,
        "id": achievement_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": c.title,
        "description": c.description or c.title,
        "criteria": {"narrative": narrative or c.title},
        "creator": creator,
    }
    if version is not None:
        achievement["version"] = str(version)
    if c.code:
        achievement["humanCode"] = c.code
    if c.languages:
        achievement["inLanguage"] = c.languages[0]
    if c.credits is not None:
        achievement["creditsAvailable"] = float(c.credits.value)
    if c.field:
        achievement["fieldOfStudy"] = vocab.ISCED_F[c.field]
    if alignment:
        achievement["alignment"] = alignment
    if c.audiences:
        achievement["tag"] = [vocab.AUDIENCES[a].label for a in c.audiences]
    # Annex I elements OB3 has no term for (edubadges' names where it has them).
    extension: dict[str, Any] = {
        "languages": c.languages or None,
        # No empty lists: a list with nothing in it signs as nothing, so its key could change unseen.
        "learningOutcomes": [
            {key: value for key, value in o.model_dump(mode="json").items() if value != []} for o in c.learning_outcomes
        ],
        "awardingBodies": [b.model_dump(mode="json", exclude_none=True) for b in c.awarding_bodies],
        "studyLoad": decimal_text(c.workload_hours) if c.workload_hours is not None else None,
        "creditSystem": c.credits.system if c.credits else None,
        "ECTS": float(c.credits.value) if c.credits and c.credits.system == "ECTS" else None,
        "participationType": c.participation,
        "learningSetting": c.learning_setting,
        "deliveryMode": c.delivery,
        "durationWeeks": decimal_text(c.duration_weeks) if c.duration_weeks is not None else None,
        "assessmentType": c.assessment.type if c.assessment else None,
        "gradingScheme": c.assessment.grading if c.assessment and c.assessment.grading else None,
        "assessmentDescription": c.assessment.description if c.assessment and c.assessment.description else None,
        "openToNonAttendees": True if c.assessment and c.assessment.open_to_non_attendees else None,
        "supervisionType": c.supervision,
        "identityChecked": c.supervision in ("supervised_online_id", "supervised_onsite_id") if c.supervision else None,
        "prerequisites": c.prerequisites or None,
        "stackability": c.stackability.model_dump(mode="json") if c.stackability else None,
        "furtherInformation": c.further_information or None,
        "homepage": c.homepage,
        "audiences": c.audiences or None,
        "price": c.price.model_dump(mode="json") if c.price else None,
        "needsEvidence": c.needs_evidence or None,
        "offerStart": c.offer_start.isoformat() if c.offer_start else None,
        "offerEnd": c.offer_end.isoformat() if c.offer_end else None,
    }
    achievement.update({key: value for key, value in extension.items() if value is not None})
    return achievement


def from_ob3(document: Any) -> dict[str, Any]:
    """Specification content from an OB3 Achievement, or the achievement of an OpenBadgeCredential."""
    types = types_of(document)
    if "OpenBadgeCredential" in types or "AchievementCredential" in types:
        subject = as_list(document.get("credentialSubject"))[0] if document.get("credentialSubject") else {}
        document = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(document, dict):
            raise InvalidInput("credentialSubject.achievement: the badge has no achievement.", code="invalid_document")
        types = types_of(document)
    if "Achievement" not in types:
        raise InvalidInput("type: expected an Open Badges 3.0 Achievement.", code="invalid_document")
    d = document
    out: dict[str, Any] = {
        "title": d.get("name", ""),
        "description": "" if d.get("description") == d.get("name") else d.get("description", ""),
        "code": d.get("humanCode", ""),
    }
    creator: Any = d.get("creator") if isinstance(d.get("creator"), dict) else {}
    address = (creator or {}).get("address") or {}
    if address.get("addressCountryCode"):
        out["issuer_country"] = address["addressCountryCode"]
    if address.get("addressRegion"):
        out["issuer_region"] = address["addressRegion"]
    out["languages"] = d.get("languages") or ([d["inLanguage"].split("-")[0]] if d.get("inLanguage") else [])
    if d.get("learningOutcomes") is not None:
        out["learning_outcomes"] = d["learningOutcomes"]
    else:  # a plain OB3 achievement: its criteria's list items, its ESCO alignments on the first
        items = [
            line[2:].strip()
            for line in str((d.get("criteria") or {}).get("narrative", "")).splitlines()
            if line.startswith("- ")
        ]
        skills = [
            a.get("targetUrl")
            for a in as_list(d.get("alignment"))
            if isinstance(a, dict) and str(a.get("targetUrl", "")).startswith("http://data.europa.eu/esco/skill/")
        ]
        out["learning_outcomes"] = [{"text": text, "skills": skills if i == 0 else []} for i, text in enumerate(items)]
    out["awarding_bodies"] = (
        d["awardingBodies"]
        if "awardingBodies" in d
        else (
            [{"name": creator.get("name", ""), "country": address.get("addressCountryCode")}]
            if creator.get("name")
            else []
        )
    )
    if d.get("studyLoad") is not None:
        out["workload_hours"] = str(d["studyLoad"])
    if d.get("creditsAvailable") is not None:
        out["credits"] = {
            "system": d.get("creditSystem") or ("ECTS" if d.get("ECTS") is not None else "?"),
            "value": str(d["creditsAvailable"]),
        }
    elif d.get("ECTS") is not None:
        out["credits"] = {"system": "ECTS", "value": str(d["ECTS"])}
    for entry in as_list(d.get("alignment")):
        if not isinstance(entry, dict):
            continue
        kind = entry.get("targetType")
        if kind == "ext:EQF":
            code = str(entry.get("targetCode", ""))
            out["eqf_level"] = int(code) if is_digits(code) else code
        elif kind == "ext:NQF":
            out["nqf"] = {"framework": entry.get("targetFramework", ""), "level": str(entry.get("targetCode", ""))}
        elif kind == "ext:QF-EHEA":
            out["qf_ehea_cycle"] = entry.get("targetCode")
        elif kind == "ext:ISCED-F":
            out["field"] = entry.get("targetCode")
        elif kind == "ext:QualityAssurance":
            url = entry.get("targetUrl")
            out["quality_assurance"] = {
                "type": entry.get("targetCode") if entry.get("targetCode") in vocab.QA_TYPES else "external",
                "body": entry.get("targetFramework", ""),
                "description": entry.get("targetDescription", ""),
                "url": None if not url or str(url).startswith("urn:") else url,
            }
    if d.get("assessmentType"):
        out["assessment"] = {
            "type": named(vocab.ASSESSMENT_TYPES, d["assessmentType"], "assessmentType"),
            "description": d.get("assessmentDescription", ""),
            "grading": d.get("gradingScheme", ""),
            "open_to_non_attendees": bool(d.get("openToNonAttendees", False)),
        }
    if d.get("participationType"):  # edubadges says "onsite or blended": the last is the wider
        out["participation"] = named(vocab.PARTICIPATION, d["participationType"].split(" or ")[-1], "participationType")
    if d.get("supervisionType"):
        out["supervision"] = named(vocab.SUPERVISION, d["supervisionType"], "supervisionType")
    for source, target in (
        ("learningSetting", "learning_setting"),
        ("deliveryMode", "delivery"),
        ("durationWeeks", "duration_weeks"),
        ("prerequisites", "prerequisites"),
        ("stackability", "stackability"),
        ("furtherInformation", "further_information"),
        ("homepage", "homepage"),
        ("audiences", "audiences"),
        ("price", "price"),
        ("needsEvidence", "needs_evidence"),
        ("offerStart", "offer_start"),
        ("offerEnd", "offer_end"),
    ):
        if d.get(source) is not None:
            out[target] = d[source]
    return out
