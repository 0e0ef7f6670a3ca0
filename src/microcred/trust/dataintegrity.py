"""Data Integrity proofs: `eddsa-rdfc-2022` (the default), `eddsa-jcs-2022` (W3C vc-di-eddsa), and
`ecdsa-rdfc-2019`, `ecdsa-jcs-2019` on P-256 and P-384 (W3C vc-di-ecdsa); `ecdsa-sd-2023` (selective
disclosure, P-256) lives in `ecdsa_sd` and is dispatched from here: `add_proof` makes its base proof, and
`verify_proof` checks its derived proofs and refuses its base proofs, which are for the holder alone.

Each step of the specifications is a function, so that each is tested against the W3C vectors:
transform (canonicalize the document), configure (canonicalize the proof options), hash (the proof
configuration's hash, then the document's: SHA-256, or SHA-384 with P-384), sign and verify. Ed25519 is
deterministic, so the same key and input give the vectors' signature byte for byte; ECDSA is not, so its
vectors are verified and our signatures verify.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from microcred.trust import TrustError
from microcred.trust.canon import jcs, rdfc
from microcred.trust.loader import Loader
from microcred.trust.multikey import (
    EcdsaKey,
    Ed25519Key,
    Key,
    key_from_verification_method,
    multibase_decode,
    multibase_encode,
)

SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023")
SELECTIVE = "ecdsa-sd-2023"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def now() -> str:
    """The current time as an XML Schema dateTime in UTC, to the second: what `created` and `validFrom` hold."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _suite(name: str) -> str:
    if name not in SUITES:
        raise TrustError(f"Unknown cryptosuite {name[:40]!r}: use one of {', '.join(SUITES)}.")
    return name


def _jcs(suite: str) -> bool:
    return suite.endswith(("-jcs-2022", "-jcs-2019"))


def _fits(suite: str, key: Key) -> None:
    wanted = EcdsaKey if suite.startswith("ecdsa") else Ed25519Key
    if not isinstance(key, wanted):
        raise TrustError(
            f"The cryptosuite {suite} needs {'a P-256 or P-384' if wanted is EcdsaKey else 'an Ed25519'} key."
        )


def transform(document: dict[str, Any], suite: str, loader: Loader | None = None) -> bytes:
    """The canonical form of the document to secure (with the previous proofs, in a chain)."""
    if _jcs(_suite(suite)):
        return jcs(document)
    return rdfc(document, loader).encode("utf-8")


def proof_config(options: dict[str, Any], document: dict[str, Any], loader: Loader | None = None) -> bytes:
    """The canonical proof configuration: the proof options without `proofValue`, in the document's context."""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    if config.get("type") != "DataIntegrityProof":
        raise TrustError("The proof type must be DataIntegrityProof.")
    suite = _suite(str(config.get("cryptosuite")))
    created = config.get("created")
    if created is not None and not (isinstance(created, str) and DATETIME.match(created)):
        raise TrustError("The proof's created date is not an XML Schema dateTime.")
    if "@context" in config and config["@context"] != document.get("@context"):
        raise TrustError("The proof's @context differs from the document's.")
    config["@context"] = document.get("@context")
    if _jcs(suite):
        return jcs(config)
    return rdfc(config, loader).encode("utf-8")


def hash_data(transformed: bytes, config: bytes, algorithm: str = "Ed25519") -> bytes:
    """The hash of the proof configuration followed by the hash of the transformed document."""
    digest = hashlib.sha384 if algorithm == "P-384" else hashlib.sha256
    return digest(config).digest() + digest(transformed).digest()


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON data (what copy.deepcopy does, a few times faster on dicts and lists)."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return copy.deepcopy(value)


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def add_proof(
    document: dict[str, Any],
    key: Key,
    *,
    suite: str = "eddsa-rdfc-2022",
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    verification_method: str | None = None,
    loader: Loader | None = None,
    extra: dict[str, Any] | None = None,
    as_list: bool = False,
    copy: bool = True,
    mandatory_pointers: list[str] | None = None,
) -> dict[str, Any]:
    """The document with one more proof (a proof set when it had one already, or when `as_list` asks:
    Open Badges' JSON Schema wants `proof` as an array). The result is a deep copy unless `copy` is False,
    when it shares all but its top level with `document` (for callers that built the document themselves).
    With `ecdsa-sd-2023` the proof is a base proof whose `mandatory_pointers` (JSON pointers) select what
    every disclosure must reveal."""
    if key.private is None:
        raise TrustError("Signing needs the private key.")
    _fits(_suite(suite), key)
    if suite == SELECTIVE:
        from microcred.trust import ecdsa_sd  # it uses proof_config from here

        assert isinstance(key, EcdsaKey)
        based = ecdsa_sd.add_base_proof(
            document,
            key,
            mandatory_pointers=list(mandatory_pointers or []),
            created=created,
            proof_purpose=proof_purpose,
            verification_method=verification_method,
            loader=loader,
            extra=extra,
        )
        if as_list and isinstance(based["proof"], dict):
            based["proof"] = [based["proof"]]
        return based
    unsecured = _unsecured(document)
    options: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": _suite(suite)}
    if created is not None:
        options["created"] = created
    options["verificationMethod"] = verification_method or key.verification_method
    options["proofPurpose"] = proof_purpose
    options.update(extra or {})
    if _jcs(suite):
        options["@context"] = unsecured.get("@context")
    data = hash_data(transform(unsecured, suite, loader), proof_config(options, unsecured, loader), key.algorithm)
    proof = {**options, "proofValue": multibase_encode(key.sign(data))}
    secured: dict[str, Any] = _copy_json(document) if copy else dict(document)
    existing = secured.get("proof")
    if existing is None:
        secured["proof"] = [proof] if as_list else proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


@dataclass(frozen=True)
class Verified:
    verified: bool
    verification_method: str
    suite: str
    problem: str = ""


def verify_proof(
    document: dict[str, Any], proof: dict[str, Any], key: Key | None = None, loader: Loader | None = None
) -> Verified:
    """Check one proof of the document: `document` is secured minus every proof (add previous ones for chains)."""
    method = str(proof.get("verificationMethod", ""))
    suite = str(proof.get("cryptosuite", ""))
    try:
        value = proof.get("proofValue")
        if not isinstance(value, str):
            raise TrustError("The proof has no proofValue.")
        resolved = key or key_from_verification_method(method)
        _fits(_suite(suite), resolved)
        if suite == SELECTIVE:
            from microcred.trust import ecdsa_sd

            assert isinstance(resolved, EcdsaKey)
            ecdsa_sd.verify_derived_proof(document, proof, resolved, loader)
            return Verified(True, method, suite)
        signature = multibase_decode(value)
        data = hash_data(transform(document, suite, loader), proof_config(proof, document, loader), resolved.algorithm)
        resolved.verify(signature, data)
    except InvalidSignature:
        return Verified(False, method, suite, "The signature does not match the document: it was changed or forged.")
    except TrustError as error:
        return Verified(False, method, suite, str(error))
    return Verified(True, method, suite)


def verify(document: dict[str, Any], loader: Loader | None = None) -> list[Verified]:
    """Every proof of a secured document, proof sets and chains (`previousProof`) included."""
    proofs = document.get("proof")
    if proofs is None:
        return [Verified(False, "", "", "The document has no proof.")]
    listed = proofs if isinstance(proofs, list) else [proofs]
    unsecured = _unsecured(document)
    by_id = {p.get("id"): p for p in listed if isinstance(p, dict) and p.get("id")}
    results = []
    for proof in listed:
        if not isinstance(proof, dict):
            results.append(Verified(False, "", "", "A proof is not an object."))
            continue
        previous = proof.get("previousProof")
        base = unsecured
        if previous is not None:
            wanted = previous if isinstance(previous, list) else [previous]
            missing = [p for p in wanted if p not in by_id]
            if missing:
                results.append(
                    Verified(False, str(proof.get("verificationMethod", "")), "", "A previous proof is missing.")
                )
                continue
            chained = [by_id[p] for p in wanted]
            base = {**unsecured, "proof": chained[0] if len(chained) == 1 else chained}
        results.append(verify_proof(base, proof, loader=loader))
    return results
