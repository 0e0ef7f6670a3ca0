"""Who an organisation issues as: its did:web (keys.py), or one of its own did:key identities, and the VC-API's
issuer instances that fix the identity and cryptosuite an endpoint signs with.

A did:key identity is a key pair the organisation's admins make (Ed25519, P-256 or P-384); its private part is
sealed under the master key like the signing keys, bound to its id. The DID is the key itself, so it resolves
anywhere with no document of ours: its verification method is `did:key:<key>#<key>`. Retiring one stops it
issuing; what it signed still verifies (the key is in the DID).

An issuer instance (`/issuers/<id>/credentials/issue`, the VC-API's "instance") names its organisation, the
identity (the did:web or a did:key) and the default cryptosuite. Its id is random and public; only the
organisation's API tokens may issue through it, and another organisation's tokens find nothing there (404).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import base58
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.inputs import single_line
from microcred.issuing import keys
from microcred.issuing.models import IssuerInstance, IssuerKey
from microcred.store.base import new_id, utcnow
from microcred.trust import dataintegrity, keystore
from microcred.trust.multikey import EcdsaKey, Ed25519Key, Key

ALGORITHMS = ("Ed25519", "P-256", "P-384")
DID_WEB = "did:web"  # what an instance names when it signs as the organisation's did:web
MAX_IDENTITIES = 50  # per organisation
MAX_INSTANCES = 100


def _algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise InvalidInput(
            f"Unknown key algorithm {algorithm[:20]!r}: use Ed25519, P-256 or P-384.", code="unknown_algorithm"
        )
    return algorithm


def fits(suite: str, algorithm: str) -> bool:
    """Whether a cryptosuite signs with keys of this algorithm: eddsa-* with Ed25519, ecdsa-* with P-256/P-384."""
    if suite.startswith("eddsa-"):
        return algorithm == "Ed25519"
    if suite.startswith("ecdsa-"):
        return algorithm in ("P-256", "P-384")
    return False


def default_suite(algorithm: str) -> str:
    return "eddsa-rdfc-2022" if algorithm == "Ed25519" else "ecdsa-rdfc-2019"


def _label(text: str) -> str:
    return single_line(text, field="label", min_length=1, max_length=100, code="invalid_label")


def create_key(
    db: Session, actor: Actor, organisation: Organisation, algorithm: str, label: str, master: bytes
) -> IssuerKey:
    """A new did:key identity for the organisation."""
    _algorithm(algorithm)
    label = _label(label)
    count = len(list(db.scalars(select(IssuerKey.id).where(IssuerKey.organisation_id == organisation.id))))
    if count >= MAX_IDENTITIES:
        raise InvalidInput(f"An organisation may have at most {MAX_IDENTITIES} did:key identities.", code="too_many")
    generated: Key = Ed25519Key.generate() if algorithm == "Ed25519" else EcdsaKey.generate(algorithm)
    key_id = new_id()
    row = IssuerKey(
        id=key_id,
        organisation_id=organisation.id,
        algorithm=algorithm,
        public_multibase=generated.public_multibase,
        private_sealed=keystore.seal(generated.private_multibase.encode(), master, f"issuer-key:{key_id}"),
        label=label,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "issuer_key.created",
        object_type="issuer_key",
        object_id=row.id,
        organisation=organisation,
        summary=f"New {algorithm} did:key identity “{label[:60]}”: {row.did[:40]}…",
        did=row.did,
    )
    return row


def issuer_keys(db: Session, organisation: Organisation) -> list[IssuerKey]:
    """The organisation's did:key identities, the active ones first, newest first."""
    return list(
        db.scalars(
            select(IssuerKey)
            .where(IssuerKey.organisation_id == organisation.id)
            .order_by(IssuerKey.retired_at.is_not(None), IssuerKey.created_at.desc())
        )
    )


def find_key(db: Session, organisation: Organisation, key_id: uuid.UUID) -> IssuerKey:
    found = db.scalar(select(IssuerKey).where(IssuerKey.id == key_id, IssuerKey.organisation_id == organisation.id))
    if found is None:
        raise NotFound("This organisation has no such did:key identity.", code="issuer_key_not_found")
    return found


def retire_key(db: Session, actor: Actor, organisation: Organisation, key_id: uuid.UUID) -> IssuerKey:
    """Stop an identity issuing (and the instances that sign as it); what it signed still verifies."""
    row = find_key(db, organisation, key_id)
    if row.retired_at is None:
        row.retired_at = utcnow()
        db.flush()
        audit.record(
            db,
            actor,
            "issuer_key.retired",
            object_type="issuer_key",
            object_id=row.id,
            organisation=organisation,
            summary=f"Retired the did:key identity “{row.label[:60]}”",
            did=row.did,
        )
    return row


def private_key(row: IssuerKey, master: bytes) -> Key:
    return keys.opened(row.public_multibase, row.private_sealed, master, f"issuer-key:{row.id}")


@dataclass(frozen=True)
class Identity:
    """Who a credential is issued as: the DID, and the did:key row when it is one (None: the did:web)."""

    did: str
    key: IssuerKey | None

    @property
    def algorithms(self) -> tuple[str, ...]:
        return (self.key.algorithm,) if self.key is not None else keys.ALGORITHMS


def identity_of(db: Session, organisation: Organisation, did: str | None, base_url: str) -> Identity:
    """The organisation's identity a credential's `issuer` names (the VC-API's way of choosing among an issuer's
    configurations): its did:web when it names none or the did:web, else one of its active did:key identities."""
    web = keys.did_web(organisation, base_url)
    if did is None or did == web:
        return Identity(web, None)
    if did.startswith("did:key:"):
        found = db.scalar(
            select(IssuerKey).where(
                IssuerKey.organisation_id == organisation.id,
                IssuerKey.public_multibase == did.removeprefix("did:key:"),
            )
        )
        if found is not None and found.retired_at is None:
            return Identity(found.did, found)
        if found is not None:
            raise InvalidInput(f"The did:key identity {did[:80]} was retired: it no longer issues.", code="retired")
    raise InvalidInput(
        f"issuer must be this organisation, {web}, or one of its did:key identities, or be left out.",
        code="invalid_credential",
    )


def suite_for(identity: Identity, requested: str | None, default: str | None = None) -> str:
    """The cryptosuite to sign with: the one asked for, if it fits the identity's key; else the default."""
    suite = requested or default or (default_suite(identity.key.algorithm) if identity.key else "eddsa-rdfc-2022")
    if suite not in dataintegrity.SUITES:
        raise InvalidInput(
            f"options.cryptosuite must be one of {', '.join(dataintegrity.SUITES)}.", code="invalid_credential"
        )
    if not any(fits(suite, algorithm) for algorithm in identity.algorithms):
        raise InvalidInput(
            f"The cryptosuite {suite} cannot sign with {identity.did[:60]}…'s {identity.algorithms[0]} key.",
            code="invalid_credential",
        )
    return suite


# Issuer instances ------------------------------------------------------------------------------------------


def _instance_id() -> str:
    return "z" + base58.b58encode(secrets.token_bytes(16)).decode()


def create_instance(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    label: str,
    identity: str,
    cryptosuite: str | None,
    base_url: str,
    with_status: bool = True,
) -> IssuerInstance:
    """An issuer instance signing as `identity` (the organisation's did:web, "did:web", or one of its did:keys)."""
    label = _label(label)
    count = len(list(db.scalars(select(IssuerInstance.id).where(IssuerInstance.organisation_id == organisation.id))))
    if count >= MAX_INSTANCES:
        raise InvalidInput(f"An organisation may have at most {MAX_INSTANCES} issuer instances.", code="too_many")
    chosen = identity_of(db, organisation, None if identity == DID_WEB else identity, base_url)
    suite = suite_for(chosen, cryptosuite)
    row = IssuerInstance(
        id=_instance_id(),
        organisation_id=organisation.id,
        issuer_key_id=chosen.key.id if chosen.key else None,
        cryptosuite=suite,
        label=label,
        with_status=with_status,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "issuer_instance.created",
        object_type="issuer_instance",
        object_id=row.id,
        organisation=organisation,
        summary=f"New issuer instance “{label[:60]}” signing as {chosen.did[:60]} with {suite}"
        + ("" if with_status else ", without status entries"),
        did=chosen.did,
        cryptosuite=suite,
        with_status=with_status,
    )
    return row


def instances(db: Session, organisation: Organisation) -> list[IssuerInstance]:
    return list(
        db.scalars(
            select(IssuerInstance)
            .where(IssuerInstance.organisation_id == organisation.id)
            .order_by(IssuerInstance.created_at.desc())
        )
    )


def find_instance(db: Session, organisation: Organisation, instance_id: str) -> IssuerInstance:
    """The organisation's instance; NotFound alike for one that does not exist and another organisation's."""
    found = db.get(IssuerInstance, instance_id[:40]) if len(instance_id) <= 40 else None
    if found is None or found.organisation_id != organisation.id:
        raise NotFound("There is no such issuer instance.", code="issuer_instance_not_found")
    return found


def delete_instance(db: Session, actor: Actor, organisation: Organisation, instance_id: str) -> None:
    row = find_instance(db, organisation, instance_id)
    db.delete(row)
    db.flush()
    audit.record(
        db,
        actor,
        "issuer_instance.deleted",
        object_type="issuer_instance",
        object_id=instance_id,
        organisation=organisation,
        summary=f"Deleted the issuer instance “{row.label[:60]}”",
    )


def instance_identity(db: Session, organisation: Organisation, row: IssuerInstance, base_url: str) -> Identity:
    """The identity an instance signs as (refused if its did:key was retired since)."""
    if row.issuer_key_id is None:
        return Identity(keys.did_web(organisation, base_url), None)
    key = db.get(IssuerKey, row.issuer_key_id)
    assert key is not None  # the foreign key cascades
    if key.retired_at is not None:
        raise InvalidInput(
            f"This instance's did:key identity {key.did[:80]} was retired: it no longer issues.", code="retired"
        )
    return Identity(key.did, key)
