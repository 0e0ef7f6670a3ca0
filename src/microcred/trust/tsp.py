"""RFC 3161 timestamps: the request a seal sends to a Time Stamping Authority, and the checks on its answer.

No network here: issuing posts the request to the configured TSA and hands the answer back. A token is
accepted only when it is granted, answers our nonce, stamps the digest we asked about, and its CMS
signature holds under the TSA certificate it carries. Whether that TSA is trusted is verification's call.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from microcred.trust import TrustError

DER = Encoding.DER

HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class Timestamp:
    time: datetime
    authority: str  # the TSA certificate's subject
    token: bytes  # DER ContentInfo, as it goes into the seal
    certificates: tuple[x509.Certificate, ...] = ()  # the TSA's certificate, then the others the token carries


def request(data: bytes) -> tuple[bytes, int]:
    """A DER TimeStampReq for SHA-256 of `data` asking for the TSA's certificate, and its nonce."""
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return req.dump(), nonce


def token_from_response(response: bytes, data: bytes, nonce: int) -> Timestamp:
    """The checked token out of a DER TimeStampResp answering `request(data)`."""
    try:
        resp = tsp.TimeStampResp.load(response)
        status = resp["status"]["status"].native
        token = resp["time_stamp_token"]
        texts = resp["status"]["status_string"].native or []
    except Exception:  # noqa: BLE001
        raise TrustError("The timestamp authority's answer is not a TimeStampResp.") from None
    if status not in ("granted", "granted_with_mods") or not token.contents:
        raise TrustError(f"The timestamp authority refused: {status} {' '.join(texts)[:200]}".strip())
    stamped = verify_token(token.dump(), data)
    try:
        answered = token["content"]["encap_content_info"]["content"].parsed["nonce"].native
    except Exception:  # noqa: BLE001
        raise TrustError("The timestamp token cannot be read.") from None
    if answered != nonce:
        raise TrustError("The timestamp answers another request (its nonce differs).")
    return stamped


def verify_token(token: bytes, data: bytes) -> Timestamp:
    """The time a DER timestamp token vouches for `data`, if its imprint and signature hold."""
    try:
        return _verify_token(token, data)
    except TrustError:
        raise
    except Exception:  # noqa: BLE001 (asn1crypto parses lazily: a damaged part fails wherever it is first read)
        raise TrustError("The timestamp token is malformed.") from None


def _verify_token(token: bytes, data: bytes) -> Timestamp:
    try:
        content = cms.ContentInfo.load(token)
        signed = content["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise ValueError("not a TSTInfo")
        info_bytes = encapsulated["content"].contents
        info = tsp.TSTInfo.load(info_bytes)
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        signer = signed["signer_infos"][0]
        certificates = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
        gen_time = info["gen_time"].native
    except Exception:  # noqa: BLE001 (any parse error of untrusted DER)
        raise TrustError("The timestamp token cannot be read.") from None
    if algorithm not in HASHES:
        raise TrustError(f"The timestamp uses {algorithm}, which microcred does not accept.")
    digest = hashes.Hash(HASHES[algorithm]())
    digest.update(data)
    if imprint["hashed_message"].native != digest.finalize():
        raise TrustError("The timestamp is for other data than this signature.")
    try:
        certificate = _signer_certificate(signer, certificates)
        _check_signature(signer, info_bytes, certificate)
        authority = certificate.subject.rfc4514_string()
        others = tuple(
            x509.load_der_x509_certificate(c.dump()) for c in certificates if c.dump() != certificate.public_bytes(DER)
        )
    except TrustError:
        raise
    except Exception:  # noqa: BLE001 (a malformed certificate, attribute or key in untrusted DER)
        raise TrustError("The timestamp token's signature cannot be checked: the token is malformed.") from None
    return Timestamp(time=gen_time, authority=authority, token=token, certificates=(certificate, *others))


def _signer_certificate(signer: cms.SignerInfo, certificates: list[asn1_x509.Certificate]) -> x509.Certificate:
    sid = signer["sid"]
    for candidate in certificates:
        if sid.name == "issuer_and_serial_number":
            match = (
                candidate.issuer == sid.chosen["issuer"]
                and candidate.serial_number == sid.chosen["serial_number"].native
            )
        else:
            match = candidate.key_identifier == sid.chosen.native
        if match:
            return x509.load_der_x509_certificate(candidate.dump())
    raise TrustError("The timestamp does not carry its authority's certificate.")


def _check_signature(signer: cms.SignerInfo, info_bytes: bytes, certificate: x509.Certificate) -> None:
    algorithm = signer["digest_algorithm"]["algorithm"].native
    if algorithm not in HASHES:
        raise TrustError(f"The timestamp is signed over {algorithm}, which microcred does not accept.")
    hash_type = HASHES[algorithm]()
    attributes = signer["signed_attrs"]
    if not attributes:
        raise TrustError("The timestamp has no signed attributes.")
    expected = hashes.Hash(HASHES[algorithm]())
    expected.update(info_bytes)
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if digests != [expected.finalize()]:
        raise TrustError("The timestamp's signed digest does not match its content.")
    signed_bytes = b"\x31" + attributes.dump()[1:]  # signed as a SET OF, stored [0] IMPLICIT
    signature = signer["signature"].native
    key = certificate.public_key()
    mechanism = signer["signature_algorithm"].signature_algo
    try:
        if isinstance(key, rsa.RSAPublicKey) and mechanism == "rsassa_pkcs1v15":
            key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_type)
        elif isinstance(key, rsa.RSAPublicKey) and mechanism == "rsassa_pss":
            params: algos.RSASSAPSSParams = signer["signature_algorithm"]["parameters"]
            salt = params["salt_length"].native
            key.verify(signature, signed_bytes, padding.PSS(padding.MGF1(hash_type), salt), hash_type)
        elif isinstance(key, ec.EllipticCurvePublicKey) and mechanism == "ecdsa":
            key.verify(signature, signed_bytes, ec.ECDSA(hash_type))
        else:
            raise TrustError(f"The timestamp's signature ({mechanism}) does not fit its certificate's key.")
    except InvalidSignature:
        raise TrustError("The timestamp's signature does not hold.") from None
