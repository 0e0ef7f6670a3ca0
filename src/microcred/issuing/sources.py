"""The verification pipeline's sources as issuing implements them: our organisations' keys, status lists and seal
certificates (verify declares `Sources`; the app hands this factory to its routes, as @digitalbazaar/vc takes a
documentLoader and checkStatus).

Keys of our own organisations' did:web, and our status lists and award status URLs, are read from the
database (no network, and nothing a forged document can point us at). Other issuers' did:web keys and
Bitstring status lists go through the fetcher (verify.fetch: https to public addresses, cached), when it is
on; when it is off or fails, the checks say so (WARNING or ERROR).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation
from microcred.errors import NotFound
from microcred.issuing import keys, status
from microcred.issuing.models import SealCertificate, SigningKey
from microcred.trust import TrustError, pkix
from microcred.trust.multikey import Key, key_from_multibase
from microcred.trust.pkix import Anchor
from microcred.verify import anchors as trust_anchors
from microcred.verify import registry
from microcred.verify.checks import Report, Sources, Trust, verify
from microcred.verify.fetch import Fetcher
from microcred.verify.seals import Sealer


def _our_org(db: Session, did: str, base_url: str) -> Organisation | None:
    prefix = keys.did_web_prefix(base_url)
    if not did.startswith(prefix):
        return None
    slug = unquote(did[len(prefix) :])
    return db.scalar(select(Organisation).where(Organisation.slug == slug)) if slug else None


def sources(db: Session, *, base_url: str, master: bytes, fetcher: Fetcher | None = None) -> Sources:
    base = base_url.rstrip("/")
    remote = fetcher or Fetcher(enabled=False)

    def key_for(method: str, relationship: str) -> Key | None:
        did, _, fragment = method.partition("#")
        organisation = _our_org(db, did, base_url)
        if organisation is None and not did.startswith(keys.did_web_prefix(base_url)):
            return remote.did_web_key(method, relationship)
        # our DID documents (keys.did_document) list every key under assertionMethod, none for authentication
        if organisation is None or not fragment or relationship != "assertionMethod":
            return None
        row = db.scalar(
            select(SigningKey).where(
                SigningKey.organisation_id == organisation.id, SigningKey.public_multibase == fragment
            )
        )
        try:
            return key_from_multibase(row.public_multibase) if row else None
        except TrustError:
            return None

    def award_status(url: str) -> dict[str, bool] | None:
        """One of our awards' state, from its URL (other issuers' URLs answer in no standard form)."""
        if not url.startswith(f"{base}/status/credentials/"):
            return None
        try:
            state, _entries = status.entries_of(db, uuid.UUID(url.rsplit("/", 1)[1]), base_url)
        except (ValueError, NotFound):
            return None
        return {"revoked": bool(state.get("revocation")), "suspended": bool(state.get("suspension"))}

    def status_list(url: str) -> dict[str, Any] | None:
        if url.startswith(f"{base}/"):
            try:
                return status.list_credential(db, uuid.UUID(url.rsplit("/", 1)[1]), base_url=base_url, master=master)
            except (ValueError, NotFound):
                return None
        document = remote.json(url)  # FetchError says why not
        return document if isinstance(document, dict) else None

    def trust(issuer: str, credential: dict[str, Any]) -> Trust | None:
        listed = registry.trust_of(db, issuer, credential)
        if listed is not None:
            return listed
        organisation = _sealed_by_us(db, issuer) if isinstance(issuer, Sealer) else _our_org(db, issuer, base_url)
        return Trust(organisation.legal_name, accredited=False) if organisation else None

    loaded: list[pkix.Anchors] = []

    def anchors() -> pkix.Anchors:
        """The trust anchors, read once per verification: the lists' and operator's, and our own seal certificates
        (recognised by fingerprint only, never as roots)."""
        if not loaded:
            found = trust_anchors.for_verification(db)
            loaded.append(replace(found, ours=tuple(ours(db))))
        return loaded[0]

    return Sources(
        key_for=key_for,
        status_list=status_list,
        award_status=award_status,
        trust=trust,
        anchors=anchors,
        resource=remote.raw,
    )


def ours(db: Session) -> list[Anchor]:
    """Our organisations' seal certificates (current and retired), each recognised only as itself, by its
    fingerprint: never a root other certificates may chain to (an organisation's admin chose it)."""
    rows = db.execute(
        select(SealCertificate.chain, Organisation.legal_name).join(
            Organisation, Organisation.id == SealCertificate.organisation_id
        )
    )
    return [
        Anchor(
            x509.load_der_x509_certificate(base64.b64decode(chain[0])),
            f"the seal certificate of {name}, held here",
            organisation=name,
        )
        for chain, name in rows
    ]


def _sealed_by_us(db: Session, sealer: Sealer) -> Organisation | None:
    """The organisation whose seal certificate this is, by the certificate's fingerprint (the subject only
    narrows the search: anyone can copy it into a certificate of their own)."""
    rows = db.scalars(select(SealCertificate).where(SealCertificate.subject == sealer.subject[:500]))
    for row in rows:
        if f"sha256:{hashlib.sha256(base64.b64decode(row.chain[0])).hexdigest()}" == sealer:
            return db.get(Organisation, row.organisation_id)
    return None


def verify_here(db: Session, document: Any, *, base_url: str, master: bytes, fetcher: Fetcher | None = None) -> Report:
    """One document through the pipeline with our sources (for the command line and the tests; routes verify
    through the app's flows)."""
    return verify(document, sources(db, base_url=base_url, master=master, fetcher=fetcher))
