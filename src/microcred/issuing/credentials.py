"""Signing credentials for an organisation: the VC-API's `/credentials/issue` and, later, issuance runs.

Every credential gets an id (a urn:uuid when it has none) and its places in the organisation's
revocation and suspension lists (`credentialStatus`) before it is signed.

A credential is checked against the VC data model before anything is signed, and refused with the reason
(`InvalidInput`): a credential with a proof already, without VerifiableCredential among its types, with
another issuer than the organisation, without a subject, with dates that are not dates or end before
they begin, or with a JSON-LD context microcred does not ship.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import documents, keys, seals, status
from microcred.issuing.models import IssuedCredential
from microcred.trust import TrustError, dataintegrity, statuslist
from microcred.trust.loader import document_loader

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
DEFAULT_SUITE = "eddsa-rdfc-2022"


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, code="invalid_credential")


def _date(credential: dict[str, Any], name: str) -> datetime | None:
    value = credential.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not dataintegrity.DATETIME.match(value):
        raise _refuse(f"{name} must be an XML Schema dateTime such as 2026-11-23T10:00:00Z.")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check_credential(credential: Any, issuer: str) -> dict[str, Any]:
    """The credential, with its issuer filled in when absent, if it keeps the VC data model's rules."""
    if not isinstance(credential, dict):
        raise _refuse("credential must be a JSON object.")
    if "proof" in credential:
        raise _refuse("The credential already has a proof: send it without one.")
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (V1, V2):
        raise _refuse(f"@context must be a list that starts with {V2} (or {V1}).")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _refuse("type must be a list that includes VerifiableCredential.")
    if "id" in credential and not (isinstance(credential["id"], str) and ":" in credential["id"]):
        raise _refuse("id must be a URL.")
    given = credential.get("issuer", issuer)
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id != issuer:
        raise _refuse(f"issuer must be this organisation, {issuer}, or be left out.")
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise _refuse("credentialSubject must be an object (or a list of objects) saying something of the subject.")
    starts = "validFrom" if contexts[0] == V2 else "issuanceDate"
    ends = "validUntil" if contexts[0] == V2 else "expirationDate"
    begin, end = _date(credential, starts), _date(credential, ends)
    if begin and end and end < begin:
        raise _refuse(f"{ends} is before {starts}.")
    checked = dict(credential)
    checked.setdefault("issuer", issuer)
    if contexts[0] == V1:
        checked.setdefault("issuanceDate", dataintegrity.now())
    return checked


def issue(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: Any,
    *,
    base_url: str,
    master: bytes,
    cryptosuite: str | None = None,
) -> dict[str, Any]:
    """The credential signed by the organisation's active key for the cryptosuite (eddsa-rdfc-2022 by default)."""
    suite = cryptosuite or DEFAULT_SUITE
    if suite not in dataintegrity.SUITES:
        raise _refuse(f"options.cryptosuite must be one of {', '.join(dataintegrity.SUITES)}.")
    issuer = keys.did_web(organisation, base_url)
    checked = check_credential(credential, issuer)
    if "credentialStatus" in checked:
        raise _refuse("credentialStatus is ours to give: send the credential without it.")
    checked.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    return sign(db, actor, organisation, checked, base_url=base_url, master=master, suite=suite)


def sign(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: dict[str, Any],
    *,
    base_url: str,
    master: bytes,
    suite: str = DEFAULT_SUITE,
    open_badge: bool = False,
) -> dict[str, Any]:
    """Give a checked credential its status entries and the organisation's proof.

    Open Badges 3.0's JSON Schema allows one `credentialStatus` object and wants `proof` as an array: an
    Open Badge gets its revocation entry only, as that object, and its proof in a list.
    """
    purposes = ("revocation",) if open_badge else statuslist.PURPOSES
    entries = status.allocate(db, organisation, str(credential["id"]), base_url, purposes)
    credential = {**credential, "credentialStatus": entries[0] if open_badge else entries}
    algorithm = "P-256" if suite.startswith("ecdsa") else "Ed25519"
    row = keys.active(db, actor, organisation, algorithm, master)
    signer = keys.private_key(row, master)
    try:
        signed = dataintegrity.add_proof(
            credential,
            signer,
            suite=suite,
            created=dataintegrity.now(),
            verification_method=keys.verification_method(organisation, row, base_url),
            loader=document_loader(),
            as_list=open_badge,
        )
    except TrustError as error:
        raise _refuse(str(error)) from None
    audit.record(
        db,
        actor,
        "credential.issued",
        object_type="credential",
        object_id=str(credential["id"])[:200],
        organisation=organisation,
        summary=f"Signed a credential with {suite}",
        cryptosuite=suite,
        key=row.public_multibase,
    )
    return signed


def issue_edition(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    spec_id: uuid.UUID,
    number: int,
    learner: documents.Learner,
    result: documents.Result,
    *,
    base_url: str,
    master: bytes,
    cryptosuite: str | None = None,
    idempotency_key: str | None = None,
    tsa_url: str | None = None,
) -> IssuedCredential:
    """A micro-credential for the learner from a published edition, signed and recorded.

    Always an Open Badges 3.0 credential with a Data Integrity proof; when the organisation has a seal
    certificate, the same award as a European Digital Credential (ELM) sealed with JAdES too. Both carry
    the award's revocation entry; the ELM one its suspension entry as well (Open Badges 3.0 allows a
    single `credentialStatus`).
    """
    suite = cryptosuite or DEFAULT_SUITE
    if suite not in dataintegrity.SUITES:
        raise _refuse(f"cryptosuite must be one of {', '.join(dataintegrity.SUITES)}.")
    spec = design.get(db, organisation, spec_id)
    edition = design.find_edition(spec, number)
    checked = documents.check_learner(learner)
    if spec.withdrawn_at is not None:
        raise InvalidInput("This micro-credential was withdrawn: it is no longer awarded.", code="withdrawn")
    if result.awarded > date.today():
        raise InvalidInput("result.awarded is in the future.", code="invalid_result")
    achievement = design.export(db, organisation, spec, fmt="ob3", base_url=base_url, edition_number=edition.number)
    issuer: dict[str, Any] = {
        "id": keys.did_web(organisation, base_url),
        "type": ["Profile"],
        "name": organisation.legal_name,
    }
    if organisation.homepage:
        issuer["url"] = organisation.homepage
    credential_id = uuid.uuid4()
    unsigned = documents.ob3_credential(
        credential_id=f"urn:uuid:{credential_id}",
        issuer=issuer,
        achievement=achievement,
        learner=checked,
        result=result,
        valid_from=dataintegrity.now(),
    )
    certificate = seals.current(db, organisation)
    signed = sign(db, actor, organisation, unsigned, base_url=base_url, master=master, suite=suite, open_badge=True)
    status.allocate(db, organisation, unsigned["id"], base_url, ("suspension",))
    elm = None
    if certificate is not None:
        identifier = seals.legal_identifier(seals.chain_of(certificate)[0])
        assert identifier is not None  # checked at import
        content = design.edition_content(edition)
        opportunity = design.export(db, organisation, spec, fmt="elm", base_url=base_url, edition_number=edition.number)
        elm = seals.seal(
            db,
            organisation,
            documents.elm_credential(
                credential_id=f"urn:credential:{credential_id}",
                opportunity=opportunity,
                learner=checked,
                result=result,
                issued=signed["validFrom"],
                status_url=status.credential_status_url(base_url, credential_id),
                legal_identifier=identifier,
                display_png=documents.qr_png(documents.verify_url(base_url, credential_id)),
                supervision=content.supervision,
            ),
            master=master,
            tsa_url=tsa_url,
            certificate=certificate,
        )
    row = IssuedCredential(
        id=credential_id,
        organisation_id=organisation.id,
        specification_id=spec.id,
        edition_number=edition.number,
        learner_name=checked.name,
        learner_email=checked.email,
        document=signed,
        elm_document=elm,
        idempotency_key=idempotency_key,
    )
    db.add(row)
    db.flush()
    return row


def issued(db: Session, organisation: Organisation, limit: int = 500) -> list[IssuedCredential]:
    """The organisation's issued credentials, newest first."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.organisation_id == organisation.id)
            .order_by(IssuedCredential.issued_at.desc())
            .limit(limit)
        )
    )


def find_issued(db: Session, organisation: Organisation, credential_id: uuid.UUID) -> IssuedCredential:
    found = db.scalar(
        select(IssuedCredential).where(
            IssuedCredential.id == credential_id, IssuedCredential.organisation_id == organisation.id
        )
    )
    if found is None:
        raise NotFound("This organisation issued no such credential.", code="credential_not_found")
    return found
