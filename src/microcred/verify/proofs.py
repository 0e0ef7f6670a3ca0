"""PROOF and OWNER: Data Integrity proofs, the issuer's on a credential and the holder's on a presentation. A proof
holds when its key is found among its controller's keys for the proof's purpose, the key is the issuer's (or the
holder's), the proof's dates keep its rules and the signature matches."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from microcred.trust import TrustError, dataintegrity
from microcred.trust.jsonld import as_list
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Key, key_from_multibase
from microcred.verify.checks import Check, Outcome, Sources, Verdict, date_of, issuer_id, subject_ids

CLOCK_SKEW = timedelta(minutes=5)  # how far in the future a proof's `created` may be: clocks differ a little
ASSERTION, AUTHENTICATION = "assertionMethod", "authentication"
DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]")  # DID syntax: prefix and method lower case


def proof_checks(credential: dict[str, Any], sources: Sources) -> Check:
    proofs = [p for p in as_list(credential.get("proof")) if isinstance(p, dict)]
    if not proofs:
        return Check("PROOF", Outcome.ERROR, "The credential carries no proof: anyone could have written it.")
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    loader = document_loader()
    details = []
    issuer = issuer_id(credential) or ""
    unbound = []
    chains = {id(proof): _previous(proof, proofs) for proof in proofs}
    for why in chains.values():
        if isinstance(why, str):
            return Check("PROOF", Outcome.ERROR, "A proof names a previous proof the credential does not carry.", why)
    for proof in proofs:
        method = proof.get("verificationMethod")
        if not isinstance(method, str):
            return Check("PROOF", Outcome.ERROR, "The proof names no key.", "verificationMethod is missing.")
        broken = proof_rule_problem(proof, ASSERTION, sources.now())
        if broken:
            return Check("PROOF", Outcome.ERROR, broken[0], broken[1])
        key = _key(method, ASSERTION, sources)
        if key is None:
            return Check(
                "PROOF",
                Outcome.ERROR,
                "The key that signed the credential cannot be found among its controller's assertion keys, "
                "so its signature cannot be checked.",
                _unresolved(method),
            )
        previous = chains[id(proof)]
        try:
            result = dataintegrity.verify_proof(unsecured, proof, key, loader)
            if previous and not result.verified:  # a proof chain: made over the document with the previous proofs
                chained = dataintegrity.verify_proof({**unsecured, "proof": previous}, proof, key, loader)
                result = chained if chained.verified else result
        except TrustError as error:
            return Check("PROOF", Outcome.ERROR, "The proof cannot be checked.", str(error))
        if not result.verified:
            mismatch = not result.problem or "does not match" in result.problem
            return Check(
                "PROOF",
                Outcome.ERROR,
                "The signature does not match: the credential was changed after it was signed."
                if mismatch
                else "The proof cannot be checked: the credential is malformed.",
                f"{proof.get('cryptosuite')} proof by {method[:200]} does not verify: {result.problem}",
            )
        details.append(f"{proof.get('cryptosuite')} by {method[:200]}")
        if not _controlled(method, issuer):
            unbound.append(method)
    if unbound and len(unbound) < len(proofs):  # the issuer's proof, and co-signers' (a witness, a proof chain)
        return Check(
            "PROOF",
            Outcome.OK,
            "The issuer's signature is intact.",
            f"{'; '.join(details)}; also signed by {', '.join(m[:200] for m in unbound)}, which is not the "
            "issuer's key: a co-signer's proof, which says nothing of who issued it.",
        )
    if unbound and _names_keys(issuer):
        return Check(
            "PROOF",
            Outcome.ERROR,
            "The credential was signed with a key that does not belong to its issuer.",
            f"{unbound[0][:200]} is not the issuer's ({issuer[:200]}).",
        )
    if unbound:  # a urn:uuid, an upper-case "DID:", an https profile signed by a did:key: nothing ties them
        return Check(
            "PROOF",
            Outcome.WARNING,
            "The signature is intact, but nothing ties the signing key to the issuer: who issued it is not confirmed.",
            f"{'; '.join(details)}; {_why_unbound(issuer)}",
            verdict=Verdict.UNCONFIRMED,
        )
    return Check("PROOF", Outcome.OK, "The issuer's signature is intact.", "; ".join(details))


def _previous(proof: dict[str, Any], proofs: list[dict[str, Any]]) -> list[dict[str, Any]] | str:
    """The proofs a proof names as previous (`previousProof`, an id or a list of ids), all of which are checked
    too as they are among the credential's proofs; why not when one it names is not there."""
    named = as_list(proof.get("previousProof"))
    if not all(isinstance(name, str) for name in named):
        return "previousProof must be a proof id or a list of them."
    found = [other for other in proofs if other is not proof and other.get("id") in named]
    missing = [name for name in named if not any(other.get("id") == name for other in found)]
    if missing:
        return f"previousProof names {missing[0][:200]}, which no proof of the credential has as its id."
    return found


def proof_rule_problem(proof: dict[str, Any], purpose: str, now: datetime) -> tuple[str, str] | None:
    """What breaks Data Integrity's rules for a proof made for `purpose` (assertionMethod for a credential,
    authentication for a holder's presentation): its stated purpose, `created` not in the future (beyond
    CLOCK_SKEW), `expires` not passed. A sentence and a detail, or None."""
    given = proof.get("proofPurpose")
    if given != purpose:
        stated = f"proofPurpose is {str(given)[:40]!r}" if given is not None else "proofPurpose is missing"
        return f"The proof was not made for this purpose: it must state proofPurpose {purpose}.", stated
    created = proof.get("created")
    if created is not None:
        when = date_of(created)
        if when is None:
            return "The proof's creation date is not a date and time.", f"created is {str(created)[:40]!r}"
        if when > now + CLOCK_SKEW:
            return (
                "The proof says it was made in the future.",
                f"created {created[:40]} is later than now ({now:%Y-%m-%dT%H:%M:%SZ}) plus the "
                f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes allowed for clocks that differ.",
            )
    expires = proof.get("expires")
    if expires is not None:
        end = date_of(expires)
        if end is None:
            return "The proof's expiry date is not a date and time.", f"expires is {str(expires)[:40]!r}"
        if end < now:
            return f"The proof expired on {end:%Y-%m-%d}.", f"expires {expires[:40]}"
    return None


def _unresolved(method: str) -> str:
    """Why a verification method gave no key: a DID method microcred does not resolve, or no such key."""
    scheme = re.match(r"did:([a-z0-9]+):", method)
    if scheme and scheme.group(1) not in ("key", "web"):
        return f"did:{scheme.group(1)} is not a DID method microcred resolves (did:key and did:web are): {method[:200]}"
    return f"Could not resolve {method[:200]}, or its controller does not list it as an assertion key."


def _key(method: str, relationship: str, sources: Sources) -> Key | None:
    """The key of `method` when its controller document lists it under `relationship`. A did:key's document
    is derived from the key and lists it under both assertionMethod and authentication, as #<the key> only."""
    if method.startswith("did:key:"):
        did, _, fragment = method.partition("#")
        multibase = did.removeprefix("did:key:")
        if fragment not in ("", multibase):
            return None
        try:
            return key_from_multibase(multibase)
        except TrustError:
            return None
    if method[:4].lower() == "did:" and not method.startswith("did:"):
        return None  # "DID:…" is no DID: the prefix and method name are lower case
    return sources.key_for(method, relationship)


def _names_keys(issuer: str) -> bool:
    """Whether the issuer id names its own keys, so a key from elsewhere is not its: a DID does."""
    return DID.fullmatch(issuer) is not None


def _controlled(method: str, issuer: str | None) -> bool:
    """Whether the verification method is the issuer's: a key in its DID document or under its https URL
    (compared exactly: `DID:web:…` is not `did:web:…`)."""
    if not issuer or not (_names_keys(issuer) or issuer.startswith(("https://", "http://"))):
        return False
    return method.split("#", 1)[0] == issuer


def _why_unbound(issuer: str) -> str:
    if issuer[:4].lower() == "did:" and not _names_keys(issuer):
        return (
            f"the issuer {issuer[:200]} is not a DID (the did: prefix and method name are lower case), "
            "so it names no keys."
        )
    if issuer.startswith(("https://", "http://")):
        return (
            f"the key is not under the issuer's address {issuer[:200]}, and microcred cannot read which keys it uses."
        )
    return f"the issuer {issuer[:200]} cannot name its keys."


def owner_check(document: dict[str, Any], sources: Sources, challenge: str | None, domain: str | None) -> Check:
    """Whether the holder signed this presentation for this request, and whether the credentials it carries
    were issued to that holder. The holder's proof shows who presents them, never more: when a credential
    names another subject (`credentialSubject.id`), VC 2.0 allows it and the check says so (a WARNING: the holder
    is not shown to be its subject); when it names none, the detail says the proof shows who presents it only."""
    proofs = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
    if not proofs:
        if challenge or domain:
            return Check("OWNER", Outcome.ERROR, "The presentation is not signed by its holder, as was asked.")
        return Check("OWNER", Outcome.SKIPPED, "The presentation is not signed: who presents it is not proven.")
    proof = proofs[0]
    if proof.get("proofPurpose") != AUTHENTICATION:
        return Check("OWNER", Outcome.ERROR, "The presentation's proof is not an authentication by its holder.")
    broken = proof_rule_problem(proof, AUTHENTICATION, sources.now())
    if broken:
        return Check("OWNER", Outcome.ERROR, f"The holder's proof: {broken[0]}", broken[1])
    if challenge is not None and proof.get("challenge") != challenge:
        return Check("OWNER", Outcome.ERROR, "The presentation answers another request (its challenge differs).")
    if domain is not None and proof.get("domain") != domain:
        return Check("OWNER", Outcome.ERROR, "The presentation was made for another site (its domain differs).")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return Check("OWNER", Outcome.ERROR, "The presentation's proof names no key.")
    key = _key(method, AUTHENTICATION, sources)
    if key is None:
        return Check(
            "OWNER",
            Outcome.ERROR,
            "The holder's key cannot be found among its controller's authentication keys.",
            method[:200],
        )
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder  # VC 2.0 allows {"id": …} too
    if isinstance(holder, str) and method.split("#", 1)[0] != holder:
        return Check("OWNER", Outcome.ERROR, "The presentation was signed by someone else than its holder.")
    carried = [c for c in as_list(document.get("verifiableCredential")) if isinstance(c, dict)]
    if any("payload" in c and "signatures" in c for c in carried):
        return Check(
            "OWNER",
            Outcome.ERROR,
            "A sealed European Digital Credential is in this presentation, and a holder's proof cannot cover it "
            "(its JAdES seal is no JSON-LD): present it on its own.",
        )
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if not dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified:
        return Check("OWNER", Outcome.ERROR, "The presentation was changed after its holder signed it.")
    presenter = holder if isinstance(holder, str) else method.split("#", 1)[0]
    named = [subject_ids(c) for c in carried]
    stranger = next((ids for ids in named if ids and presenter not in ids), None)
    if stranger is not None:  # VC 2.0 allows it (a parent for a child, an agent for a firm): said, not refused
        return Check(
            "OWNER",
            Outcome.WARNING,
            "The holder signed this presentation for this request, but a credential in it was issued to someone "
            "else: the holder's proof shows who presents it, not that they are the person it was issued to.",
            f"It was issued to {stranger[0][:200]}; the presentation's holder is {presenter[:200]}. "
            "Whether the holder may present it for them is for the verifier to judge.",
        )
    detail = str(method)[:200]
    unnamed = sum(1 for ids in named if not ids)
    if unnamed:
        which = (
            "The credential does not name its holder"
            if len(named) == 1
            else f"{unnamed} of the {len(named)} credentials do not name their holder"
        )
        detail += (
            f". {which} (no credentialSubject.id), so this proof shows who presents it, "
            "not that they are the learner it was issued to."
        )
    return Check("OWNER", Outcome.OK, "The holder signed this presentation for this request.", detail)
