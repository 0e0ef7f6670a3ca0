"""The credential a learner receives: an Open Badges 3.0 OpenBadgeCredential on W3C VC 2.0 whose
achievement is the published edition (every Annex I element, as design/documents.py writes it), with the
learner's identification, the date of issuing and the result.

The learner is identified by name (in clear, as Annex I asks) and, when given, by an email address that
is hashed with a salt, as Open Badges does, so that the credential proves who holds it without publishing
their address.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from microcred.design.documents import OB3_CONTEXTS
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
    if not name or len(name) > 200 or has_control_characters(name):
        raise InvalidInput(
            "learner.name: the learner's name is needed (1 to 200 printable characters).", code="invalid_learner"
        )
    email = (learner.email or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 320 or has_control_characters(email)):
        raise InvalidInput("learner.email: not an email address.", code="invalid_learner")
    identifier = (learner.identifier or "").strip() or None
    if identifier is not None and (len(identifier) > 100 or has_control_characters(identifier)):
        raise InvalidInput("learner.identifier: at most 100 printable characters.", code="invalid_learner")
    if email is None and identifier is None:
        raise InvalidInput(
            "learner: give an email address or the learner's number as well as the name, to identify them.",
            code="invalid_learner",
        )
    return Learner(name=name, email=email, identifier=identifier)


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
        "achievement": {key: value for key, value in achievement.items() if key != "@context"},
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
