"""Signing credentials for an organisation: the VC-API's `/credentials/issue`, and awards of published
editions to learners, one at a time or a run at a time.

Every credential gets an id (a urn:uuid when it has none) and its places in the organisation's
revocation and suspension lists (`credentialStatus`) before it is signed.

A credential is checked against the VC data model before anything is signed, and refused with the reason
(`InvalidInput`): a credential with a proof already, without VerifiableCredential among its types, with
another issuer than the organisation, without a subject, with dates that are not dates or end before
they begin, or with a JSON-LD context microcred does not ship.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import disclosure, documents, keys, seals, status
from microcred.issuing.models import IssuedCredential
from microcred.store import bulk
from microcred.store.base import utcnow
from microcred.trust import TrustError, dataintegrity, statuslist, vcmodel
from microcred.trust.jsonld import as_list
from microcred.trust.loader import document_loader

V1, V2 = vcmodel.V1, vcmodel.V2
# What sign() adds to a VC 1.1 credential, whose base context defines neither: the Bitstring Status List entry
# and the Data Integrity proof (the VC 2.0 base context defines both).
STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
OPEN_BADGE_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
DEFAULT_SUITE = "eddsa-rdfc-2022"


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, code="invalid_credential")


def check_credential(credential: Any, issuer: str) -> dict[str, Any]:
    """The credential, with its issuer filled in when absent (and a VC 1.1 one's issuanceDate), if it keeps the
    VC data model's rules (`trust.vcmodel`, which the verifier applies too); else InvalidInput naming what not."""
    if not isinstance(credential, dict):
        raise _refuse("credential must be a JSON object.")
    if "proof" in credential:
        raise _refuse("The credential already has a proof: send it without one.")
    problems = vcmodel.context_problems(credential)
    if problems:
        raise _refuse(problems[0])
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _refuse("type must be a list that includes VerifiableCredential.")
    given = credential.get("issuer", issuer)
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id != issuer:
        raise _refuse(f"issuer must be this organisation, {issuer}, or be left out.")
    checked = dict(credential)
    checked.setdefault("issuer", issuer)
    if credential["@context"][0] == V1:
        checked.setdefault("issuanceDate", dataintegrity.now())
    problems = vcmodel.credential_problems(checked)
    if problems:
        raise _refuse(" ".join(problems[:3]))
    undefined = vcmodel.undefined_types(checked, document_loader())
    if undefined:
        raise _refuse(
            f"The type {undefined[0][:100]!r} is not defined by the credential's contexts (nor a URL): it would "
            "not be signed, so the credential is refused."
        )
    return checked


def check_schemas(credential: dict[str, Any]) -> None:
    """Refuse a credential that breaks a JSON Schema it names in credentialSchema, when microcred holds that
    schema (1EdTech's Open Badges 3.0 AchievementCredential schema). Other schemas are not fetched at issue:
    the issuer does not reach out to addresses a client names; a verifier fetches and checks them."""
    for entry in vcmodel.json_schemas(credential):
        schema = vcmodel.bundled_schema(entry["id"])
        if schema is not None and "JsonSchemaCredential" not in as_list(entry.get("type")):
            problems = vcmodel.schema_problems(credential, schema, entry["id"])
            if problems:
                raise _refuse(" ".join(problems))


def issue(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: Any,
    *,
    base_url: str,
    master: bytes,
    cryptosuite: str | None = None,
    issuer: str | None = None,
    signer: Signer | None = None,
    mandatory_pointers: list[str] | None = None,
    with_status: bool = True,
) -> dict[str, Any]:
    """The credential signed by the organisation's active key for the cryptosuite (eddsa-rdfc-2022 by default),
    or, when the VC-API chose another identity of the organisation (issuing.vcapi), as `issuer` with `signer`.
    With ecdsa-sd-2023, `mandatory_pointers` (JSON pointers) name what every derived disclosure must reveal."""
    suite = signer.suite if signer is not None else cryptosuite or DEFAULT_SUITE
    if suite not in dataintegrity.SUITES:
        raise _refuse(f"options.cryptosuite must be one of {', '.join(dataintegrity.SUITES)}.")
    if mandatory_pointers is not None and suite != dataintegrity.SELECTIVE:
        raise _refuse(f"options.mandatoryPointers apply to {dataintegrity.SELECTIVE} only, not to {suite}.")
    issuer = issuer or keys.did_web(organisation, base_url)
    checked = check_credential(credential, issuer)
    if any(_ours(entry, base_url) for entry in as_list(checked.get("credentialStatus"))):
        raise _refuse("credentialStatus: entries in this server's status lists are ours to give: send it without.")
    checked.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    if status.given(db, organisation, str(checked["id"])):
        raise _refuse(f"id: {str(checked['id'])[:100]} was issued before: give each credential its own id.")
    return sign(
        db,
        actor,
        organisation,
        checked,
        base_url=base_url,
        master=master,
        suite=suite,
        signer=signer,
        mandatory_pointers=mandatory_pointers,
        with_status=with_status,
    )


def sign(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: dict[str, Any],
    *,
    base_url: str,
    master: bytes,
    suite: str = DEFAULT_SUITE,
    signer: Signer | None = None,
    mandatory_pointers: list[str] | None = None,
    with_status: bool = True,
) -> dict[str, Any]:
    """Give a checked credential its revocation and suspension entries (unless a VC-API issuer instance is set to
    issue without: `with_status`) and the organisation's proof (made by `signer` when given: one of the
    organisation's did:key identities)."""
    # A did:key identity's credentials go in its own lists, issued as it (IdentitySigner names it).
    identity = getattr(signer, "issuer_key_id", None)
    [entries] = (
        status.allocate(db, organisation, [str(credential["id"])], base_url, issuer_key_id=identity)
        if with_status
        else [{}]
    )
    given = as_list(credential.get("credentialStatus"))  # another status service's entries, kept beside ours
    # An Open Badge carries one entry, the revocation one, and its proofs as a list: 1EdTech's schema says so.
    badge = bool(OPEN_BADGE_TYPES & set(as_list(credential.get("type"))))
    ours = [entries[p] for p in (("revocation",) if badge else statuslist.PURPOSES) if p in entries]
    entries_given = [*given, *ours]
    credential = {**with_contexts(credential, status=bool(entries_given))}
    if entries_given:
        credential["credentialStatus"] = entries_given[0] if badge and len(entries_given) == 1 else entries_given
    check_schemas(credential)
    signer = signer or Signer(db, actor, organisation, suite, base_url=base_url, master=master)
    signed = signer.sign(credential, as_list=badge, mandatory_pointers=mandatory_pointers)
    audit.record(
        db,
        actor,
        "credential.issued",
        object_type="credential",
        object_id=str(credential["id"])[:200],
        organisation=organisation,
        summary=f"Signed a credential with {suite}",
        cryptosuite=suite,
        key=signer.key.public_multibase,
    )
    return signed


def with_contexts(credential: dict[str, Any], *, status: bool = True) -> dict[str, Any]:
    """The credential with the contexts that define what sign() adds to it, when its own do not: a VC 1.1
    credential gets the Bitstring Status List and Data Integrity contexts (VC 2.0's base context has both)."""
    contexts = as_list(credential.get("@context"))
    if not contexts or contexts[0] != V1:
        return credential
    wanted = (STATUS_CONTEXT, DATA_INTEGRITY_CONTEXT) if status else (DATA_INTEGRITY_CONTEXT,)
    missing = [url for url in wanted if url not in contexts]
    return {**credential, "@context": [*contexts, *missing]} if missing else credential


def _ours(entry: Any, base_url: str) -> bool:
    """Whether a status entry points into this server (its status lists are given only by sign())."""
    here = base_url.rstrip("/") + "/"
    return isinstance(entry, dict) and any(
        isinstance(entry.get(name), str) and entry[name].startswith(here) for name in ("id", "statusListCredential")
    )


class Signer:
    """The organisation's active key for a cryptosuite, opened once for as many credentials as are signed."""

    def __init__(
        self, db: Session, actor: Actor, organisation: Organisation, suite: str, *, base_url: str, master: bytes
    ) -> None:
        if suite not in dataintegrity.SUITES:
            raise _refuse(f"cryptosuite must be one of {', '.join(dataintegrity.SUITES)}.")
        self.suite = suite
        self.key = keys.active(db, actor, organisation, "P-256" if suite.startswith("ecdsa") else "Ed25519", master)
        self.private = keys.private_key(self.key, master)
        self.method = keys.verification_method(organisation, self.key, base_url)
        self.loader = document_loader()

    def sign(
        self,
        credential: dict[str, Any],
        *,
        as_list: bool,
        copy: bool = True,
        mandatory_pointers: list[str] | None = None,
    ) -> dict[str, Any]:
        try:
            return dataintegrity.add_proof(
                credential,
                self.private,
                suite=self.suite,
                created=dataintegrity.now(),
                verification_method=self.method,
                loader=self.loader,
                as_list=as_list,
                copy=copy,
                mandatory_pointers=mandatory_pointers,
            )
        except TrustError as error:
            raise _refuse(str(error)) from None


class Award:
    """Everything issuing a published edition needs, prepared once: for one learner or a whole run.

    An award is always an Open Badges 3.0 credential with a Data Integrity proof; when the organisation has
    a seal certificate, it is also a European Digital Credential (ELM) sealed with JAdES. The award has a
    revocation and a suspension entry; the Open Badge carries the revocation one (1EdTech's schema allows
    one `credentialStatus`), the ELM credential the URL that answers both (the EDC profile allows one URL).
    """

    def __init__(
        self,
        db: Session,
        actor: Actor,
        organisation: Organisation,
        spec_id: uuid.UUID,
        number: int,
        *,
        base_url: str,
        master: bytes,
        cryptosuite: str | None = None,
        tsa_url: str | None = None,
    ) -> None:
        self.db, self.actor, self.organisation = db, actor, organisation
        self.base_url, self.master, self.tsa_url = base_url, master, tsa_url
        self.spec = design.get(db, organisation, spec_id)
        self.edition = design.find_edition(self.spec, number)
        if self.spec.withdrawn_at is not None:
            raise InvalidInput("This micro-credential was withdrawn: it is no longer awarded.", code="withdrawn")
        self.signer = Signer(db, actor, organisation, cryptosuite or DEFAULT_SUITE, base_url=base_url, master=master)
        achievement = design.export(db, organisation, self.spec, fmt="ob3", base_url=base_url, edition_number=number)
        self.achievement = {key: value for key, value in achievement.items() if key != "@context"}
        self.issuer: dict[str, Any] = {
            "id": keys.did_web(organisation, base_url),
            "type": ["Profile"],
            "name": organisation.legal_name,
        }
        if organisation.homepage:
            self.issuer["url"] = organisation.homepage
        self.certificate = seals.current(db, organisation)
        if self.certificate is not None:
            identifier = seals.legal_identifier(seals.chain_of(self.certificate)[0])
            assert identifier is not None  # checked at import
            self.legal_identifier = identifier
            self.opportunity = design.export(
                db, organisation, self.spec, fmt="elm", base_url=base_url, edition_number=number
            )
            self.supervision = design.edition_content(self.edition).supervision

    def build(
        self, credential_id: uuid.UUID, learner: documents.Learner, result: documents.Result, revocation: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The signed Open Badge and, with a seal certificate, the sealed ELM credential of one learner's award."""
        unsigned = documents.ob3_credential(
            credential_id=f"urn:uuid:{credential_id}",
            issuer=self.issuer,
            achievement=self.achievement,
            learner=learner,
            result=result,
            valid_from=dataintegrity.now(),
        )
        # Built here and stored at once: the signed document may share the achievement with the others.
        unsigned = {**unsigned, "credentialStatus": revocation}
        pointers = disclosure.mandatory_pointers(unsigned) if self.signer.suite == disclosure.SUITE else None
        signed = self.signer.sign(unsigned, as_list=True, copy=False, mandatory_pointers=pointers)
        if self.certificate is None:
            return signed, None
        elm = documents.elm_credential(
            credential_id=f"urn:credential:{credential_id}",
            opportunity=self.opportunity,
            learner=learner,
            result=result,
            issued=signed["validFrom"],
            status_url=status.credential_status_url(self.base_url, credential_id),
            legal_identifier=self.legal_identifier,
            display_png=documents.qr_png(documents.verify_url(self.base_url, credential_id)),
            supervision=self.supervision,
        )
        sealed = seals.seal(
            self.db,
            self.organisation,
            elm,
            master=self.master,
            tsa_url=self.tsa_url,
            certificate=self.certificate,
        )
        return signed, sealed

    def issue(self, items: list[tuple[documents.Learner, documents.Result, str | None]]) -> list[uuid.UUID]:
        """Issue to each (learner, result, idempotency key), written in bulk; the ids of the new credentials."""
        learners = [documents.check_learner(learner) for learner, _result, _key in items]
        for _learner, result, _key in items:
            documents.check_result(result)
        if any(result.awarded > date.today() for _learner, result, _key in items):
            raise InvalidInput("result.awarded is in the future.", code="invalid_result")
        ids = [uuid.uuid4() for _ in items]
        entries = status.allocate(self.db, self.organisation, [f"urn:uuid:{i}" for i in ids], self.base_url)
        now = utcnow()
        # Read before the block: the rows are stored while the next are signed, so nothing in it may load from
        # the session.
        of_award = {
            "organisation_id": self.organisation.id,
            "specification_id": self.spec.id,
            "edition_number": self.edition.number,
            "issued_at": now,
        }
        with bulk.writer(self.db, IssuedCredential) as write:
            for credential_id, learner, (_learner, result, key), entry in zip(
                ids, learners, items, entries, strict=True
            ):
                signed, sealed = self.build(credential_id, learner, result, entry["revocation"])
                write(
                    {
                        "id": credential_id,
                        **of_award,
                        "learner_name": learner.name,
                        "learner_email": learner.email,
                        "document": signed,
                        "elm_document": sealed,
                        "idempotency_key": key,
                    }
                )
        audit.record(
            self.db,
            self.actor,
            "credential.issued",
            object_type="credential",
            object_id=f"urn:uuid:{ids[0]}" if len(ids) == 1 else f"{len(ids)} credentials",
            organisation=self.organisation,
            summary=f"Issued {self.spec.title[:100]} (edition {self.edition.number}) to "
            + (learners[0].name[:100] if len(ids) == 1 else f"{len(ids)} learners"),
            cryptosuite=self.signer.suite,
            key=self.signer.key.public_multibase,
            sealed=self.certificate is not None,
            credentials=[f"urn:uuid:{i}" for i in ids],
        )
        return ids


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
    """A micro-credential for the learner from a published edition, signed (and sealed) and recorded."""
    award = Award(
        db,
        actor,
        organisation,
        spec_id,
        number,
        base_url=base_url,
        master=master,
        cryptosuite=cryptosuite,
        tsa_url=tsa_url,
    )
    [credential_id] = award.issue([(learner, result, idempotency_key)])
    return find_issued(db, organisation, credential_id)


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


def find_public(db: Session, credential_id: uuid.UUID) -> IssuedCredential:
    """A credential issued here, by the id its public address (/verify/<id>, the PDF's QR code) carries."""
    found = db.get(IssuedCredential, credential_id)
    if found is None:
        raise NotFound("No credential with this address was issued here.", code="credential_not_found")
    return found
