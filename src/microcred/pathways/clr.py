"""A Comprehensive Learner Record (1EdTech CLR 2.0) for a learner who has completed a pathway: one `ClrCredential`,
signed by the pathway's organisation (eddsa-rdfc-2022, its did:web key, with its revocation and suspension entries,
through issuing's `credentials.issue`), whose `ClrSubject` carries the very credentials that counted, as they
were issued and signed (`verifiableCredential`), the pathway as an Achievement, and `association`s saying how
they relate: each counted achievement `isPartOf` the pathway, and in a fixed pathway each step `precedes` the
next.

Completion is what the learner's progress page computes (`service.progress`, from their wallet, each credential
verified again now): a learner who has not completed the pathway is refused, in a sentence that tells staff
nothing of their wallet (nor whether the address has an account). The record goes into the learner's wallet.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput
from microcred.issuing import credentials, keys
from microcred.pathways import service
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.trust import dataintegrity
from microcred.trust.jsonld import as_list
from microcred.verify import checks
from microcred.wallet.models import WalletCredential

V2 = "https://www.w3.org/ns/credentials/v2"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MARK = "\0"  # between a holding's title and its place among the learner's wallet rows (no title holds a NUL)
NOT_COMPLETED = (
    "Your wallet does not complete this pathway yet, so there is no record to make: your progress page says what "
    "is still missing."
)


def _hashed_email(email: str) -> dict[str, Any]:
    """The learner's address as Open Badges hashes it (sha256 of the address and a salt): provable, not published."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def counted_credentials(
    db: Session,
    learner: User,
    rules: Rules,
    verify: Callable[[dict[str, Any]], checks.Report],
    *,
    base_url: str,
    today: date,
) -> tuple[service.Progress, list[dict[str, Any]]]:
    """The learner's progress on the pathway, and the wallet documents of the credentials that counted, in the
    order they counted: what the progress page computes (`service.wallet_of`'s reading of each credential, then
    `service.progress`), each holding marked with its place so that what counted leads back to its document."""
    rows = list(
        db.execute(
            select(WalletCredential.id, WalletCredential.document)
            .where(WalletCredential.user_id == learner.id)
            .order_by(WalletCredential.added_at, WalletCredential.id)
        )
    )
    holdings = []
    for index, (wallet_id, document) in enumerate(rows):
        report = verify(document)
        item = service.held(document, report)
        claimed = item.specification_id
        if claimed is None:  # as wallet_of: a sealed ELM credential's award says what it is of
            issued = service.issued_here(db, wallet_id)
            claimed = issued.specification_id if issued else None
        specification = service.specification_of(db, claimed, report.issuer, base_url)
        holdings.append(replace(item, specification_id=specification, title=f"{item.title}{MARK}{index:06d}"))
    found = service.progress(rules, holdings, today=today)
    documents = [rows[int(entry.title.rsplit(MARK, 1)[1])][1] for entry in found.counted]
    found.counted = [replace(entry, title=entry.title.rsplit(MARK, 1)[0]) for entry in found.counted]
    found.not_counted = [(title.rsplit(MARK, 1)[0], why) for title, why in found.not_counted]
    return found, documents


def _achievement_id(document: dict[str, Any]) -> str | None:
    subject = next(iter(as_list(document.get("credentialSubject"))), None)
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    found = achievement.get("id") if isinstance(achievement, dict) else None
    return found if isinstance(found, str) else None


def record(
    pathway: Pathway,
    organisation: Organisation,
    learner: User,
    carried: list[dict[str, Any]],
    *,
    base_url: str,
    rules: Rules,
) -> dict[str, Any]:
    """The unsigned ClrCredential: the pathway as an Achievement, the counted credentials, their associations."""
    base = base_url.rstrip("/")
    pathway_achievement = f"{base}/pathways/{pathway.id}"
    achievement = {
        "id": pathway_achievement,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": pathway.title,
        "description": f"A pathway towards {pathway.qualification}, defined by {organisation.legal_name}.",
        "criteria": {
            "narrative": f"Hold valid micro-credentials worth at least {rules.total_credits} credits that the "
            f"pathway's rules ({rules.kind}) count."
        },
    }
    parts = [found for document in carried if (found := _achievement_id(document))]
    associations = [
        {"type": "Association", "associationType": "isPartOf", "sourceId": part, "targetId": pathway_achievement}
        for part in dict.fromkeys(parts)
    ]
    if rules.kind == "fixed":
        associations += [
            {"type": "Association", "associationType": "precedes", "sourceId": first, "targetId": then}
            for first, then in zip(parts, parts[1:], strict=False)
        ]
    return {
        "@context": [V2, CLR_CONTEXT, OB3_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": keys.did_web(organisation, base_url), "type": ["Profile"], "name": organisation.legal_name},
        "name": f"{pathway.title}: Comprehensive Learner Record",
        "description": f"The credentials {learner.display_name} holds that complete the pathway {pathway.title}.",
        "validFrom": dataintegrity.now(),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": learner.display_name,
                },
                _hashed_email(learner.email),
            ],
            "achievement": [achievement],
            "verifiableCredential": carried,
            "association": associations,
        },
    }


def embeddable(document: Any) -> bool:
    """Whether a wallet credential can be carried in a ClrSubject: a JSON-LD credential with an embedded proof
    (a JAdES-sealed ELM credential is signed over its bytes, not as linked data, and cannot be)."""
    return isinstance(document, dict) and "@context" in document and "proof" in document


def issue(
    db: Session,
    actor: Actor,
    pathway: Pathway,
    learner: User,
    verify: Callable[[dict[str, Any]], checks.Report],
    *,
    base_url: str,
    master: bytes,
    today: date | None = None,
) -> tuple[dict[str, Any], WalletCredential]:
    """Sign a CLR for the learner, who asks for it and whose wallet completes the pathway, by the pathway's
    organisation, and put it in their wallet. Only the learner asks: what their wallet holds is theirs to show,
    so nobody else can have a record made of it. InvalidInput with the reason otherwise."""
    organisation = db.get(Organisation, pathway.organisation_id)
    assert organisation is not None
    rules = Rules.model_validate(pathway.rules)
    found, carried = counted_credentials(db, learner, rules, verify, base_url=base_url, today=today or date.today())
    if not found.eligible or not carried:
        raise InvalidInput(NOT_COMPLETED, code="pathway_not_completed")
    if not all(embeddable(document) for document in carried):
        raise InvalidInput(
            "A credential that counts towards this pathway is a sealed European Digital Credential, which a "
            "Comprehensive Learner Record cannot carry: only Open Badges and other linked-data credentials can be.",
            code="not_embeddable",
        )
    unsigned = record(pathway, organisation, learner, carried, base_url=base_url, rules=rules)
    signed = credentials.issue(db, actor, organisation, unsigned, base_url=base_url, master=master)
    row = WalletCredential(
        user_id=learner.id,
        document=signed,
        kind="clr",
        title=signed["name"][:300],
        issuer_name=organisation.legal_name[:300],
        source="pathway",
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "pathway.clr_issued",
        object_type="pathway",
        object_id=str(pathway.id),
        organisation=organisation,
        summary=f"Issued a Comprehensive Learner Record of {len(carried)} credentials for {pathway.title}",
    )
    return signed, row
