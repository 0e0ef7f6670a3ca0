"""VCALM exchanges (`/workflows/<workflow>/exchanges/<exchange>`): how a wallet such as the Learner Credential
Wallet claims a credential with DID authentication, and answers a verifier's query by example.

Three built-in workflows:
- `issue`: an organisation's token gives the credential to issue (and the issuer instance to sign it, if not its
  did:web); the wallet proves control of a DID and gets the credential issued to that DID.
- `claim`: made from a learner's live claim link (issuing.claims); the wallet proves a DID and gets the award
  bound to it (a copy whose `credentialSubject.id` is the DID, signed again with the award's status entries, so
  revoking the award revokes it); the claim link is then used up.
- `verify`: an organisation's token asks for credentials of a type; the wallet presents them, the verification
  pipeline checks the presentation and each credential, and the result waits for the organisation to read.

The wallet first POSTs `{}` and gets a Verifiable Presentation Request: DIDAuthentication (and QueryByExample for
`verify`) with a fresh challenge and our domain. It answers with a `verifiablePresentation` whose holder's
authentication proof carries that challenge and domain. An exchange id is 256 random bits (only its SHA-256 is
kept), expires (15 minutes unless asked otherwise, a day at most) and completes once: a second answer, a replay
into another exchange (another challenge), an expired exchange or another organisation's id is refused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlparse

from sqlalchemy import update
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import claims, credentials, identities, vcapi
from microcred.issuing.models import Exchange, IssuedCredential
from microcred.store.base import utcnow
from microcred.trust import TrustError, dataintegrity
from microcred.trust.jsonld import as_list
from microcred.verify import checks

WORKFLOWS = ("issue", "claim", "verify")
DEFAULT_MINUTES = 15
MAX_MINUTES = 24 * 60
V2 = "https://www.w3.org/ns/credentials/v2"
LCW_REQUEST = "https://lcw.app/request"


def _hash(exchange_id: str) -> str:
    return hashlib.sha256(exchange_id.encode()).hexdigest()


def _workflow(workflow: str) -> str:
    if workflow not in WORKFLOWS:
        raise NotFound("There is no such workflow: use issue, claim or verify.", code="workflow_not_found")
    return workflow


def exchange_url(base_url: str, workflow: str, exchange_id: str) -> str:
    return f"{base_url.rstrip('/')}/workflows/{workflow}/exchanges/{exchange_id}"


@dataclass(frozen=True)
class Made:
    """A new exchange: its id (shown only now), where a wallet takes part, and when it expires."""

    exchange_id: str
    url: str
    interaction_url: str
    wallet_link: str
    expires_at: datetime


def _made(base_url: str, row: Exchange, exchange_id: str) -> Made:
    url = exchange_url(base_url, row.workflow, exchange_id)
    request = {"credentialRequestOrigin": _origin(base_url), "protocols": {"vcapi": url}}
    return Made(
        exchange_id=exchange_id,
        url=url,
        interaction_url=f"{url}/protocols?iuv=1",
        wallet_link=f"{LCW_REQUEST}?request={quote(json.dumps(request, separators=(',', ':')), safe='')}",
        expires_at=row.expires_at,
    )


def _origin(base_url: str) -> str:
    parsed = urlparse(base_url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _expiry(expires: str | None) -> datetime:
    now = utcnow()
    if expires is None:
        return now + timedelta(minutes=DEFAULT_MINUTES)
    try:
        when = datetime.fromisoformat(expires.replace("Z", "+00:00")) if dataintegrity.DATETIME.match(expires) else None
    except ValueError:  # 2026-13-45T…: the form of a date, not a date
        when = None
    if when is None:
        raise InvalidInput(
            "expires must be an XML Schema dateTime such as 2026-11-23T10:00:00Z.", code="invalid_expiry"
        )
    if not now < when <= now + timedelta(minutes=MAX_MINUTES):
        raise InvalidInput("expires must be in the future, at most a day from now.", code="invalid_expiry")
    return when


def _new(
    db: Session, organisation: Organisation, workflow: str, variables: dict[str, Any], expires: datetime
) -> tuple[Exchange, str]:
    exchange_id = secrets.token_urlsafe(32)
    row = Exchange(
        id_hash=_hash(exchange_id),
        organisation_id=organisation.id,
        workflow=workflow,
        state="pending",
        sequence=0,
        challenge=secrets.token_urlsafe(24),
        variables=variables,
        expires_at=expires,
    )
    db.add(row)
    db.flush()
    return row, exchange_id


def create(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    workflow: str,
    variables: dict[str, Any],
    *,
    expires: str | None,
    base_url: str,
) -> Made:
    """A new exchange of the `issue` or `verify` workflow (a `claim` one comes from a claim link)."""
    if _workflow(workflow) == "claim":
        raise InvalidInput("Claim exchanges are made from a claim link, not by a token.", code="invalid_workflow")
    if workflow == "issue":
        kept = _issue_variables(db, organisation, variables, base_url)
    else:
        kept = _verify_variables(variables)
    row, exchange_id = _new(db, organisation, workflow, kept, _expiry(expires))
    audit.record(
        db,
        actor,
        "exchange.created",
        object_type="exchange",
        object_id=row.id_hash[:16],
        organisation=organisation,
        summary=f"New {workflow} exchange, expires {row.expires_at:%Y-%m-%d %H:%M} UTC",
    )
    return _made(base_url, row, exchange_id)


def _issue_variables(
    db: Session, organisation: Organisation, variables: dict[str, Any], base_url: str
) -> dict[str, Any]:
    credential = variables.get("credential")
    if not isinstance(credential, dict):
        raise InvalidInput("variables.credential must be the credential to issue.", code="invalid_credential")
    instance = variables.get("issuer")
    if instance is not None and not isinstance(instance, str):
        raise InvalidInput("variables.issuer must be an issuer instance id.", code="invalid_credential")
    suite = variables.get("cryptosuite")
    if suite is not None and not isinstance(suite, str):
        raise InvalidInput("variables.cryptosuite must be a cryptosuite's name.", code="invalid_credential")
    # Checked now, as it would be issued to a DID: a credential that could not be issued makes no exchange.
    if instance is not None:
        identity = identities.instance_identity(
            db, organisation, identities.find_instance(db, organisation, instance), base_url
        )
    else:
        identity = identities.identity_of(db, organisation, vcapi.issuer_of(credential), base_url)
    identities.suite_for(identity, suite, None)
    credentials.check_credential(_bound(credential, "did:example:wallet"), identity.did)
    if "credentialStatus" in credential or "proof" in credential:
        raise InvalidInput("Send the credential without credentialStatus or proof.", code="invalid_credential")
    return {"credential": credential, "issuer": instance, "cryptosuite": suite}


def _verify_variables(variables: dict[str, Any]) -> dict[str, Any]:
    wanted = variables.get("type")
    if not isinstance(wanted, str) or not 1 <= len(wanted) <= 100:
        raise InvalidInput("variables.type must name the credential type to ask for.", code="invalid_query")
    reason = variables.get("reason", f"Please present your {wanted}.")
    if not isinstance(reason, str) or len(reason) > 300:
        raise InvalidInput("variables.reason must be a sentence of at most 300 characters.", code="invalid_query")
    issuers = variables.get("acceptedIssuers", [])
    if not isinstance(issuers, list) or len(issuers) > 20 or not all(isinstance(i, str) for i in issuers):
        raise InvalidInput("variables.acceptedIssuers must be a list of issuer ids.", code="invalid_query")
    return {"type": wanted, "reason": reason, "acceptedIssuers": issuers}


def from_claim_link(db: Session, token: str, *, base_url: str) -> Made:
    """A `claim` exchange for the award a live claim link is for (whoever holds the link may make one)."""
    row = claims.open_link(db, token)
    organisation = db.get(Organisation, row.organisation_id)
    assert organisation is not None
    exchange, exchange_id = _new(db, organisation, "claim", {"award": str(row.id)}, _expiry(None))
    return _made(base_url, exchange, exchange_id)


def _bound(credential: dict[str, Any], did: str) -> dict[str, Any]:
    """The credential with its subject (the first, if several) named as the DID."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        first = subject[0] if subject and isinstance(subject[0], dict) else {}
        return {**credential, "credentialSubject": [{**first, "id": did}, *subject[1:]]}
    return {**credential, "credentialSubject": {**(subject if isinstance(subject, dict) else {}), "id": did}}


# The wallet's side ------------------------------------------------------------------------------------------


def _live(db: Session, workflow: str, exchange_id: str) -> Exchange:
    row = db.get(Exchange, _hash(exchange_id)) if 20 <= len(exchange_id) <= 100 else None
    if row is None or row.workflow != _workflow(workflow):
        raise NotFound("There is no such exchange: check the address you were given.", code="exchange_not_found")
    if row.state in ("complete", "invalid"):
        raise InvalidInput(
            "This exchange is complete: each one is used once. Ask for a new one.", code="exchange_complete"
        )
    if row.expires_at <= utcnow():
        raise InvalidInput(
            f"This exchange expired at {row.expires_at:%Y-%m-%d %H:%M} UTC. Ask for a new one.",
            code="exchange_expired",
        )
    return row


def request_of(row: Exchange, base_url: str) -> dict[str, Any]:
    """The Verifiable Presentation Request the exchange makes of the wallet."""
    query: list[dict[str, Any]] = [
        {
            "type": "DIDAuthentication",
            "acceptedMethods": [{"method": "key"}, {"method": "web"}],
            "acceptedCryptosuites": [{"cryptosuite": suite} for suite in dataintegrity.SUITES],
        }
    ]
    if row.workflow == "verify":
        example: dict[str, Any] = {"@context": [V2], "type": row.variables["type"]}
        credential_query: dict[str, Any] = {"reason": row.variables["reason"], "example": example}
        if row.variables.get("acceptedIssuers"):
            credential_query["acceptedIssuers"] = [{"issuer": i} for i in row.variables["acceptedIssuers"]]
        credential_query["acceptedCryptosuites"] = [{"cryptosuite": suite} for suite in dataintegrity.SUITES]
        query.append({"type": "QueryByExample", "credentialQuery": credential_query})
    return {"query": query, "challenge": row.challenge, "domain": _origin(base_url)}


def participate(
    db: Session,
    workflow: str,
    exchange_id: str,
    message: dict[str, Any],
    *,
    sources: checks.Sources,
    base_url: str,
    master: bytes,
    ip: str | None = None,
) -> dict[str, Any]:
    """The server's answer to the wallet's message: the request (for `{}`), or, for a presentation that answers
    it, the credential issued (issue, claim) or `{}` once the presentation is verified and recorded (verify)."""
    row = _live(db, workflow, exchange_id)
    presentation = message.get("verifiablePresentation")
    if presentation is None:
        if row.state == "pending":
            row.state = "active"
            row.sequence += 1
            db.flush()
        return {"verifiablePresentationRequest": request_of(row, base_url)}
    if isinstance(presentation, list):
        presentation = presentation[0] if len(presentation) == 1 else None
    if not isinstance(presentation, dict):
        raise InvalidInput(
            "verifiablePresentation must be one presentation (a JSON object).", code="invalid_presentation"
        )
    try:
        document = checks.bounded(presentation)
    except TrustError as error:
        raise InvalidInput(f"The presentation was refused: {error}", code="invalid_presentation") from None
    report, reports = checks.verify_presentation(document, sources, challenge=row.challenge, domain=_origin(base_url))
    failed = next((c for c in report.checks if c.outcome == checks.Outcome.ERROR), None)
    owner = next((c for c in report.checks if c.name == "OWNER"), None)
    if failed is not None or owner is None or owner.outcome != checks.Outcome.OK:
        why = (
            failed.sentence
            if failed is not None
            else f"The presentation was refused: {owner.sentence}"
            if owner is not None
            else "The presentation is not signed by its holder, as was asked."
        )
        raise InvalidInput(f"The presentation was refused: {why}", code="presentation_refused")
    holder = _holder(document)
    # Complete it now, before any work: a second answer racing this one finds it complete (one row, one update).
    taken = db.execute(
        update(Exchange)
        .where(Exchange.id_hash == row.id_hash, Exchange.state.in_(("pending", "active")))
        .values(state="complete", sequence=Exchange.sequence + 1, completed_at=utcnow(), holder=holder[:300])
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise InvalidInput(
            "This exchange is complete: each one is used once. Ask for a new one.", code="exchange_complete"
        )
    db.refresh(row)
    organisation = db.get(Organisation, row.organisation_id)
    assert organisation is not None
    actor = Actor(user=None, label=f"wallet {holder[:80]}", ip=ip)
    if row.workflow == "verify":
        row.result = _verification(row, document, report, reports)
        db.flush()
        return {}
    if row.workflow == "issue":
        variables = row.variables
        issued = vcapi.issue(
            db,
            actor,
            organisation,
            _bound(variables["credential"], holder),
            base_url=base_url,
            master=master,
            cryptosuite=variables.get("cryptosuite"),
            instance_id=variables.get("issuer"),
        )
        signed = issued.credential
    else:
        signed = _claim(db, actor, organisation, row, holder, base_url=base_url, master=master)
    row.result = {"credentialId": signed.get("id"), "holder": holder}
    db.flush()
    return {
        "verifiablePresentation": {
            "@context": [V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [signed],
        }
    }


def note_error(db: Session, workflow: str, exchange_id: str, why: str) -> None:
    """Keep why the wallet's last message was refused, for the organisation to read (an exchange still open)."""
    row = db.get(Exchange, _hash(exchange_id)) if 20 <= len(exchange_id) <= 100 else None
    if row is not None and row.workflow == workflow and row.state in ("pending", "active"):
        row.last_error = why[:500]
        db.flush()


def _holder(document: dict[str, Any]) -> str:
    """The DID that signed the presentation (its holder, when it names one: the OWNER check tied them)."""
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if isinstance(holder, str):
        return holder
    proof = as_list(document.get("proof"))[0]
    return str(proof.get("verificationMethod", "")).split("#", 1)[0]


def _verification(
    row: Exchange, document: dict[str, Any], report: checks.Report, reports: list[checks.Report]
) -> dict[str, Any]:
    wanted = row.variables["type"]
    matching = [r for r in reports if r.credential is not None and wanted in as_list(r.credential.get("type"))]
    accepted = row.variables.get("acceptedIssuers") or []
    problems = []
    if not matching:
        problems.append(f"No {wanted} was presented.")
    elif accepted and not any(r.issuer in accepted for r in matching):
        problems.append(f"No {wanted} from an accepted issuer was presented.")
    verified = report.valid and bool(matching) and not problems and all(r.valid for r in matching)
    return {
        "verified": verified,
        "problems": problems,
        "presentationResult": report.as_dict(),
        "credentialResults": [r.as_dict() for r in reports],
        "verifiablePresentation": document,
    }


def _claim(
    db: Session, actor: Actor, organisation: Organisation, row: Exchange, holder: str, *, base_url: str, master: bytes
) -> dict[str, Any]:
    """The award bound to the holder's DID, signed again by the organisation's key with the same status entries;
    its claim link is used up."""
    award = db.get(IssuedCredential, uuid.UUID(row.variables["award"]))
    if award is None:
        raise NotFound("The credential of this claim is no longer here.", code="credential_not_found")
    state = claims.state_of(db, award)
    if state.kind not in (claims.Link.LIVE,):
        raise InvalidInput(claims.refusal(award, state), code="claim_used")
    unsigned = {k: v for k, v in award.document.items() if k != "proof"}
    suite = next((p.get("cryptosuite") for p in as_list(award.document.get("proof")) if isinstance(p, dict)), None)
    signer = credentials.Signer(
        db, actor, organisation, str(suite or credentials.DEFAULT_SUITE), base_url=base_url, master=master
    )
    signed = signer.sign(_bound(unsigned, holder), as_list=True)
    claims.use_up(award)
    audit.record(
        db,
        actor,
        "credential.claimed",
        object_type="credential",
        object_id=f"urn:uuid:{award.id}",
        organisation=organisation,
        summary=f"Claimed into a wallet by {holder[:80]} (VCALM exchange)",
        holder=holder[:300],
    )
    return signed


# The organisation's side --------------------------------------------------------------------------------------


def find(db: Session, organisation: Organisation, workflow: str, exchange_id: str) -> Exchange:
    """The organisation's exchange; another organisation's, or none, alike NotFound."""
    row = db.get(Exchange, _hash(exchange_id)) if 20 <= len(exchange_id) <= 100 else None
    if row is None or row.organisation_id != organisation.id or row.workflow != _workflow(workflow):
        raise NotFound("There is no such exchange.", code="exchange_not_found")
    return row


def state_of(row: Exchange, exchange_id: str) -> dict[str, Any]:
    """The exchange as VCALM's GetExchangeResponse says it: state, sequence, expiry, and what the step found."""
    expired = row.state in ("pending", "active") and row.expires_at <= utcnow()
    state: dict[str, Any] = {
        "id": exchange_id,
        "sequence": row.sequence,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "step": row.workflow,
        "state": "invalid" if expired else row.state,
    }
    if row.last_error:
        state["lastError"] = {"type": "about:blank", "title": row.last_error}
    if row.result is not None:
        state["variables"] = {"results": {row.workflow: {"did": row.holder, **row.result}}}
    return state
