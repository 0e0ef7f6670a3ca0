"""PROOF for credentials secured by an envelope rather than an embedded proof: VC-JOSE-COSE's `application/vc+jwt`
(the payload is the credential), the VC-JWT of VC 1.1 and Open Badges 3.0 (JWT claims iss, sub, nbf, exp, jti, and
the credential in a `vc` claim or as the payload itself), given as the compact JWT or as an
`EnvelopedVerifiableCredential` whose id is `data:application/vc+jwt,<jwt>`; and presentations as `vp+jwt`.

The JWT's key is found as a Data Integrity proof's is (verify.proofs): its `kid`, a DID URL, among its controller's
assertion keys through the verifier's sources (did:key, our did:web from the database, others' did:web fetched),
or a did:jwk, which is its own key. A `jwk` in the header alone verifies the signature but ties it to no one (the
issuer is then unconfirmed), unless the issuer is that key's did:jwk. The JWT's claims must agree with the
credential they carry (1EdTech's OB3 §8.2.4): iss with the issuer, sub with the subject, jti with the id, nbf and
exp with the validity dates; a VC 1.1 `vc` claim takes those it lacks from them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from microcred.trust import TrustError, cose, jose
from microcred.trust.jsonld import as_list
from microcred.verify.checks import (
    V1,
    Check,
    Outcome,
    Report,
    Sources,
    Verdict,
    _safely,
    date_of,
    issuer_id,
    signer_confirmed,
    subject_ids,
    trust_check,
)
from microcred.verify.checks import parse as checks_parse
from microcred.verify.proofs import ASSERTION, AUTHENTICATION, _controlled, _key, _names_keys, _unresolved

ENVELOPED_VC, ENVELOPED_VP = "EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"
VC_MEDIA = ("application/vc+jwt", "application/vc+ld+json+jwt")
VP_MEDIA = ("application/vp+jwt", "application/vp+ld+json+jwt")
VC_TYPES = {None, "vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt", "JWT", "jwt", "application/vc+jwt", "application/vc+cose"}
VP_TYPES = {None, "vp+jwt", "vp+ld+jwt", "vp+ld+json+jwt", "JWT", "jwt", "application/vp+jwt"}
CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "cnf")  # JWT's, not the credential's


def enveloped(document: Any) -> bool:
    """Whether the document is a credential in an envelope: a compact JWT, COSE_Sign1 bytes, or an
    EnvelopedVerifiableCredential."""
    if isinstance(document, str | bytes | bytearray):
        return True
    return isinstance(document, dict) and ENVELOPED_VC in as_list(document.get("type"))


def enveloped_presentation(document: Any) -> bool:
    if isinstance(document, str):
        return True
    return isinstance(document, dict) and ENVELOPED_VP in as_list(document.get("type"))


def parse(raw: bytes | str) -> Any:
    """What a file or a pasted text holds: a JWT (compact, or a data: URL of one) as its text, else JSON (as
    checks.parse reads it). TrustError naming what is wrong."""
    if isinstance(raw, bytes) and raw[:1] in (b"\xd2", b"\x84"):  # CBOR: tag 18 (COSE_Sign1), or its array
        if len(raw) > cose.MAX_BYTES:
            raise TrustError(f"The COSE message is larger than {cose.MAX_BYTES // (1024 * 1024)} MiB.")
        return raw
    text = raw.strip() if isinstance(raw, str) else raw.strip().decode("ascii", errors="replace")[:40]
    if text.startswith(("ey", "data:application/v")):  # '{"' in base64url begins "ey"; JSON begins "{"
        if len(raw) > jose.MAX_TOKEN + 100:
            raise TrustError(f"The JWT is larger than {jose.MAX_TOKEN // (1024 * 1024)} MiB.")
        try:
            return raw.strip() if isinstance(raw, str) else raw.strip().decode("ascii")
        except UnicodeDecodeError:
            raise TrustError("A JWT is base64url text: this file has other characters.") from None
    return checks_parse(raw)


def token_of(document: Any, media: tuple[str, ...], kind: str) -> str:
    """The compact JWT of a bare token or of an Enveloped… object's data: URL."""
    if isinstance(document, str):
        given = document.strip()
        return given if not given.startswith("data:") else _from_data_url(given, media, kind)
    url = document.get("id") if isinstance(document, dict) else None
    if not isinstance(url, str):
        raise TrustError(f"The enveloped {kind} has no id: it must be a data: URL holding the JWT.")
    return _from_data_url(url, media, kind)


def _from_data_url(url: str, media: tuple[str, ...], kind: str) -> str:
    if len(url) > jose.MAX_TOKEN + 100:
        raise TrustError(f"The enveloped {kind} is larger than {jose.MAX_TOKEN // (1024 * 1024)} MiB.")
    head, comma, data = url.partition(",")
    given = head.removeprefix("data:").split(";")[0].strip().lower()
    if not comma or given not in media:
        raise TrustError(
            f"The enveloped {kind}'s id must be a data: URL of {media[0]} ({given[:60] or 'no media type'} is not "
            "read here)."
        )
    if ";base64" in head.lower():
        raise TrustError(f"The enveloped {kind}'s JWT must be given as it is, not base64-encoded again.")
    return unquote(data)


@dataclass(frozen=True)
class Secured:
    """A JWT or a COSE_Sign1 read: its algorithm, its header's kid, jwk and typ, its payload (a JSON object),
    and how to check its signature with a key."""

    form: str  # "JWT" or "COSE_Sign1"
    algorithm: str
    header: dict[str, Any]
    payload: dict[str, Any]
    verify: Callable[[jose.VerifyingKey], None]


def _is_cose(document: Any) -> bool:
    url = document.get("id") if isinstance(document, dict) else document
    return isinstance(document, bytes | bytearray) or (
        isinstance(url, str) and url[:40].lower().startswith("data:application/vc+cose")
    )


def _open(document: Any, media: tuple[str, ...], kind: str) -> Secured:
    if not _is_cose(document):
        jws = jose.parse(token_of(document, media, kind))
        return Secured("JWT", jws.algorithm, jws.header, jws.payload, lambda key: jose.verify(jws, key))
    raw = document if isinstance(document, bytes | bytearray) else _cose_bytes(document)
    message = cose.parse(bytes(raw))
    payload = jose.json_of(message.payload, "COSE payload")
    if not isinstance(payload, dict):
        raise TrustError("The COSE payload is not a JSON object.")
    header = {"kid": message.kid, "typ": message.typ or "application/vc+cose"}
    return Secured("COSE_Sign1", message.algorithm, header, payload, lambda key: cose.verify(message, key))


def _cose_bytes(document: Any) -> bytes:
    url = document.get("id") if isinstance(document, dict) else document
    head, comma, data = str(url).partition(",")
    if not comma or ";base64" not in head.lower():
        raise TrustError("A data: URL of application/vc+cose holds the message in base64 (;base64,).")
    if len(data) > cose.MAX_BYTES * 4 // 3 + 8:
        raise TrustError(f"The COSE message is larger than {cose.MAX_BYTES // (1024 * 1024)} MiB.")
    try:
        return base64.b64decode(unquote(data), validate=True)
    except ValueError:
        raise TrustError("The COSE message in the data: URL is not base64.") from None


# Credentials ------------------------------------------------------------------------------------------------


def envelope_check(document: Any, sources: Sources) -> tuple[Check, dict[str, Any] | None, str | None]:
    """PROOF for an enveloped credential, the credential it holds (None: none can be read) and its verified
    issuer (None when the signature is not tied to it)."""
    form = "COSE message" if _is_cose(document) else "JWT"
    try:
        jws = _open(document, VC_MEDIA, "credential")
    except TrustError as error:
        return Check("PROOF", Outcome.ERROR, f"The {form} cannot be read.", str(error)), None, None
    typ = jws.header.get("typ")
    if typ not in VC_TYPES:
        why = "it is a presentation, not a credential" if typ in VP_TYPES else f"its type is {str(typ)[:40]!r}"
        return Check("PROOF", Outcome.ERROR, f"The {form} is not a credential.", why), None, None
    try:
        credential = credential_of(jws.payload)
    except TrustError as error:
        return Check("PROOF", Outcome.ERROR, f"The {form} holds no credential.", str(error)), None, None
    if enveloped(credential):  # an envelope in an envelope: refused, not unwrapped again and again
        return (
            Check("PROOF", Outcome.ERROR, f"The {form} holds no credential.", "It holds another envelope."),
            None,
            None,
        )
    contradiction = claims_problem(jws.payload, credential)
    if contradiction:
        return (
            Check("PROOF", Outcome.ERROR, "The JWT's claims contradict the credential it carries.", contradiction),
            credential,
            None,
        )
    issuer = issuer_id(credential) or ""
    check, method = _signed(jws, issuer, ASSERTION, sources, "credential")
    if check is not None:
        return check, credential, None
    detail = f"{jws.algorithm} {jws.form} ({typ or 'no typ'}) by {method[:200]}"
    if "proof" in credential:
        detail += "; the embedded proof it also carries was not checked (one proof suffices, as OB3 says)"
    if _controlled(method, issuer):
        return Check("PROOF", Outcome.OK, "The issuer's signature is intact.", detail), credential, issuer
    if _names_keys(issuer):
        return (
            Check(
                "PROOF",
                Outcome.ERROR,
                "The credential was signed with a key that does not belong to its issuer.",
                f"{method[:200]} is not the issuer's ({issuer[:200]}).",
            ),
            credential,
            None,
        )
    return (
        Check(
            "PROOF",
            Outcome.WARNING,
            "The signature is intact, but nothing ties the signing key to the issuer: who issued it is not confirmed.",
            f"{detail}; the issuer {issuer[:200] or '(none)'} names no keys.",
            verdict=Verdict.UNCONFIRMED,
        ),
        credential,
        None,
    )


def _signed(jws: Secured, controller: str, relationship: str, sources: Sources, kind: str) -> tuple[Check | None, str]:
    """A failed PROOF (or OWNER) check, or None and the key's name when the signature holds. The key is the
    header's kid, a DID URL found among its controller's keys for the relationship (a kid "#…" or a bare name is
    the controller's), or a did:jwk; else the header's jwk, which names no one (its name is then "jwk:…")."""
    name = "PROOF" if relationship == ASSERTION else "OWNER"
    kid, embedded = jws.header.get("kid"), jws.header.get("jwk")
    key: jose.VerifyingKey | None
    try:
        if isinstance(kid, str):
            method = _method(kid, controller)
            offline = method.startswith(("did:jwk:", "did:key:"))  # keys that name themselves, cached: base58 is slow
            key = _own_key(method, relationship) if offline else _key(method, relationship, sources)
            if key is None and method.startswith("https://"):  # OB3: a kid that dereferences to a JWK (or JWKS)
                key = _jwk_at(method, sources)
            if key is None:
                return (
                    Check(
                        name,
                        Outcome.ERROR,
                        f"The key that signed the {kind} cannot be found among its controller's "
                        f"{'assertion' if relationship == ASSERTION else 'authentication'} keys, so its signature "
                        "cannot be checked.",
                        _unresolved(method),
                    ),
                    method,
                )
        elif embedded is not None:
            key = jose.key_from_jwk(embedded)
            # the key's own identifier, tied to no one unless the controller is that key's did:key or did:jwk
            own = None if isinstance(key, jose.RsaKey) else key
            method = own.verification_method if own and own.did == controller else jose.did_jwk(key) + "#0"
        else:
            return Check(name, Outcome.ERROR, f"The {kind}'s {jws.form} names no key (no kid, no jwk)."), ""
        jws.verify(key)
    except TrustError as error:
        changed = "changed after it was signed" in str(error)
        sentence = (
            f"The signature does not match: the {kind} was changed after it was signed."
            if changed
            else f"The {kind}'s signature cannot be checked."
        )
        return Check(name, Outcome.ERROR, sentence, str(error)), ""
    return None, method


def _jwk_at(url: str, sources: Sources) -> jose.VerifyingKey | None:
    """The public JWK an https kid dereferences to: the document at the URL, a JWK, or a JWK Set holding one whose
    kid is the URL or its fragment. None when it cannot be had or is no such key."""
    address, _, fragment = url.partition("#")
    try:
        found = jose.json_of(sources.resource(address), "key document")
        if isinstance(found, dict) and isinstance(found.get("keys"), list):
            found = next((k for k in found["keys"] if isinstance(k, dict) and k.get("kid") in (url, fragment)), None)
        return jose.key_from_jwk(found) if isinstance(found, dict) else None
    except Exception:  # noqa: BLE001 (an unreachable site or a bad key is no key; the check says it was not found)
        return None


@lru_cache(maxsize=512)
def _own_key(method: str, relationship: str) -> jose.VerifyingKey | None:
    """The key a did:jwk or did:key names (no source is asked: the identifier is the key)."""
    if method.startswith("did:jwk:"):
        return jose.key_from_did_jwk(method)
    return _key(method, relationship, Sources())


def _method(kid: str, controller: str) -> str:
    """The verification method a kid names: a DID URL or URL as it is, "#key" or a bare name under the controller."""
    if kid.startswith("#"):
        return controller + kid
    if ":" not in kid and _names_keys(controller):
        return f"{controller}#{kid}"
    return kid


def credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential a JWT carries: its `vc` claim (VC 1.1's VC-JWT, which takes the id, issuer, dates and
    subject it lacks from the JWT's claims) or the payload itself less the JWT's registered claims."""
    if "vc" in payload:
        vc = payload["vc"]
        if not isinstance(vc, dict):
            raise TrustError("The JWT's vc claim is not a JSON object.")
        credential = dict(vc)
        if isinstance(payload.get("jti"), str):
            credential.setdefault("id", payload["jti"])
        if isinstance(payload.get("iss"), str) and "issuer" not in credential:
            credential["issuer"] = payload["iss"]
        _dates_from_claims(payload, credential)
        subject = credential.get("credentialSubject")
        if isinstance(payload.get("sub"), str) and isinstance(subject, dict) and "id" not in subject:
            credential["credentialSubject"] = {**subject, "id": payload["sub"]}
        return credential
    if "@context" not in payload and "type" not in payload:
        raise TrustError("Its payload is neither a credential nor has a vc claim.")
    credential = {k: v for k, v in payload.items() if k not in CLAIMS}
    _dates_from_claims(payload, credential)  # OB3 §8.2.4: exp sets validUntil
    return credential


def _dates_from_claims(payload: dict[str, Any], credential: dict[str, Any]) -> None:
    """The validity dates a credential lacks, from the JWT's nbf and exp (in VC 1.1's names under its context)."""
    v1 = V1 in as_list(credential.get("@context"))
    for claim, names in (("nbf", ("issuanceDate", "validFrom")), ("exp", ("expirationDate", "validUntil"))):
        when = _instant(payload.get(claim))
        if when is not None and not any(n in credential for n in names):
            credential[names[0] if v1 else names[1]] = when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(value: Any) -> datetime | None:
    """A JWT NumericDate (seconds since 1970) as a datetime, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def claims_problem(payload: dict[str, Any], credential: dict[str, Any]) -> str | None:
    """Where the JWT's registered claims contradict the credential it carries (or are not what they must be)."""
    issuer, subjects = issuer_id(credential), subject_ids(credential)
    for claim in ("iss", "sub", "jti"):
        if claim in payload and not isinstance(payload[claim], str):
            return f"The {claim} claim is not a string."
    if "iss" in payload and payload["iss"] != issuer:
        return f"iss is {payload['iss'][:200]}, but the credential's issuer is {str(issuer)[:200]}."
    if "sub" in payload and subjects and payload["sub"] not in subjects:
        return f"sub is {payload['sub'][:200]}, but the credential's subject is {subjects[0][:200]}."
    if "jti" in payload and "id" in credential and payload["jti"] != credential["id"]:
        return f"jti is {payload['jti'][:200]}, but the credential's id is {str(credential['id'])[:200]}."
    for claim, names in (("nbf", ("validFrom", "issuanceDate")), ("exp", ("validUntil", "expirationDate"))):
        if claim not in payload:
            continue
        when = _instant(payload[claim])
        if when is None:
            return f"The {claim} claim is not a NumericDate (seconds since 1970)."
        stated = next((date_of(credential[n]) for n in names if n in credential), None)
        if stated is not None and abs((stated - when).total_seconds()) >= 1:
            return f"{claim} is {when:%Y-%m-%dT%H:%M:%SZ}, but the credential says {stated:%Y-%m-%dT%H:%M:%SZ}."
    return None


def verify_enveloped(document: Any, sources: Sources) -> Report:
    """Every check of an enveloped credential, as the pipeline runs them for any credential (it runs them, on the
    credential the envelope holds), with the envelope's signature as PROOF, the envelope's verified signer as the
    report's issuer, and ACCREDITATION judged on that signer."""
    from microcred.verify.checks import verify

    proof, credential, signer = envelope_check(document, sources)
    if credential is None:
        unread = Check("FORMAT", Outcome.ERROR, "This is not a credential: " + proof.detail, proof.detail)
        return Report("unknown", [unread, proof])
    # an embedded proof it also carries is not checked (OB3: one proof suffices), nor taken for a seal
    held = {k: v for k, v in credential.items() if k not in ("proof", "signatures")}
    report = verify(held, sources)
    report.credential = credential
    report.issuer = signer or issuer_id(credential)
    kept = [c for c in report.checks if c.name not in ("PROOF", "SEAL", "ACCREDITATION")]
    after_format = next((i + 1 for i, c in enumerate(kept) if c.name == "FORMAT"), 0)
    report.checks = [*kept[:after_format], proof, *kept[after_format:]]
    confirmed = signer_confirmed(report)
    report.checks.append(
        _safely(
            "ACCREDITATION", lambda: trust_check(credential, report.issuer, sources, confirmed=confirmed, report=report)
        )
    )
    return report


# Presentations ----------------------------------------------------------------------------------------------


def verify_presentation(
    document: Any, sources: Sources, *, challenge: str | None = None, domain: str | None = None
) -> tuple[Report, list[Report]]:
    """A `vp+jwt` presentation (bare or as an EnvelopedVerifiablePresentation): its holder's JWT signature as OWNER,
    with the challenge as its nonce claim and the domain as its aud, then each credential it carries (embedded,
    enveloped or a JWT string) through the pipeline."""
    from microcred.verify.checks import verify_presentation as verify_plain

    try:
        jws = _open(document, VP_MEDIA, "presentation")
        typ = jws.header.get("typ")
        if typ not in VP_TYPES:
            raise TrustError(
                "It is a credential, not a presentation." if typ in VC_TYPES else f"Its typ is {typ!r:.40}."
            )
        presentation = jws.payload.get("vp", jws.payload)
        if not isinstance(presentation, dict):
            raise TrustError("The JWT's vp claim is not a JSON object.")
    except TrustError as error:
        report = Report(
            "presentation", [Check("FORMAT", Outcome.ERROR, "The presentation's JWT cannot be read.", str(error))]
        )
        return report, []
    presentation = {k: v for k, v in presentation.items() if k not in CLAIMS and k != "proof"}
    if isinstance(jws.payload.get("iss"), str):
        presentation.setdefault("holder", jws.payload["iss"])
    report, credentials = verify_plain(presentation, sources)
    owner = _safely("OWNER", lambda: _holder_check(jws, presentation, sources, challenge, domain))
    report.checks = [c for c in report.checks if c.name != "OWNER"] + [owner]
    return report, credentials


def _holder_check(
    jws: Secured, presentation: dict[str, Any], sources: Sources, challenge: str | None, domain: str | None
) -> Check:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    holder = holder if isinstance(holder, str) else ""
    if "iss" in jws.payload and jws.payload["iss"] != holder:
        return Check("OWNER", Outcome.ERROR, "The presentation's JWT names another holder (iss) than it carries.")
    if challenge is not None and jws.payload.get("nonce") != challenge:
        return Check("OWNER", Outcome.ERROR, "The presentation answers another request (its nonce differs).")
    audience = as_list(jws.payload.get("aud"))
    if domain is not None and domain not in audience:
        return Check("OWNER", Outcome.ERROR, "The presentation was made for another site (its aud differs).")
    expires = _instant(jws.payload.get("exp"))
    if "exp" in jws.payload and (expires is None or expires < sources.now()):
        return Check("OWNER", Outcome.ERROR, "The presentation's JWT has expired.")
    check, method = _signed(jws, holder, AUTHENTICATION, sources, "presentation")
    if check is not None:
        return check
    if holder and method.split("#", 1)[0] != holder:
        return Check("OWNER", Outcome.ERROR, "The presentation was signed by someone else than its holder.")
    presenter = holder or method.split("#", 1)[0]
    detail = f"{jws.algorithm} JWT by {method[:200]}"
    carried = [c for c in as_list(presentation.get("verifiableCredential")) if isinstance(c, dict)]
    named = [subject_ids(c) for c in carried if not enveloped(c)]
    if any(ids and presenter not in ids for ids in named):
        detail += "; a credential it carries names another subject than the holder (VC 2.0 allows this)"
    return Check("OWNER", Outcome.OK, "The holder signed this presentation for this request.", detail)
