"""Revocation and suspension: each credential's places in its organisation's Bitstring Status Lists.

Every credential gets a position in a revocation list and one in a suspension list, drawn at random among
the free ones (a batch draws all its positions at once). Revoking is for good; suspending can be undone.
Each change needs a reason and lands in the audit log. The lists are published as signed
BitstringStatusListCredentials at /status/<id>, signed again only after a change.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.inputs import single_line
from microcred.issuing import identities, keys
from microcred.issuing.models import IssuedCredential, IssuerKey, StatusEntry, StatusList
from microcred.store import bulk
from microcred.store.base import utcnow
from microcred.trust import dataintegrity, statuslist
from microcred.trust.loader import document_loader

FULL = 0.75  # a list takes new credentials until three quarters of it is used, so random draws stay quick


def list_url(base_url: str, list_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/status/{list_id}"


def given(db: Session, organisation: Organisation, credential_id: str) -> bool:
    """Whether the organisation already gave this credential id its status entries."""
    return (
        db.scalar(
            select(StatusEntry.position)
            .join(StatusList, StatusList.id == StatusEntry.list_id)
            .where(StatusList.organisation_id == organisation.id, StatusEntry.credential_id == credential_id)
            .limit(1)
        )
        is not None
    )


def credential_status_url(base_url: str, credential_id: uuid.UUID) -> str:
    """Where one award's revocation and suspension are answered (ELM's credentialStatus is one URL)."""
    return f"{base_url.rstrip('/')}/status/credentials/{credential_id}"


def _open_list(
    db: Session, organisation: Organisation, purpose: str, issuer_key_id: uuid.UUID | None = None
) -> StatusList:
    found = db.scalar(
        select(StatusList)
        .where(
            StatusList.organisation_id == organisation.id,
            StatusList.purpose == purpose,
            StatusList.issuer_key_id.is_(None) if issuer_key_id is None else StatusList.issuer_key_id == issuer_key_id,
            StatusList.used < StatusList.size * FULL,
        )
        .order_by(StatusList.created_at)
        .limit(1)
    )
    if found is None:
        bits = statuslist.new_bitstring()
        found = StatusList(
            organisation_id=organisation.id,
            purpose=purpose,
            size=len(bits) * 8,
            bits=bytes(bits),
            issuer_key_id=issuer_key_id,
        )
        db.add(found)
        db.flush()
    return found


def allocate(
    db: Session,
    organisation: Organisation,
    credential_ids: list[str],
    base_url: str,
    purposes: tuple[str, ...] = statuslist.PURPOSES,
    issuer_key_id: uuid.UUID | None = None,
) -> list[dict[str, dict[str, Any]]]:
    """Each credential's `credentialStatus` entry per purpose: random free positions in the organisation's
    lists, drawn as a batch (candidates sampled at random, the taken ones found in one query)."""
    drawn: list[dict[str, dict[str, Any]]] = [{} for _ in credential_ids]
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for purpose in purposes:
        done = 0
        while done < len(credential_ids):
            chosen = _open_list(db, organisation, purpose, issuer_key_id)
            room = int(chosen.size * FULL) - chosen.used
            want = min(room, len(credential_ids) - done)
            positions = _free_positions(db, chosen, want)
            rows += [
                {
                    "list_id": chosen.id,
                    "position": position,
                    "credential_id": credential_ids[done + n],
                    "created_at": now,
                }
                for n, position in enumerate(positions)
            ]
            chosen.used += want
            url = list_url(base_url, chosen.id)
            for n, position in enumerate(positions):
                drawn[done + n][purpose] = statuslist.entry(list_url=url, index=position, purpose=purpose)
            done += want
    try:
        bulk.insert_rows(db, StatusEntry, rows)  # both purposes' entries in one go
    except IntegrityError:  # drawn by a concurrent issuance in the same instant
        raise Conflict("A status list position was just taken; try again.", code="status_list_busy") from None
    db.flush()
    return drawn


def _free_positions(db: Session, chosen: StatusList, want: int) -> list[int]:
    """`want` distinct positions not yet given out in the list, in random order."""
    found: list[int] = []
    have: set[int] = set()
    free_share = max(1 - chosen.used / chosen.size, 1 - FULL)
    for _attempt in range(8):
        need = want - len(found)
        if need == 0:
            return found
        sample = [p for p in _draw(chosen.size, int(need / free_share * 1.3) + 8) if p not in have]
        of_list = select(StatusEntry.position).where(StatusEntry.list_id == chosen.id)
        if chosen.used <= 4 * len(sample):  # a batch into a young list: reading it all beats a long IN list
            taken = set(db.scalars(of_list))
        else:
            taken = set()
            for start in range(0, len(sample), 5000):  # bound the IN list
                taken.update(db.scalars(of_list.where(StatusEntry.position.in_(sample[start : start + 5000]))))
        fresh = [p for p in sample if p not in taken][:need]
        found += fresh
        have.update(fresh)
    if len(found) < want:
        raise Conflict("No free status list positions were found; try again.", code="status_list_busy")
    return found


def _draw(size: int, count: int) -> list[int]:
    """Up to `count` distinct positions below `size`, uniformly at random from one read of the system's
    CSPRNG (64 bits each: the modulo's bias is below size / 2**64)."""
    raw = np.frombuffer(secrets.token_bytes(8 * count), dtype=np.uint64) % np.uint64(size)
    return list(dict.fromkeys(raw.tolist()))


def _bits(found: dict[str, tuple[StatusList, StatusEntry]]) -> dict[str, bool]:
    return {purpose: statuslist.get_bit(lst.bits, entry.position) for purpose, (lst, entry) in found.items()}


def _entries(db: Session, organisation_id: uuid.UUID, credential_id: str) -> dict[str, tuple[StatusList, StatusEntry]]:
    rows = db.execute(
        select(StatusList, StatusEntry)
        .join(StatusEntry, StatusEntry.list_id == StatusList.id)
        .where(StatusList.organisation_id == organisation_id, StatusEntry.credential_id == credential_id)
        .order_by(StatusList.purpose)
    ).all()
    if not rows:
        raise NotFound("This organisation issued no credential with that id.", code="credential_not_found")
    return {row[0].purpose: (row[0], row[1]) for row in rows}


def entries_of(db: Session, credential_id: uuid.UUID, base_url: str) -> tuple[dict[str, bool], list[dict[str, Any]]]:
    """An issued award's status and its Bitstring entries, in the lists of the organisation that issued it
    (for the public status URL; another organisation's entries under the same id do not count)."""
    issuer = db.scalar(select(IssuedCredential.organisation_id).where(IssuedCredential.id == credential_id))
    if issuer is None:
        raise NotFound("No credential with that id has a status here.", code="credential_not_found")
    found = _entries(db, issuer, f"urn:uuid:{credential_id}")
    return _bits(found), [
        statuslist.entry(list_url=list_url(base_url, lst.id), index=entry.position, purpose=purpose)
        for purpose, (lst, entry) in found.items()
    ]


def status(db: Session, organisation: Organisation, credential_id: str) -> dict[str, bool]:
    """Whether the credential is revoked and whether it is suspended."""
    return _bits(_entries(db, organisation.id, credential_id))


def change(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential_id: str,
    *,
    purpose: str,
    value: bool,
    reason: str,
) -> dict[str, bool]:
    """Revoke (for good), suspend or reinstate, with a reason; the list is signed again on its next request."""
    if purpose not in statuslist.PURPOSES:
        raise InvalidInput("statusPurpose must be revocation or suspension.", code="invalid_status")
    reason = single_line(reason, field="reason", min_length=3, max_length=500, code="reason_required")
    found = _entries(db, organisation.id, credential_id)
    if purpose not in found:
        raise NotFound(f"The credential has no {purpose} entry.", code="credential_not_found")
    current = _bits(found)
    if current.get("revocation"):
        raise Conflict("The credential is revoked: that is final.", code="already_revoked")
    if purpose == "revocation" and not value:
        raise InvalidInput(
            "A revocation cannot be undone; suspend instead when it may come back.", code="invalid_status"
        )
    if current.get(purpose) == value:
        state = {"revocation": "revoked", "suspension": "suspended"}[purpose]
        raise Conflict(f"The credential is already {'' if value else 'not '}{state}.", code="unchanged")
    lst, entry = found[purpose]
    bits = bytearray(lst.bits)
    statuslist.set_bit(bits, entry.position, value)
    lst.bits, lst.updated_at, lst.signed = bytes(bits), utcnow(), None
    action = {"revocation": "revoked", "suspension": "suspended" if value else "reinstated"}[purpose]
    audit.record(
        db,
        actor,
        f"credential.{action}",
        object_type="credential",
        object_id=credential_id[:200],
        organisation=organisation,
        summary=f"{action.capitalize()} {credential_id[:100]}: {reason}",
        reason=reason,
    )
    return _bits(found)


def list_credential(db: Session, list_id: uuid.UUID, *, base_url: str, master: bytes) -> dict[str, Any]:
    """The signed BitstringStatusListCredential, signed again only when the list changed."""
    lst = db.get(StatusList, list_id)
    if lst is None:
        raise NotFound("There is no such status list.", code="status_list_not_found")
    if lst.signed is not None:
        return lst.signed
    organisation = db.get(Organisation, lst.organisation_id)
    assert organisation is not None
    if lst.issuer_key_id is not None:  # a did:key identity's list: issued and signed as that did:key
        identity = db.get(IssuerKey, lst.issuer_key_id)
        assert identity is not None  # the foreign key cascades
        private = identities.private_key(identity, master)
        issuer, method = identity.did, private.verification_method
        suite = identities.default_suite(identity.algorithm)
    else:
        row = keys.active(db, Actor.operator(), organisation, "Ed25519", master)
        private = keys.private_key(row, master)
        issuer, method = keys.did_web(organisation, base_url), keys.verification_method(organisation, row, base_url)
        suite = "eddsa-rdfc-2022"
    now = dataintegrity.now()
    document = statuslist.list_credential(
        list_url=list_url(base_url, lst.id),
        issuer=issuer,
        purpose=lst.purpose,
        bits=lst.bits,
        valid_from=now,
    )
    lst.signed = dataintegrity.add_proof(
        document, private, suite=suite, created=now, verification_method=method, loader=document_loader()
    )
    return lst.signed
