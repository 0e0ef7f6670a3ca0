"""Issuing a credential as VC-JOSE-COSE's `application/vc+jwt` or `application/vc+cose`: the same checked
credential the VC-API signs with a Data Integrity proof, with its revocation and suspension entries, secured
instead as a compact JWS (or a COSE_Sign1) whose payload is the credential itself, signed ES256 by the
organisation's P-256 key (or EdDSA by its Ed25519 key), the header's kid its did:web verification method, typ
vc+jwt and cty vc (application/vc+cose and application/vc for COSE).

The VC-API returns it as an `EnvelopedVerifiableCredential` (VC 2.0 §4.13), its id the JWT as a data: URL (the
COSE message base64-encoded in one). VC 1.1 credentials are refused: VC-JOSE-COSE secures VC 2.0 credentials only.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput
from microcred.issuing import keys, status
from microcred.issuing.credentials import V2, check_credential
from microcred.trust import TrustError, cose, jose, statuslist

FORMATS = {"vc+jwt": "vc+jwt", "application/vc+jwt": "vc+jwt", "vc+cose": "vc+cose", "application/vc+cose": "vc+cose"}
ALGORITHMS = {"ES256": "P-256", "EdDSA": "Ed25519"}


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, code="invalid_credential")


def enveloped(token: str | bytes) -> dict[str, Any]:
    """The JWT (or COSE_Sign1) as VC 2.0's EnvelopedVerifiableCredential."""
    url = (
        f"data:application/vc+jwt,{token}"
        if isinstance(token, str)
        else f"data:application/vc+cose;base64,{base64.b64encode(token).decode()}"
    )
    return {"@context": [V2], "id": url, "type": "EnvelopedVerifiableCredential"}


def issue_enveloped(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential: Any,
    *,
    base_url: str,
    master: bytes,
    algorithm: str = "ES256",
    form: str = "vc+jwt",
) -> str | bytes:
    """The credential checked, given its id and status entries, and signed by the organisation as a vc+jwt (a
    compact JWS) or a vc+cose (COSE_Sign1 bytes)."""
    if algorithm not in ALGORITHMS:
        raise _refuse(f"A {form} is signed with {' or '.join(ALGORITHMS)}, not {algorithm[:20]!r}.")
    issuer = keys.did_web(organisation, base_url)
    checked = check_credential(credential, issuer)
    if checked["@context"][0] != V2:
        raise _refuse(f"A {form} secures VC 2.0 credentials: the first @context must be {V2}.")
    if "credentialStatus" in checked:
        raise _refuse("credentialStatus is ours to give: send the credential without it.")
    checked.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    if status.given(db, organisation, str(checked["id"])):
        raise _refuse(f"id: {str(checked['id'])[:100]} was issued before: give each credential its own id.")
    [entries] = status.allocate(db, organisation, [str(checked["id"])], base_url)
    checked["credentialStatus"] = [entries[purpose] for purpose in statuslist.PURPOSES]
    row = keys.active(db, actor, organisation, ALGORITHMS[algorithm], master)
    kid = keys.verification_method(organisation, row, base_url)
    try:
        private = keys.private_key(row, master)
        token: str | bytes = (
            jose.sign(checked, private, {"kid": kid, "typ": "vc+jwt", "cty": "vc"})
            if form == "vc+jwt"
            else cose.sign(json.dumps(checked, ensure_ascii=False).encode(), private, kid=kid)
        )
    except TrustError as error:
        raise _refuse(str(error)) from None
    audit.record(
        db,
        actor,
        "credential.issued",
        object_type="credential",
        object_id=str(checked["id"])[:200],
        organisation=organisation,
        summary=f"Signed a credential as a {form} ({algorithm})",
        format=form,
        key=row.public_multibase,
    )
    return token


def asked(format_option: str | None, accept: str | None) -> str | None:
    """Which VC-JOSE-COSE form the VC-API caller asks for (vc+jwt, vc+cose), by options.format or by an Accept
    header naming application/vc+jwt or application/vc+cose; None for a Data Integrity proof. Another format named
    in options is refused: only these are made."""
    if format_option is None or not format_option.strip():
        wanted = (accept or "").lower()
        return next((FORMATS[media] for media in FORMATS if media.startswith("application/") and media in wanted), None)
    chosen = format_option.strip().lower()
    if chosen in FORMATS:
        return FORMATS[chosen]
    if chosen in ("ldp_vc", "application/vc", "application/vc+ld+json"):
        return None
    raise _refuse(
        f"options.format must be vc+jwt or vc+cose, or left out for a Data Integrity proof; not {format_option[:40]!r}."
    )
