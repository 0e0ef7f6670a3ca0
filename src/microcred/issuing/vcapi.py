"""The W3C VC-API (VCALM) issuer service: issuing as one of the organisation's identities, keeping what it issued
for `GET /credentials/{id}`, and status updates in the shapes the specification and the test suites send.

Choosing the identity is the specification's way: a credential's `issuer` "MAY be utilized to select among
multiple potential issuers" (VCALM, IssuerRequest), so on `/credentials/issue` it names the organisation's
did:web (or is left out) or one of its did:key identities; an issuer instance (`/issuers/<id>/credentials/issue`)
fixes the identity and its default cryptosuite, and an `issuer` given there must be the instance's.

What the VC-API issues is kept (its id and the VCALM `options.credentialId`, when one was given) so that the
organisation's tokens can read it back; another organisation's tokens find nothing under the same id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import credentials, identities, status
from microcred.issuing.models import MAX_ID, IssuedCredential, IssuerKey, StatusEntry, StatusList, StoredCredential
from microcred.trust import statuslist
from microcred.trust.loader import document_loader


class IdentitySigner(credentials.Signer):
    """Signs as one of the organisation's did:key identities (the did:web's keys sign through Signer itself)."""

    def __init__(self, row: IssuerKey, suite: str, master: bytes) -> None:  # noqa: D107
        self.suite = suite
        self.issuer_key_id = row.id  # its credentials' status entries go in its own lists (status.allocate)
        self.key = row  # type: ignore[assignment]  # what Signer's callers read of it: public_multibase
        self.private = identities.private_key(row, master)
        self.method = self.private.verification_method  # did:key:<key>#<key>
        self.loader = document_loader()


def issuer_of(credential: Any) -> str | None:
    if not isinstance(credential, dict) or "issuer" not in credential:
        return None
    given = credential["issuer"]
    found = given.get("id") if isinstance(given, dict) else given
    if not isinstance(found, str):
        raise InvalidInput("issuer must be a URL, or an object whose id is one.", code="invalid_credential")
    return found


def _credential_id(options_id: str | None, credential: Any) -> str | None:
    if options_id is None:
        return None
    alias = options_id.strip()
    if not alias or len(alias) > MAX_ID:
        raise InvalidInput(f"options.credentialId must be 1 to {MAX_ID} characters.", code="invalid_credential")
    given = credential.get("id") if isinstance(credential, dict) else None
    if given is not None and given != alias:
        raise InvalidInput(
            "options.credentialId differs from the credential's id: give one or the other (VCALM).",
            code="invalid_credential",
        )
    return alias


@dataclass(frozen=True)
class Issued:
    credential: dict[str, Any]
    stored: StoredCredential


def issue(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: Any,
    *,
    base_url: str,
    master: bytes,
    cryptosuite: str | None = None,
    credential_id: str | None = None,
    instance_id: str | None = None,
    mandatory_pointers: list[str] | None = None,
) -> Issued:
    """Sign the credential as the identity its issuer (or the instance) chooses, and keep it."""
    named = issuer_of(credential)
    default_suite, with_status = None, True
    if instance_id is not None:
        instance = identities.find_instance(db, organisation, instance_id)
        identity = identities.instance_identity(db, organisation, instance, base_url)
        if named is not None and named != identity.did:
            raise InvalidInput(
                f"issuer must be this instance's, {identity.did}, or be left out.", code="invalid_credential"
            )
        default_suite, with_status = instance.cryptosuite, instance.with_status
    else:
        identity = identities.identity_of(db, organisation, named, base_url)
    suite = identities.suite_for(identity, cryptosuite, default_suite)
    alias = _credential_id(credential_id, credential)
    given = credential.get("id") if isinstance(credential, dict) else None
    if isinstance(given, str) and (len(given) > MAX_ID or _kept(db, organisation, given)):
        raise InvalidInput(
            f"id: {given[:100]} was issued before, or is over {MAX_ID} characters: give each credential its own id.",
            code="invalid_credential",
        )
    signer = IdentitySigner(identity.key, suite, master) if identity.key is not None else None
    signed = credentials.issue(
        db,
        actor,
        organisation,
        credential,
        base_url=base_url,
        master=master,
        cryptosuite=suite,
        issuer=identity.did,
        signer=signer,
        mandatory_pointers=mandatory_pointers,
        with_status=with_status,
    )
    stored = StoredCredential(
        organisation_id=organisation.id,
        credential_id=str(signed["id"])[:MAX_ID],
        alias=alias,
        issuer=identity.did,
        document=signed,
    )
    db.add(stored)
    db.flush()
    return Issued(signed, stored)


def _kept(db: Session, organisation: Organisation, credential_id: str) -> bool:
    return (
        db.scalar(
            select(StoredCredential.id).where(
                StoredCredential.organisation_id == organisation.id, StoredCredential.credential_id == credential_id
            )
        )
        is not None
    )


def find(db: Session, organisation: Organisation, credential_id: str) -> dict[str, Any]:
    """A credential the organisation issued, by its id or the credentialId it was issued with: through the VC-API,
    or an award of an edition (by its urn:uuid)."""
    wanted = credential_id[:MAX_ID]
    found = db.scalar(
        select(StoredCredential)
        .where(
            StoredCredential.organisation_id == organisation.id,
            or_(StoredCredential.credential_id == wanted, StoredCredential.alias == wanted),
        )
        .limit(1)
    )
    if found is not None:
        return found.document
    award = wanted.removeprefix("urn:uuid:")
    try:
        award_id = uuid.UUID(award)
    except ValueError:
        award_id = None
    if award_id is not None:
        row = db.scalar(
            select(IssuedCredential).where(
                IssuedCredential.id == award_id, IssuedCredential.organisation_id == organisation.id
            )
        )
        if row is not None:
            return row.document
    raise NotFound("This organisation issued no credential with that id.", code="credential_not_found")


def _status_id(db: Session, organisation: Organisation, credential_id: str) -> str:
    """The id the credential's status entries are kept under: itself, or the credential a credentialId names."""
    if status.given(db, organisation, credential_id):
        return credential_id
    found = db.scalar(
        select(StoredCredential.credential_id).where(
            StoredCredential.organisation_id == organisation.id, StoredCredential.alias == credential_id
        )
    )
    if found is not None:
        return found
    if status.given(db, organisation, f"urn:uuid:{credential_id}"):  # VCALM's example sends a bare UUID
        return f"urn:uuid:{credential_id}"
    raise NotFound("This organisation issued no credential with that id.", code="credential_not_found")


@dataclass(frozen=True)
class StatusChange:
    purpose: str
    value: bool
    list_url: str | None = None
    index: str | None = None


def status_changes(credential_status: Any, status_value: bool | None) -> list[StatusChange]:
    """The changes a status request asks for. VCALM sends one `credentialStatus` object and a top-level `status`;
    the Bitstring Status List suite sends the object without `status` (meaning set it); microcred's earlier shape
    is a list of entries, each with its own `status`."""
    entries = credential_status if isinstance(credential_status, list) else [credential_status]
    if not entries or len(entries) > len(statuslist.PURPOSES):
        raise InvalidInput("credentialStatus must be one entry (or a list of one per purpose).", code="invalid_status")
    changes = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise InvalidInput("credentialStatus must be an object.", code="invalid_status")
        kind = entry.get("type", "BitstringStatusListEntry")
        if kind not in ("BitstringStatusListEntry", "BitstringStatusList"):
            raise InvalidInput(
                f"credentialStatus.type {str(kind)[:40]!r} is not one microcred keeps: use BitstringStatusListEntry.",
                code="invalid_status",
            )
        value = entry.get("status", status_value)
        if value is None:
            value = True
        if not isinstance(value, bool):
            raise InvalidInput("status must be true or false.", code="invalid_status")
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str):
            raise InvalidInput(
                "credentialStatus.statusPurpose must be revocation or suspension.", code="invalid_status"
            )
        list_url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        changes.append(
            StatusChange(
                purpose,
                value,
                list_url if isinstance(list_url, str) else None,
                str(index) if isinstance(index, str | int) else None,
            )
        )
    return changes


NO_REASON = "Set through the VC-API (no reason was given)."


def update_status(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential_id: str,
    changes: list[StatusChange],
    *,
    reason: str | None,
    base_url: str,
) -> tuple[str, dict[str, bool]]:
    """Make each change to the credential's status (all or, on a refusal, none: the caller's transaction); the
    credential's id as kept and its status after."""
    kept = _status_id(db, organisation, credential_id)
    entries = _entries_of(db, organisation, kept, base_url)
    result: dict[str, bool] = status.status(db, organisation, kept)
    for change in changes:
        entry = entries.get(change.purpose)
        if entry is not None and change.list_url is not None and change.list_url != entry["statusListCredential"]:
            raise InvalidInput(
                "credentialStatus.statusListCredential is not the list this credential's entry is in.",
                code="invalid_status",
            )
        if entry is not None and change.index is not None and change.index != entry["statusListIndex"]:
            raise InvalidInput(
                "credentialStatus.statusListIndex is not this credential's place in its list.", code="invalid_status"
            )
        result = status.change(
            db,
            actor,
            organisation,
            kept,
            purpose=change.purpose,
            value=change.value,
            reason=NO_REASON if reason is None else reason,
        )
    return kept, result


def _entries_of(
    db: Session, organisation: Organisation, credential_id: str, base_url: str
) -> dict[str, dict[str, Any]]:
    """The credential's Bitstring entries by purpose, as its credentialStatus carries them."""
    rows = db.execute(
        select(StatusList, StatusEntry)
        .join(StatusEntry, StatusEntry.list_id == StatusList.id)
        .where(StatusList.organisation_id == organisation.id, StatusEntry.credential_id == credential_id)
    ).all()
    return {
        lst.purpose: statuslist.entry(
            list_url=status.list_url(base_url, lst.id), index=entry.position, purpose=lst.purpose
        )
        for lst, entry in rows
    }
