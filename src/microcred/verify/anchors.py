"""The trust anchors seals and timestamps are validated to: ETSI trusted lists imported after their signature
holds, and CA certificates the operator adds.

The EU List of Trusted Lists is checked against the certificate(s) the operator gives (the Commission
publishes them in the Official Journal); it then names, for each territory, the certificates that territory's
list must be signed with. Importing a list replaces that territory's anchors as one change: a list that is
refused (its signature, its NextUpdate, not ETSI XML) leaves the anchors as they were. Only services whose
current status is granted (or an older active status) anchor anything; a withdrawn service's certificates are
kept for the record. The status at signing time (a service's history) is not read.
"""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime

import pycountry
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.trust import TrustError, pkix, trustedlist
from microcred.trust.pkix import Anchor, Anchors
from microcred.verify.models import ImportedList, TrustAnchor

_DER = serialization.Encoding.DER
OPERATOR = "operator"
MAX_PEM_BYTES = 64 * 1024


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, code="invalid_trust_anchor")


def certificate_from(data: bytes) -> x509.Certificate:
    """One certificate from PEM or DER bytes."""
    if len(data) > MAX_PEM_BYTES:
        raise _refuse("A certificate file is at most 64 KiB.")
    try:
        return x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    except ValueError:
        raise _refuse("The file is not an X.509 certificate (PEM or DER).") from None


def _source(territory: str) -> str:
    return f"trusted-list:{territory}"


def import_list(db: Session, actor: Actor, data: bytes, signers: list[x509.Certificate] | None = None) -> int:
    """Check and import a trusted list, replacing its territory's anchors; how many anchors it gives."""
    try:
        territory, lotl = trustedlist.peek(data)
        if not signers:
            if lotl:
                raise TrustError(
                    "The List of Trusted Lists is checked against the certificate the Commission publishes in the "
                    "Official Journal: give it (--signer)."
                )
            stored = db.get(ImportedList, "EU")
            given = stored.pointers.get(territory, []) if stored else []
            if not given:
                raise TrustError(
                    f"No imported List of Trusted Lists names the signers of {territory[:10] or 'this'} list: "
                    "import the LOTL first, or give the signer's certificate (--signer)."
                )
            signers = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in given]
        read = trustedlist.load(data, signers)
        if (read.territory, read.lotl) != (territory, lotl):  # what chose the signers must be what was signed
            raise TrustError("The signed list is not the list the file says it is (its territory or type differs).")
    except TrustError as error:
        raise _refuse(f"The trusted list was not imported: {error}") from None
    earlier = db.get(ImportedList, read.territory)
    if earlier is not None and read.sequence < earlier.sequence:
        raise _refuse(
            f"The trusted list was not imported: its sequence number ({read.sequence}) is older than the one in use "
            f"({earlier.sequence}), so it would roll the anchors back."
        )
    source = _source(read.territory)
    db.execute(delete(TrustAnchor).where(TrustAnchor.source == source))
    seen = set()
    for service in read.services:
        if service.type.startswith("CA") and not service.for_seals:
            continue  # a CA the list limits to signatures or websites vouches for no seal
        for certificate in service.certificates:
            key = (pkix.fingerprint(certificate), service.type)
            if key in seen:
                continue
            seen.add(key)
            db.add(_row(certificate, source, service.type, service.status, service.qualified_seals, service.provider))
    row = db.get(ImportedList, read.territory) or ImportedList(territory=read.territory)
    row.sequence, row.next_update = read.sequence, read.next_update
    row.signer_fingerprint = pkix.fingerprint(read.signer)
    row.pointers = {
        where: [base64.b64encode(c.public_bytes(_DER)).decode() for c in certificates]
        for where, certificates in read.pointers.items()
    }
    row.imported_at = datetime.now(UTC)
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "trust.list_imported",
        object_type="trusted_list",
        object_id=read.territory,
        summary=f"Imported the {read.territory} trusted list (sequence {read.sequence}, {len(seen)} certificates)",
    )
    return len(seen)


def _row(
    certificate: x509.Certificate, source: str, kind: str, status: str, qualified: bool, provider: str = ""
) -> TrustAnchor:
    return TrustAnchor(
        certificate=certificate.public_bytes(_DER),
        fingerprint=pkix.fingerprint(certificate),
        subject=certificate.subject.rfc4514_string()[:500],
        source=source,
        service_type=kind[:100],
        provider=provider[:300],
        qualified=qualified,
        status=status[:100],
    )


def add_ca(db: Session, actor: Actor, certificate: x509.Certificate, *, tsa: bool = False) -> TrustAnchor:
    """The operator's own anchor: a CA seals may chain to, or with `tsa` one timestamps may chain to."""
    kind = "TSA" if tsa else "CA"
    fingerprint = pkix.fingerprint(certificate)
    found = db.scalar(
        select(TrustAnchor).where(
            TrustAnchor.source == OPERATOR, TrustAnchor.fingerprint == fingerprint, TrustAnchor.service_type == kind
        )
    )
    if found is not None:
        return found
    row = _row(certificate, OPERATOR, kind, "granted", False)
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "trust.anchor_added",
        object_type="trust_anchor",
        object_id=fingerprint,
        summary=f"Trusted {row.subject[:120]} for {'timestamps' if tsa else 'seals'}",
    )
    return row


def remove(db: Session, actor: Actor, fingerprint: str) -> int:
    """Remove the operator's anchors with this fingerprint (a trusted list's are replaced by importing it)."""
    wanted = fingerprint.lower().removeprefix("sha256:").replace(":", "")
    rows = list(db.scalars(select(TrustAnchor).where(TrustAnchor.fingerprint == wanted)))
    if not rows:
        raise NotFound("No trust anchor has this fingerprint.")
    mine = [r for r in rows if r.source == OPERATOR]
    if not mine:
        raise _refuse(f"This anchor comes from {rows[0].source}: import a newer list to change it.")
    for row in mine:
        db.delete(row)
    db.flush()
    audit.record(
        db,
        actor,
        "trust.anchor_removed",
        object_type="trust_anchor",
        object_id=wanted,
        summary="Removed a trust anchor",
    )
    return len(mine)


def listing(db: Session) -> list[TrustAnchor]:
    return list(db.scalars(select(TrustAnchor).order_by(TrustAnchor.source, TrustAnchor.subject)))


def lists(db: Session) -> list[ImportedList]:
    return list(db.scalars(select(ImportedList).order_by(ImportedList.territory)))


def _where(source: str) -> str:
    if source == OPERATOR:
        return "a CA this server's operator trusts"
    territory = source.removeprefix("trusted-list:")
    if territory == "EU":
        return "the EU List of Trusted Lists"
    country = pycountry.countries.get(alpha_2={"EL": "GR", "UK": "GB"}.get(territory, territory))
    return f"the trusted list of {country.name if country else territory}"


def for_verification(db: Session) -> Anchors:
    """The anchors seals and timestamps are validated to (the lists' and the operator's), named for sentences.
    A list whose NextUpdate has passed anchors nothing until a newer one is imported."""
    now = datetime.now(UTC)
    found, chosen = _loaded(db)
    lists = db.execute(select(ImportedList.territory, ImportedList.next_update))  # a few rows: read each time
    lapsed = frozenset(_source(territory) for territory, next_update in lists if next_update < now)
    if lapsed not in chosen:  # the same Anchors while nothing changes, so pkix indexes them once
        current = [(timestamps, anchor) for source, timestamps, anchor in found if source not in lapsed]
        chosen[lapsed] = Anchors(
            seals=tuple(anchor for timestamps, anchor in current if not timestamps),
            timestamps=tuple(anchor for timestamps, anchor in current if timestamps),
        )
    return chosen[lapsed]


# (source, for timestamps, anchor), and the Anchors made of them by the sources that have lapsed
_Loaded = tuple[list[tuple[str, bool, Anchor]], dict[frozenset[str], Anchors]]
_cache: dict[str, tuple[tuple[object, ...], _Loaded]] = {}
_cache_lock = threading.Lock()


def _loaded(db: Session) -> _Loaded:
    """Every active anchor, parsed, with its source: parsed once per process and change (a trusted list holds
    thousands of certificates), checked against the tables on each call."""
    version = (
        *db.execute(select(func.count(TrustAnchor.id), func.max(TrustAnchor.added_at))).one(),
        *db.execute(select(func.count(ImportedList.territory), func.max(ImportedList.imported_at))).one(),
    )
    where = str(db.get_bind().engine.url)
    with _cache_lock:
        cached = _cache.get(where)
    if cached is not None and cached[0] == version:
        return cached[1]
    found: list[tuple[str, bool, Anchor]] = []
    for row in db.scalars(select(TrustAnchor).where(TrustAnchor.status.in_(trustedlist.ACTIVE))):
        certificate = x509.load_der_x509_certificate(row.certificate)
        name = (
            f"{pkix.common_name(certificate)} on {_where(row.source)}"
            if row.source != OPERATOR
            else (f"{pkix.common_name(certificate)}, {_where(row.source)}")
        )
        if row.service_type.startswith("TSA"):
            found.append((row.source, True, Anchor(certificate, name)))
        elif row.service_type.startswith("CA"):
            qualified = " (qualified seal)" if row.qualified else ""
            found.append((row.source, False, Anchor(certificate, name + qualified, row.qualified)))
    loaded: _Loaded = (found, {})
    with _cache_lock:
        _cache[where] = (version, loaded)
    return loaded
