"""Each organisation's signing keys: Ed25519 and P-256, sealed at rest, rotated without breaking the past.

An organisation is known as `did:web:<host>:orgs:<slug>`; its DID document (served at
/orgs/<slug>/did.json) lists every key it ever signed with, retired ones included, so that credentials
signed before a rotation still verify. Each key is also its own `did:key`.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, Unavailable
from microcred.issuing.models import SigningKey
from microcred.store.base import new_id, utcnow
from microcred.trust import TrustError, keystore
from microcred.trust.multikey import EcdsaKey, Ed25519Key, Key, key_from_multibase

ALGORITHMS = ("Ed25519", "P-256")


def _check(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise InvalidInput(f"Unknown key algorithm {algorithm[:20]!r}: use Ed25519 or P-256.", code="unknown_algorithm")
    return algorithm


def create(db: Session, actor: Actor, organisation: Organisation, algorithm: str, master: bytes) -> SigningKey:
    generated: Key = Ed25519Key.generate() if _check(algorithm) == "Ed25519" else EcdsaKey.generate("P-256")
    key_id = new_id()
    row = SigningKey(
        id=key_id,
        organisation_id=organisation.id,
        algorithm=algorithm,
        public_multibase=generated.public_multibase,
        private_sealed=keystore.seal(generated.private_multibase.encode(), master, str(key_id)),
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "key.created",
        object_type="signing_key",
        object_id=row.id,
        organisation=organisation,
        summary=f"New {algorithm} signing key {row.public_multibase[:16]}…",
        public_key=row.public_multibase,
    )
    return row


def keys(db: Session, organisation: Organisation) -> list[SigningKey]:
    """Every key of the organisation, the active ones first, newest first."""
    return list(
        db.scalars(
            select(SigningKey)
            .where(SigningKey.organisation_id == organisation.id)
            .order_by(SigningKey.retired_at.is_not(None), SigningKey.created_at.desc())
        )
    )


def active(db: Session, actor: Actor, organisation: Organisation, algorithm: str, master: bytes) -> SigningKey:
    """The key to sign with now, made on first use."""
    found = db.scalar(
        select(SigningKey).where(
            SigningKey.organisation_id == organisation.id,
            SigningKey.algorithm == _check(algorithm),
            SigningKey.retired_at.is_(None),
        )
    )
    return found or create(db, actor, organisation, algorithm, master)


def rotate(db: Session, actor: Actor, organisation: Organisation, algorithm: str, master: bytes) -> SigningKey:
    """Retire the active key of this algorithm (it stays in the DID document) and make a new one."""
    current = active(db, actor, organisation, algorithm, master)
    current.retired_at = utcnow()
    db.flush()
    fresh = create(db, actor, organisation, algorithm, master)
    audit.record(
        db,
        actor,
        "key.rotated",
        object_type="signing_key",
        object_id=fresh.id,
        organisation=organisation,
        summary=f"Rotated the {algorithm} key: {current.public_multibase[:16]}… retired",
        retired=current.public_multibase,
        active=fresh.public_multibase,
    )
    return fresh


def master_key(configured: str) -> bytes:
    """The master key from configuration, or a 503 that says what is wrong with it."""
    try:
        return keystore.parse_master_key(configured)
    except TrustError as error:
        raise Unavailable(f"MICROCRED_MASTER_KEY is not usable: {error}", code="master_key_invalid") from None


def private_key(row: SigningKey, master: bytes) -> Key:
    """The key with its private part, opened with the master key (never logged, never returned)."""
    return opened(row.public_multibase, row.private_sealed, master, str(row.id))


def opened(public_multibase: str, sealed: bytes, master: bytes, bound_to: str) -> Key:
    """A key pair whose private part was sealed under the master key, bound to `bound_to` (its row's id)."""
    try:
        secret = keystore.unseal(sealed, master, bound_to).decode()
    except TrustError as error:
        raise Unavailable(str(error), code="master_key_wrong") from None
    return key_from_multibase(public_multibase, secret)


def did_web(organisation: Organisation, base_url: str) -> str:
    """did:web:<host, its port %3A-encoded>[:<base path>]:orgs:<slug>, resolved at <base>/orgs/<slug>/did.json."""
    return did_web_prefix(base_url) + organisation.slug


def did_web_prefix(base_url: str) -> str:
    """What every organisation's did:web here begins with: did:web:<host>[:<base path>]:orgs:"""
    parsed = urlparse(base_url)
    parts = [quote(parsed.netloc, safe="")]
    parts += [quote(p, safe="") for p in parsed.path.strip("/").split("/") if p]
    return "did:web:" + ":".join([*parts, "orgs", ""])


def verification_method(organisation: Organisation, row: SigningKey, base_url: str) -> str:
    return f"{did_web(organisation, base_url)}#{row.public_multibase}"


def did_document(db: Session, organisation: Organisation, base_url: str) -> dict[str, object]:
    did = did_web(organisation, base_url)
    rows = keys(db, organisation)
    methods = [
        {
            "id": f"{did}#{row.public_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": row.public_multibase,
        }
        for row in rows
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [f"{base_url.rstrip('/')}/catalogue/providers/{organisation.slug}"],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
