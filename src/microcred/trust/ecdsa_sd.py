"""`ecdsa-sd-2023` (W3C vc-di-ecdsa §3.4–3.6): selective disclosure of a credential's statements, on P-256.

The issuer signs a *base proof*: the document's canonical N-Quads, their blank nodes relabelled with an HMAC
of their canonical labels (so that the labels a holder later reveals say nothing of the hidden ones), split
into the statements the JSON pointers of `mandatory_pointers` select, hashed together and signed with the
issuer's key, and every other statement signed one by one with a fresh P-256 key whose public part the
issuer's signature covers. The holder *derives* a disclosure proof for the statements selected by mandatory
and selective pointers: the reveal document, the signatures of the revealed optional statements and the map
from a verifier's canonical blank node labels to the HMAC ones. A verifier checks the derived proof only; a
base proof carries the HMAC key and is for the holder alone.

Each step of the specification is a function named after it, tested against the W3C vectors.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from pyld import jsonld
from pyld.nquads import parse_nquads

from microcred.trust import TrustError, rdf_templates
from microcred.trust.canon import MAX_SECONDS, MAX_STEPS, _Bounded, _dataset, _dropped, _why, _within_limits, rdfc
from microcred.trust.cbor import decode as cbor_decode
from microcred.trust.cbor import encode as cbor_encode
from microcred.trust.loader import Loader, document_loader
from microcred.trust.multikey import EcdsaKey, multibase_decode, multibase_encode
from microcred.trust.selection import parse_pointer, select_json_ld

SUITE = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
SKOLEM_PREFIX = "urn:bnid:"
MAX_POINTERS = 256

_SKOLEM = re.compile(r"<urn:bnid:([^>]+)>")
_SKOLEM_IRI = re.compile(r"<(urn:bnid:[^>]+)>")
# One N-Quad: subject, predicate, object (IRI, blank node or literal) and an optional graph name.
_QUAD = re.compile(
    r'^(_:\S+|<[^>]*>) (<[^>]*>) (_:\S+|<[^>]*>|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?)'
    r"(?: (_:\S+|<[^>]*>))? \.\n?$"
)
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class BaseProofNotVerifiable(TrustError):
    """A base proof was given to a verifier: only a derived proof is verified."""


@dataclass(frozen=True)
class BaseProofValue:
    base_signature: bytes
    public_key: bytes  # the proof-scoped P-256 key as Multikey bytes (0x80 0x24 ‖ compressed point)
    hmac_key: bytes
    signatures: list[bytes]
    mandatory_pointers: list[str]


@dataclass(frozen=True)
class DerivedProofValue:
    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]  # verifier's canonical label (c14nN) -> HMAC label (u…)
    mandatory_indexes: list[int]


@dataclass(frozen=True)
class Group:
    matching: dict[int, str]  # index in the canonical N-Quads -> N-Quad
    non_matching: dict[int, str]
    deskolemized: list[str]  # the selection's N-Quads with the skolem blank node labels


@dataclass(frozen=True)
class Grouped:
    nquads: list[str]  # canonical N-Quads with HMAC blank node labels, sorted
    label_map: dict[str, str]  # skolem blank node label -> HMAC label
    groups: dict[str, Group]


# --- base64url multibase and proof values ---------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise TrustError("The proofValue is not base64url without padding.")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decoded(proof_value: Any, header: bytes) -> Any:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise TrustError("An ecdsa-sd-2023 proofValue must be a multibase base64url string (starting with u).")
    raw = _unb64url(proof_value[1:])
    if raw[:3] != header:
        if raw[:3] == BASE_HEADER:
            raise BaseProofNotVerifiable(
                "This is an ecdsa-sd-2023 base proof: it is for the holder to derive a disclosure from, and a "
                "verifier accepts only a derived proof, so it is not verified."
            )
        if raw[:3] == DERIVED_HEADER:
            raise TrustError("This is a derived ecdsa-sd-2023 proof, not a base proof: nothing can be derived from it.")
        raise TrustError("The proofValue does not start with an ecdsa-sd-2023 header (0xd9 0x5d 0x00 or 0x01).")
    components = cbor_decode(raw[3:])
    if not isinstance(components, list) or len(components) != 5:
        raise TrustError("The ecdsa-sd-2023 proofValue must hold five components.")
    return components


def _bytes_of(value: Any, length: int, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != length:
        raise TrustError(f"The proofValue's {what} must be {length} bytes.")
    return value


def _signatures(value: Any) -> list[bytes]:
    if not isinstance(value, list):
        raise TrustError("The proofValue's signatures must be a list.")
    return [_bytes_of(item, 64, "signatures") for item in value]


def serialize_base_proof_value(proof: BaseProofValue) -> str:
    components = [
        proof.base_signature,
        proof.public_key,
        proof.hmac_key,
        proof.signatures,
        proof.mandatory_pointers,
    ]
    return "u" + _b64url(BASE_HEADER + cbor_encode(components))


def parse_base_proof_value(proof_value: Any) -> BaseProofValue:
    base_signature, public_key, hmac_key, signatures, pointers = _decoded(proof_value, BASE_HEADER)
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise TrustError("The base proof's mandatory pointers must be a list of strings.")
    return BaseProofValue(
        _bytes_of(base_signature, 64, "base signature"),
        _bytes_of(public_key, 35, "public key"),
        _bytes_of(hmac_key, 32, "HMAC key"),
        _signatures(signatures),
        pointers,
    )


def serialize_derived_proof_value(proof: DerivedProofValue) -> str:
    compressed = {int(label[4:]): _unb64url(hmac_label[1:]) for label, hmac_label in proof.label_map.items()}
    components = [
        proof.base_signature,
        proof.public_key,
        proof.signatures,
        dict(sorted(compressed.items())),
        proof.mandatory_indexes,
    ]
    return "u" + _b64url(DERIVED_HEADER + cbor_encode(components))


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    base_signature, public_key, signatures, labels, indexes = _decoded(proof_value, DERIVED_HEADER)
    if not isinstance(labels, dict) or not all(isinstance(key, int) and key >= 0 for key in labels):
        raise TrustError("The derived proof's label map must map numbers (0 and up) to bytes.")
    if not isinstance(indexes, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes
    ):
        raise TrustError("The derived proof's mandatory indexes must be a list of numbers.")
    return DerivedProofValue(
        _bytes_of(base_signature, 64, "base signature"),
        _bytes_of(public_key, 35, "public key"),
        _signatures(signatures),
        {f"c14n{key}": "u" + _b64url(_bytes_of(value, 32, "label map entries")) for key, value in labels.items()},
        indexes,
    )


# --- JSON pointers --------------------------------------------------------------------------------------


def _pointers(pointers: Any, what: str) -> list[str]:
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise TrustError(f"The {what} pointers must be a list of JSON pointers.")
    if len(pointers) > MAX_POINTERS:
        raise TrustError(f"At most {MAX_POINTERS} {what} pointers are accepted.")
    for pointer in pointers:
        parse_pointer(pointer)
    return pointers


# --- JSON-LD: skolemize, N-Quads, canonical labels --------------------------------------------------------


def _options(loader: Loader) -> dict[str, Any]:
    return {"documentLoader": loader, "produceGeneralizedRdf": False, "base": None}


def _jsonld(operation: str, loader: Loader, *arguments: Any) -> Any:
    processor = jsonld.JsonLdProcessor(on_property_dropped=_dropped)
    try:
        return getattr(processor, operation)(
            *arguments, _options(loader) | ({"format": "application/n-quads"} if operation == "to_rdf" else {})
        )
    except jsonld.JsonLdError as error:
        raise _why(error) from None
    except TrustError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise TrustError(f"The document is not valid JSON-LD: {str(error)[:200]}") from None


def _skolemize_expanded(expanded: list[Any], prefix: str, counter: list[int]) -> list[Any]:
    skolemized: list[Any] = []
    for element in expanded:
        if not isinstance(element, dict) or "@value" in element:
            skolemized.append(copy.deepcopy(element))
            continue
        node = {
            key: _skolemize_expanded(value, prefix, counter)
            if isinstance(value, list)
            else _skolemize_expanded([value], prefix, counter)[0]
            for key, value in element.items()
        }
        if "@list" in node or "@set" in node:
            skolemized.append(node)
            continue
        if "@id" not in node:
            node["@id"] = f"{prefix}{counter[0]}"
            counter[0] += 1
        elif isinstance(node["@id"], str) and node["@id"].startswith("_:"):
            node["@id"] = SKOLEM_PREFIX + node["@id"][2:]
        skolemized.append(node)
    return skolemized


def _skolemize_compact(value: Any, prefix: str, counter: list[int]) -> Any:
    if isinstance(value, list):
        return [_skolemize_compact(item, prefix, counter) for item in value]
    if not isinstance(value, dict):
        return value
    if "@value" in value or "@list" in value or "@set" in value:
        return value
    node = {
        key: item if key == "@context" else _skolemize_compact(item, prefix, counter) for key, item in value.items()
    }
    named = "id" if "id" in node else "@id" if "@id" in node else None
    if named is None:
        node["id"] = f"{prefix}{counter[0]}"
        counter[0] += 1
    elif isinstance(node[named], str) and node[named].startswith("_:"):
        node[named] = SKOLEM_PREFIX + node[named][2:]
    return node


def _skolem_nquads(document: dict[str, Any], loader: Loader) -> list[str]:
    """The N-Quads of a skolemized document, `urn:bnid:` IRIs as they are: from a template when the document
    has a shape seen before (rdf_templates), else from pyld."""
    found = rdf_templates.quads(document, loader, lambda marked: _dataset(marked, loader))
    if found is None:
        return [line + "\n" for line in _jsonld("to_rdf", loader, document).split("\n") if line]
    return [f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in found]


def skolemize(document: dict[str, Any], loader: Loader) -> tuple[list[str], dict[str, Any]]:
    """The document's N-Quads and its compact form with every blank node named by a `urn:bnid:` IRI, so that
    selections of it keep the blank nodes they mention.

    The specification skolemizes the expanded document and compacts it again; naming the compact document's
    nodes in place gives the same quads for far less work (pyld's compaction of an Open Badge takes a quarter
    of a second). It is checked: every blank node must have been named, each name must be a node, and no name
    may land in a literal (a JSON literal, a map); else the specification's way is taken."""
    if not isinstance(document, dict) or "@context" not in document:
        raise TrustError("The document must be a JSON-LD object with an @context.")
    _within_limits(document)
    prefix, counter = f"{SKOLEM_PREFIX}_{uuid.uuid4()}_", [0]
    compact = _skolemize_compact(document, prefix, counter)
    try:
        lines = _skolem_nquads(compact, loader)
    except TrustError:
        lines = None
    if lines is not None:
        named = {found for line in lines for found in _SKOLEM_IRI.findall(line) if found.startswith(prefix)}
        if len(named) == counter[0] and not any(_blank_or_literal_name(line, prefix) for line in lines):
            return lines, compact
    expanded = _jsonld("expand", loader, document)
    skolemized = _skolemize_expanded(expanded, prefix, [0])
    return _skolem_nquads_of_expanded(skolemized, loader), _jsonld(
        "compact", loader, skolemized, {"@context": document["@context"]}
    )


def _skolem_nquads_of_expanded(expanded: list[Any], loader: Loader) -> list[str]:
    return [line + "\n" for line in _jsonld("to_rdf", loader, expanded).split("\n") if line]


def _blank_or_literal_name(line: str, prefix: str) -> bool:
    """Whether the N-Quad has a blank node left, or a skolem name inside a literal."""
    match = _QUAD.match(line)
    if match is None:
        return True
    terms = [term for term in match.groups() if term is not None]
    return any(term.startswith("_:") for term in terms) or (terms[2].startswith('"') and prefix in terms[2])


def deskolemize(lines: list[str]) -> list[str]:
    return [_SKOLEM.sub(r"_:\1", line) for line in lines]


def deskolemized_nquads(document: Any, loader: Loader) -> list[str]:
    """The document's N-Quads, `urn:bnid:` IRIs turned back into blank nodes."""
    return [] if document is None else deskolemize(_skolem_nquads(document, loader))


def canonical_labels(nquads: list[str]) -> dict[str, str]:
    """Each blank node label of the N-Quads -> its RDFC-1.0 canonical label (c14nN), without `_:`."""
    canonicalizer = _Bounded(MAX_STEPS, time.monotonic() + MAX_SECONDS)
    # One line at a time, each once: pyld's parse_nquads compares every triple with all before it (quadratic:
    # minutes for a few thousand statements, a denial of service through the open derive endpoint).
    dataset: dict[str, list[Any]] = {}
    for line in dict.fromkeys(nquads):
        for graph, triples in parse_nquads(line).items():
            dataset.setdefault(graph, []).extend(triples)
    canonicalizer.main(dataset, {"format": "application/n-quads"})
    return {label[2:]: c14n[2:] for label, c14n in canonicalizer.canonical_issuer.existing.items()}


def hmac_label(hmac_key: bytes, canonical_label: str) -> str:
    return "u" + _b64url(hmac.new(hmac_key, canonical_label.encode("utf-8"), hashlib.sha256).digest())


def relabel(nquad: str, labels: dict[str, str]) -> str:
    """The N-Quad with its blank nodes (never text inside a literal) renamed; TrustError for an unknown one."""
    match = _QUAD.match(nquad)
    if match is None:
        raise TrustError(f"Not an N-Quad: {nquad[:120]!r}")

    def renamed(term: str | None) -> str | None:
        if term is None or not term.startswith("_:"):
            return term
        label = labels.get(term[2:])
        if label is None:
            raise TrustError("A blank node of the document has no label in the proof's label map.")
        return "_:" + label

    subject, predicate, obj, graph = (renamed(t) for t in match.groups())
    return f"{subject} {predicate} {obj} {graph} .\n" if graph else f"{subject} {predicate} {obj} .\n"


def _sorted(nquads: set[str] | list[str]) -> list[str]:
    # JavaScript's sort, which the other implementations use: by UTF-16 code units.
    return sorted(nquads, key=lambda line: line.encode("utf-16-be"))


def canonicalize_and_group(
    document: dict[str, Any], hmac_key: bytes, groups: dict[str, list[str]], loader: Loader
) -> Grouped:
    """The document's canonical N-Quads with HMAC blank node labels, and for each named list of pointers the
    N-Quads they select (matching) and the others (non-matching), by index."""
    skolemized, compact = skolemize(document, loader)
    deskolemized = deskolemize(skolemized)
    label_map = {label: hmac_label(hmac_key, c14n) for label, c14n in canonical_labels(deskolemized).items()}
    nquads = _sorted({relabel(line, label_map) for line in deskolemized})
    results = {}
    for name, pointers in groups.items():
        selected = deskolemized_nquads(select_json_ld(compact, pointers), loader)
        chosen = {relabel(line, label_map) for line in selected}
        results[name] = Group(
            {i: line for i, line in enumerate(nquads) if line in chosen},
            {i: line for i, line in enumerate(nquads) if line not in chosen},
            selected,
        )
    return Grouped(nquads, label_map, results)


# --- base proof -----------------------------------------------------------------------------------------


def proof_hash(proof: dict[str, Any], document: dict[str, Any], loader: Loader) -> bytes:
    """SHA-256 of the canonical proof configuration (the proof without proofValue, in the document's context)."""
    from microcred.trust.dataintegrity import proof_config  # dataintegrity dispatches to this module

    return hashlib.sha256(proof_config(proof, document, loader)).digest()


def hash_mandatory(mandatory: list[str]) -> bytes:
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()


def _issuer_key(key: Any) -> EcdsaKey:
    if not isinstance(key, EcdsaKey) or key.curve.name != "P-256":
        raise TrustError("The cryptosuite ecdsa-sd-2023 needs a P-256 key.")
    return key


def add_base_proof(
    document: dict[str, Any],
    key: EcdsaKey,
    *,
    mandatory_pointers: list[str],
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    verification_method: str | None = None,
    loader: Loader | None = None,
    extra: dict[str, Any] | None = None,
    hmac_key: bytes | None = None,
    proof_key: EcdsaKey | None = None,
) -> dict[str, Any]:
    """The document with an ecdsa-sd-2023 base proof, for its holder: the statements `mandatory_pointers`
    select will always be disclosed, every other one the holder may hide. `hmac_key` and `proof_key` are
    random unless given (the W3C vectors give them)."""
    issuer = _issuer_key(key)
    if issuer.private is None:
        raise TrustError("Signing needs the private key.")
    loader = loader or document_loader()
    pointers = _pointers(mandatory_pointers, "mandatory")
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": SUITE}
    if created is not None:
        options["created"] = created
    options["verificationMethod"] = verification_method or issuer.verification_method
    options["proofPurpose"] = proof_purpose
    options.update(extra or {})
    hashed = proof_hash(options, unsecured, loader)
    secret = hmac_key if hmac_key is not None else os.urandom(32)
    mandatory = canonicalize_and_group(unsecured, secret, {"mandatory": pointers}, loader).groups["mandatory"]
    scoped = proof_key or EcdsaKey.generate("P-256")
    public = multibase_decode(scoped.public_multibase)
    signatures = [scoped.sign(line.encode("utf-8")) for line in mandatory.non_matching.values()]
    base_signature = issuer.sign(hashed + public + hash_mandatory(list(mandatory.matching.values())))
    value = BaseProofValue(base_signature, public, secret, signatures, pointers)
    secured = copy.deepcopy(document)
    proof = {**options, "proofValue": serialize_base_proof_value(value)}
    existing = secured.get("proof")
    secured["proof"] = proof if existing is None else [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


# --- derived proof ---------------------------------------------------------------------------------------


def is_base_proof(proof: Any) -> bool:
    if not isinstance(proof, dict) or proof.get("cryptosuite") != SUITE:
        return False
    value = proof.get("proofValue")
    try:
        return isinstance(value, str) and value.startswith("u") and _unb64url(value[1:5])[:3] == BASE_HEADER
    except TrustError:
        return False


def create_disclosure_data(
    document: dict[str, Any], proof: dict[str, Any], selective_pointers: list[str], loader: Loader
) -> tuple[DerivedProofValue, dict[str, Any]]:
    """The derived proof value and the reveal document for the statements the mandatory and selective
    pointers select (createDisclosureData)."""
    base = parse_base_proof_value(proof.get("proofValue"))
    selective = _pointers(selective_pointers, "selective")
    if not base.mandatory_pointers and not selective:
        raise TrustError("Nothing is selected for disclosure: give at least one selective pointer.")
    combined = base.mandatory_pointers + selective
    grouped = canonicalize_and_group(
        document,
        base.hmac_key,
        {"mandatory": base.mandatory_pointers, "selective": selective, "combined": combined},
        loader,
    )
    mandatory, chosen = grouped.groups["mandatory"].matching, grouped.groups["selective"].matching
    revealed = grouped.groups["combined"]
    mandatory_indexes = [relative for relative, index in enumerate(revealed.matching) if index in mandatory]
    optional = [index for index in range(len(grouped.nquads)) if index not in mandatory]
    if len(optional) != len(base.signatures):
        raise TrustError(
            "The base proof does not fit the document: it signs another number of statements than the document has."
        )
    signatures = [signature for index, signature in zip(optional, base.signatures, strict=True) if index in chosen]
    verifier_labels = canonical_labels(revealed.deskolemized)
    label_map = {c14n: grouped.label_map[label] for label, c14n in verifier_labels.items()}
    reveal = select_json_ld(document, combined)
    assert reveal is not None
    return DerivedProofValue(base.base_signature, base.public_key, signatures, label_map, mandatory_indexes), reveal


def derive(
    secured: dict[str, Any],
    selective_pointers: list[str],
    *,
    loader: Loader | None = None,
    proof_id: str | None = None,
) -> dict[str, Any]:
    """A derived credential from one that carries an ecdsa-sd-2023 base proof: only the statements the base
    proof's mandatory pointers and `selective_pointers` select, with a disclosure proof a verifier checks."""
    loader = loader or document_loader()
    proofs = secured.get("proof")
    listed = proofs if isinstance(proofs, list) else [proofs] if proofs is not None else []
    if proof_id is not None:
        candidates = [p for p in listed if isinstance(p, dict) and p.get("id") == proof_id]
    else:
        candidates = [p for p in listed if is_base_proof(p)]
    if not candidates:
        raise TrustError("The credential has no ecdsa-sd-2023 base proof to derive a disclosure from.")
    if len(candidates) > 1:
        raise TrustError("The credential has several ecdsa-sd-2023 base proofs: say which one by its id.")
    base_proof = candidates[0]
    document = {name: value for name, value in secured.items() if name != "proof"}
    value, reveal = create_disclosure_data(document, base_proof, selective_pointers, loader)
    proof = {name: item for name, item in base_proof.items() if name != "@context"}
    proof["proofValue"] = serialize_derived_proof_value(value)
    reveal["proof"] = [proof] if isinstance(proofs, list) else proof  # the shape it had (Open Badges: a list)
    return reveal


# --- verification ----------------------------------------------------------------------------------------


def create_verify_data(
    document: dict[str, Any], proof: dict[str, Any], loader: Loader
) -> tuple[DerivedProofValue, bytes, list[str], bytes]:
    """The derived proof value, the proof hash, the optional statements and the mandatory hash of a reveal
    document (`document` without its proof)."""
    value = parse_derived_proof_value(proof.get("proofValue"))
    hashed = proof_hash(proof, document, loader)
    canonical = rdfc(document, loader).splitlines(keepends=True)
    nquads = _sorted([relabel(line, value.label_map) for line in canonical])
    wanted = set(value.mandatory_indexes)
    if len(wanted) != len(value.mandatory_indexes) or any(not 0 <= i < len(nquads) for i in wanted):
        raise TrustError("The derived proof's mandatory indexes do not fit the document's statements.")
    mandatory = [line for i, line in enumerate(nquads) if i in wanted]
    optional = [line for i, line in enumerate(nquads) if i not in wanted]
    return value, hashed, optional, hash_mandatory(mandatory)


def verify_derived_proof(
    document: dict[str, Any], proof: dict[str, Any], key: EcdsaKey, loader: Loader | None = None
) -> None:
    """Returns when the derived proof holds for `document` (the reveal document without its proof); raises
    TrustError with the reason, or cryptography's InvalidSignature when a signature does not match."""
    issuer = _issuer_key(key)
    value, hashed, optional, mandatory_hash = create_verify_data(document, proof, loader or document_loader())
    if len(value.signatures) != len(optional):
        raise TrustError(
            f"The derived proof has {len(value.signatures)} statement signatures for {len(optional)} disclosed "
            "optional statements: statements were added or removed."
        )
    scoped = EcdsaKey.from_multibase(multibase_encode(value.public_key))
    if scoped.curve.name != "P-256":
        raise TrustError("The proof-scoped key of an ecdsa-sd-2023 proof must be a P-256 key.")
    for signature, line in zip(value.signatures, optional, strict=True):
        scoped.verify(signature, line.encode("utf-8"))
    issuer.verify(value.base_signature, hashed + value.public_key + mandatory_hash)


__all__ = [
    "BaseProofNotVerifiable",
    "InvalidSignature",
    "add_base_proof",
    "derive",
    "select_json_ld",
    "verify_derived_proof",
]
