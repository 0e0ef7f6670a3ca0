"""The credential a learner receives: an Open Badges 3.0 OpenBadgeCredential on W3C VC 2.0 whose
achievement is the published edition (every Annex I element, as design/documents.py writes it), with the
learner's identification, the date of issuing and the result; and the same award as an ELM v3
EuropeanDigitalCredential shaped as the Commission's Annex I sample (Person → LearningAchievement awarded
by an AwardingProcess, proven by a LearningAssessment with its grade, specified by the Qualification).

The learner is identified by name (in clear, as Annex I asks) and, when given, by an email address that
is hashed with a salt, as Open Badges does, so that the credential proves who holds it without publishing
their address.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import segno

from microcred.design import vocab
from microcred.design.documents import ELM_CONTEXT, OB3_CONTEXTS, concept
from microcred.errors import InvalidInput
from microcred.inputs import has_control_characters


@dataclass(frozen=True)
class Learner:
    name: str
    email: str | None = None
    identifier: str | None = None  # the awarding body's own number for the learner


@dataclass(frozen=True)
class Result:
    awarded: date
    grade: str | None = None


def check_learner(learner: Learner) -> Learner:
    """Annex I needs the learner identified: a name, and an email or the body's own learner number."""
    name = learner.name.strip()
    if not name:
        raise InvalidInput("The learner's name is missing.", code="invalid_learner")
    if len(name) > 200 or has_control_characters(name):
        raise InvalidInput("The learner's name must be 1 to 200 printable characters.", code="invalid_learner")
    email = (learner.email or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 320 or has_control_characters(email)):
        raise InvalidInput("The learner's email is not a valid email address.", code="invalid_learner")
    identifier = (learner.identifier or "").strip() or None
    if identifier is not None and (len(identifier) > 100 or has_control_characters(identifier)):
        raise InvalidInput(
            "The learner's number (identifier) must be at most 100 printable characters.", code="invalid_learner"
        )
    if email is None and identifier is None:
        raise InvalidInput(
            "Give an email address or the learner's number as well as their name, to identify them.",
            code="invalid_learner",
        )
    return Learner(name=name, email=email, identifier=identifier)


def check_result(result: Result) -> Result:
    """A grade is printable text of at most 100 characters."""
    if result.grade is not None and (len(result.grade) > 100 or has_control_characters(result.grade)):
        raise InvalidInput("The grade must be at most 100 printable characters.", code="invalid_result")
    return result


def verify_url(base_url: str, credential_id: uuid.UUID) -> str:
    """The public page that checks an issued credential: its PDF's QR code and its ELM picture point here."""
    return f"{base_url.rstrip('/')}/verify/{credential_id}"


def qr_png(url: str) -> bytes:
    """A QR code of the URL as PNG (error correction M: it still scans with a crease or a stain)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=4, border=4)
    return out.getvalue()


def qr_data_uri(url: str) -> str:
    """The QR code of the URL as a PNG data URI (for pages and the PDF)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()


def _hashed(value: str) -> dict[str, str]:
    salt = secrets.token_hex(8)
    return {"identityHash": "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest(), "salt": salt}


def ob3_credential(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    achievement: dict[str, Any],
    learner: Learner,
    result: Result,
    valid_from: str,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (status and proof are added by issuing)."""
    learner = check_learner(learner)
    identifiers: list[dict[str, Any]] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": learner.name}
    ]
    if learner.email:
        identifiers.append(
            {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True, **_hashed(learner.email)}
        )
    if learner.identifier:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "identifier",
                "hashed": False,
                "identityHash": learner.identifier,
            }
        )
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": {key: value for key, value in achievement.items() if key != "@context"}
        if "@context" in achievement
        else achievement,  # an issuance run hands every credential the same achievement, stripped once
        "activityEndDate": f"{result.awarded.isoformat()}T00:00:00Z",
    }
    if result.grade:
        subject["result"] = [{"type": ["Result"], "value": result.grade[:100]}]
    if achievement.get("creditsAvailable") is not None:
        subject["creditsEarned"] = achievement["creditsAvailable"]
    return {
        "@context": list(OB3_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "awardedDate": f"{result.awarded.isoformat()}T00:00:00Z",
        "name": achievement["name"],
        "credentialSubject": subject,
    }


ELM_GENERIC_PROFILE = {
    "id": "http://data.europa.eu/snb/credential/e34929035b",
    "type": "Concept",
    "inScheme": {"id": "http://data.europa.eu/snb/credential/25831c2", "type": "ConceptScheme"},
    "prefLabel": {"en": "Generic"},
}
ELM_SCHEMA = {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"}
ENGLISH = "http://publications.europa.eu/resource/authority/language/ENG"
BASE64_ENCODING = "http://data.europa.eu/snb/encoding/6146cde7dd"
PNG_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/PNG"
ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"
_EPASS_ID = re.compile(r"urn:epass:([A-Za-z]+):(\d+)$")


def _numbering(document: Any, counts: dict[str, int]) -> None:
    """The highest `urn:epass:<kind>:<n>` in use per kind, so that new nodes do not take an existing id."""
    if isinstance(document, dict):
        found = _EPASS_ID.match(str(document.get("id", "")))
        if found:
            counts[found[1]] = max(counts.get(found[1], 0), int(found[2]))
        for value in document.values():
            _numbering(value, counts)
    elif isinstance(document, list):
        for value in document:
            _numbering(value, counts)


def elm_credential(
    *,
    credential_id: str,
    opportunity: dict[str, Any],
    learner: Learner,
    result: Result,
    issued: str,
    status_url: str,
    legal_identifier: tuple[str, str],
    display_png: bytes,
    supervision: str | None = None,
) -> dict[str, Any]:
    """The unsealed EuropeanDigitalCredential for the learner, from the edition's ELM learning opportunity.

    `legal_identifier` is the issuer's (identifier, country code), as its seal certificate names it: the
    EDC profile wants exactly one eIDAS legal identifier on the issuer. The profile takes one status, as a
    URL: `status_url` answers the award's revocation and suspension (and their Bitstring entries).
    `display_png` is the picture the EDC wallet shows (here the QR code of the verification page).
    An awarding body named without a country is placed in the issuer's, as the profile wants every
    organisation located.
    """
    learner = check_learner(learner)
    opportunity = copy.deepcopy(opportunity)
    counts: dict[str, int] = {}
    _numbering(opportunity, counts)

    def new_id(kind: str) -> str:
        counts[kind] = counts.get(kind, 0) + 1
        return f"urn:epass:{kind}:{counts[kind]}"

    qualification = opportunity["learningAchievementSpecification"]
    notation, country = legal_identifier
    issuer = {
        **opportunity["providedBy"],
        "eIDASIdentifier": {
            "id": new_id("legalIdentifier"),
            "type": "LegalIdentifier",
            "notation": notation,
            "spatial": concept(vocab.country_uri(country), vocab.country_name(country) or country, notation="country"),
        },
    }
    bodies = [
        body for awarding in qualification.get("awardingOpportunity", []) for body in awarding.get("awardingBody", [])
    ] or [issuer]
    for body in bodies:
        if "location" not in body and "location" in issuer:
            body["location"] = {
                **issuer["location"],
                "id": new_id("location"),
                "address": {**issuer["location"]["address"], "id": new_id("address")},
            }
    awarding = {
        "id": new_id("awardingProcess"),
        "type": "AwardingProcess",
        "awardingBody": bodies,
        "awardingDate": f"{result.awarded.isoformat()}T00:00:00Z",
    }
    title = qualification["title"]
    assessment: dict[str, Any] = {
        "id": new_id("learningAssessment"),
        "type": "LearningAssessment",
        "title": (qualification.get("provenBy") or [{}])[0].get("title") or title,
        "awardedBy": awarding,
        "assessedBy": bodies,
    }
    if result.grade:
        assessment["grade"] = {"id": new_id("note"), "type": "Note", "noteLiteral": {"en": result.grade[:100]}}
    if supervision:
        term = vocab.SUPERVISION[supervision]
        assessment["idVerification"] = concept(term.uri, term.label)
    if qualification.get("provenBy"):
        assessment["specifiedBy"] = qualification["provenBy"][0]
    person: dict[str, Any] = {"id": new_id("person"), "type": "Person", "fullName": {"en": learner.name}}
    if learner.email:
        person["contactPoint"] = [
            {
                "id": new_id("contactPoint"),
                "type": "ContactPoint",
                "emailAddress": [{"id": f"mailto:{learner.email}", "type": "Mailbox"}],
            }
        ]
    if learner.identifier:
        person["identifier"] = [
            {
                "id": new_id("identifier"),
                "type": "Identifier",
                "schemeName": "Learner number",
                "notation": learner.identifier,
            }
        ]
    activity_spec: dict[str, Any] = {
        "id": new_id("learningActivitySpec"),
        "type": "LearningActivitySpecification",
        "title": title,
    }
    for name in ("mode", "volumeOfLearning", "language"):
        if name in qualification:
            activity_spec[name] = qualification[name]
    activity = {
        "id": new_id("activity"),
        "type": "LearningActivity",
        "title": title,
        "awardedBy": awarding,
        "directedBy": [issuer],
        "specifiedBy": activity_spec,
    }
    person["hasClaim"] = [
        {
            "id": new_id("learningAchievement"),
            "type": "LearningAchievement",
            "title": title,
            "awardedBy": awarding,
            "influencedBy": [activity],
            "provenBy": [assessment],
            "specifiedBy": qualification,
        }
    ]
    language = concept(ENGLISH, "English", notation="language")
    image = {
        "id": new_id("mediaObject"),
        "type": "MediaObject",
        "content": base64.b64encode(display_png).decode(),
        "contentEncoding": concept(BASE64_ENCODING, "base64"),
        "contentType": concept(PNG_FILE_TYPE, "PNG", notation="file-type"),
    }
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", ELM_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": [ELM_GENERIC_PROFILE],
        "displayParameter": {
            "id": new_id("displayParameter"),
            "type": "DisplayParameter",
            "title": title,
            "language": [language],
            "primaryLanguage": language,
            "description": {"en": "has successfully completed a micro-credential"},
            "individualDisplay": [
                {
                    "id": new_id("individualDisplay"),
                    "type": "IndividualDisplay",
                    "language": language,
                    "displayDetail": [
                        {"id": new_id("displayDetail"), "type": "DisplayDetail", "image": image, "page": 1}
                    ],
                }
            ],
        },
        "credentialSchema": [ELM_SCHEMA],
        "credentialSubject": person,
        "issuer": issuer,
        "issued": issued,
        "validFrom": issued,
        "credentialStatus": {"@value": status_url, "@type": ANY_URI},
    }
