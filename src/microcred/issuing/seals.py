"""Each organisation's X.509 seal certificate, imported from a PKCS#12 file, and sealing ELM credentials with it.

The European Digital Credentials infrastructure seals credentials with a qualified electronic seal: a
JAdES signature whose `x5c` carries the organisation's certificate chain. An organisation imports its
certificate and key once (a .p12/.pfx file and its password); the key is kept sealed under the master
key. A certificate that is expired, not yet valid, not for signing, or whose key is neither RSA (2048
bits or more) nor EC P-256 is refused at import, and an expired one stops sealing.

With MICROCRED_TSA_URL set, each seal is timestamped by that RFC 3161 authority (JAdES baseline-T).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import vocab
from microcred.errors import InvalidInput, Unavailable
from microcred.issuing.models import SealCertificate
from microcred.store.base import new_id, utcnow
from microcred.trust import TrustError, jades, keystore, tsp

log = logging.getLogger(__name__)
MAX_PKCS12_BYTES = 64 * 1024
MAX_ITERATIONS = 1_000_000  # OpenSSL and browsers export with 2,048 to 600,000
TSA_TIMEOUT_SECONDS = 10.0
TSA_MAX_ANSWER_BYTES = 64 * 1024


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, code="invalid_seal_certificate")


def _check_usable(certificate: x509.Certificate, when: datetime) -> None:
    if certificate.not_valid_after_utc < when:
        raise _refuse(
            f"The seal certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}: import a current one."
        )
    if certificate.not_valid_before_utc > when:
        raise _refuse(f"The seal certificate is valid only from {certificate.not_valid_before_utc:%Y-%m-%d}.")


def import_pkcs12(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    data: bytes,
    password: str | None,
    master: bytes,
) -> SealCertificate:
    """Check and keep the certificate chain and key of a PKCS#12 file; the previous certificate is retired."""
    if not data or len(data) > MAX_PKCS12_BYTES:
        raise _refuse(f"A PKCS#12 file of 1 byte to {MAX_PKCS12_BYTES // 1024} KiB is needed.")
    _check_iterations(data)
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise _refuse("The file could not be opened: it is not PKCS#12, or the password is wrong.") from None
    if key is None or certificate is None:
        raise _refuse("The PKCS#12 file must hold the seal certificate and its private key.")
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise _refuse(f"The RSA key has {key.key_size} bits; a seal needs at least 2048.")
        algorithm = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = "ES256"
    else:
        raise _refuse("The key must be RSA or EC P-256 (JAdES RS256, PS256 or ES256).")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise _refuse("The private key does not belong to the certificate.")
    _check_usable(certificate, datetime.now(UTC))
    _check_seal_only(certificate)
    named = legal_identifier(certificate)
    if not named:
        raise _refuse(
            "The certificate names no organisation identifier and country (organizationIdentifier and C, as "
            "qualified seal certificates do): European Digital Credentials need the issuer's legal identifier."
        )
    if vocab.country_name(named[1]) is None:
        raise _refuse(f"The certificate's country {named[1][:10]!r} is not an ISO 3166 country code.")
    chain = [certificate, *[c for c in extra if c != certificate]]
    for previous in db.scalars(
        select(SealCertificate).where(
            SealCertificate.organisation_id == organisation.id, SealCertificate.retired_at.is_(None)
        )
    ):
        previous.retired_at = utcnow()
    row_id = new_id()
    secret = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    row = SealCertificate(
        id=row_id,
        organisation_id=organisation.id,
        subject=certificate.subject.rfc4514_string()[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        serial=format(certificate.serial_number, "x")[:64],
        algorithm=algorithm,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        chain=[base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain],
        private_sealed=keystore.seal(secret, master, str(row_id)),
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor,
        "seal_certificate.imported",
        object_type="seal_certificate",
        object_id=row.id,
        organisation=organisation,
        summary=f"Imported the seal certificate {row.subject[:120]} (valid until {row.not_after:%Y-%m-%d})",
        subject=row.subject,
        issuer=row.issuer,
        not_after=row.not_after.isoformat(),
    )
    return row


def _check_seal_only(certificate: x509.Certificate) -> None:
    """A seal certificate signs documents, never certificates: a CA's is refused (it could vouch for others)."""
    try:
        extensions = certificate.extensions
    except ValueError:
        raise _refuse("The certificate's extensions cannot be read.") from None
    with contextlib.suppress(x509.ExtensionNotFound):
        if extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise _refuse(
                "The certificate is a CA certificate (basicConstraints CA: true): import the seal certificate the "
                "CA issued to the organisation, not a CA's."
            )
    with contextlib.suppress(x509.ExtensionNotFound):
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if usage.key_cert_sign:
            raise _refuse(
                "The certificate's key usage allows signing certificates (keyCertSign): a seal certificate may sign "
                "documents only."
            )
        if not (usage.digital_signature or usage.content_commitment):
            raise _refuse("The certificate's key usage does not allow signatures.")


def _check_iterations(data: bytes) -> None:
    """Refuse a file whose key derivations would keep the server busy (an iteration count is the file's to set)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        counts = [pfx["mac_data"]["iterations"].native] if pfx["mac_data"].native else []
        for content in pfx.authenticated_safe:
            if content["content_type"].native == "encrypted_data":
                algorithm = content["content"]["encrypted_content_info"]["content_encryption_algorithm"]
                counts.append(algorithm.kdf_iterations)
            elif content["content_type"].native == "data":
                for bag in asn1_pkcs12.SafeContents.load(content["content"].native):
                    if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                        counts.append(bag["bag_value"]["encryption_algorithm"].kdf_iterations)
    except Exception:  # noqa: BLE001 (anything that will not parse is not a PKCS#12 file)
        raise _refuse("The file could not be opened: it is not PKCS#12, or the password is wrong.") from None
    if any(count > MAX_ITERATIONS for count in counts):
        raise _refuse(f"The file's key derivation asks for more than {MAX_ITERATIONS:,} iterations: export it again.")


def legal_identifier(certificate: x509.Certificate) -> tuple[str, str] | None:
    """(organizationIdentifier, country) from the certificate's subject, as EDC puts them on the issuer."""
    identifiers = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)
    countries = certificate.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
    if not identifiers or not countries:
        return None
    return str(identifiers[0].value), str(countries[0].value)


def chain_of(row: SealCertificate) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(base64.b64decode(c)) for c in row.chain]


def current(db: Session, organisation: Organisation) -> SealCertificate | None:
    return db.scalar(
        select(SealCertificate).where(
            SealCertificate.organisation_id == organisation.id, SealCertificate.retired_at.is_(None)
        )
    )


def certificates(db: Session, organisation: Organisation) -> list[SealCertificate]:
    """Every seal certificate the organisation imported, the current one first."""
    return list(
        db.scalars(
            select(SealCertificate)
            .where(SealCertificate.organisation_id == organisation.id)
            .order_by(SealCertificate.retired_at.is_not(None), SealCertificate.created_at.desc())
        )
    )


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the TSA is reached directly, never by proxy


def _timestamper(tsa_url: str) -> Any:
    def stamp(data: bytes) -> bytes:
        request, nonce = tsp.request(data)
        post = urllib.request.Request(  # noqa: S310 (the TSA address is the operator's configuration)
            tsa_url, data=request, headers={"Content-Type": "application/timestamp-query"}, method="POST"
        )
        try:
            deadline = time.monotonic() + TSA_TIMEOUT_SECONDS
            with _DIRECT.open(post, timeout=TSA_TIMEOUT_SECONDS) as answer:
                body = b""
                while len(body) <= TSA_MAX_ANSWER_BYTES:  # a whole deadline, not one per read
                    if time.monotonic() > deadline:
                        raise TimeoutError("no complete answer in time")
                    part = answer.read(8192)
                    if not part:
                        break
                    body += part
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            log.warning("The timestamp authority %s did not answer: %s", tsa_url, error)
            raise Unavailable(
                "The timestamp authority did not answer: nothing was issued. Try again later.", code="tsa_unavailable"
            ) from None
        if len(body) > TSA_MAX_ANSWER_BYTES:
            raise Unavailable("The timestamp authority's answer is too large.", code="tsa_unavailable")
        try:
            return tsp.token_from_response(body, data, nonce).token
        except TrustError as error:
            log.warning("The timestamp authority %s gave an unusable answer: %s", tsa_url, error)
            raise Unavailable(
                f"The timestamp authority's answer is unusable ({error}): nothing was issued.", code="tsa_unavailable"
            ) from None

    return stamp


def seal(
    db: Session,
    organisation: Organisation,
    document: dict[str, Any],
    *,
    master: bytes,
    tsa_url: str | None = None,
    certificate: SealCertificate | None = None,
) -> dict[str, Any]:
    """The ELM document sealed with the organisation's current certificate (JAdES baseline-B, or -T with a TSA)."""
    row = certificate or current(db, organisation)
    if row is None:
        raise InvalidInput(
            "The organisation has no seal certificate: import one (PKCS#12) to issue European Digital Credentials.",
            code="no_seal_certificate",
        )
    chain = chain_of(row)
    _check_usable(chain[0], datetime.now(UTC))
    try:
        secret = keystore.unseal(row.private_sealed, master, str(row.id))
    except TrustError as error:
        raise Unavailable(str(error), code="master_key_wrong") from None
    key = serialization.load_der_private_key(secret, password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return jades.seal(
        document,
        key,
        chain,
        algorithm=row.algorithm,
        signing_time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        timestamp=_timestamper(tsa_url) if tsa_url else None,
    )
