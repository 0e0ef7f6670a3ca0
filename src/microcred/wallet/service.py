"""A learner's wallet: credentials claimed (a claim link works once, into one wallet) or uploaded (only
well-formed credentials), shared by links the learner times and revokes, optionally without some facts
(the grade, say), with every opening of a link recorded for them to see, or as a W3C verifiable
presentation signed with the learner's own key for a verifier's challenge and domain; and everything
exported as a zip.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import LoginThrottle, Membership, Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.design.models import Edition
from microcred.errors import Conflict, InvalidInput, NotFound, Unavailable
from microcred.issuing import batch, claims, disclosure
from microcred.issuing.models import IssuedCredential
from microcred.store.base import new_id, utcnow
from microcred.trust import TrustError, dataintegrity, ecdsa_sd, keystore
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key
from microcred.verify import baked, checks
from microcred.wallet.models import HolderKey, ShareLink, ShareView, WalletCredential

MAX_SHARE_DAYS = 365
HIDEABLE = ("Grade", "Learner", "Awarded on", "Description", "Learning outcome")
MAX_CHALLENGE = 200
MAX_DOMAIN = 300
PRESENTATION_SUITE = "eddsa-rdfc-2022"
# Control characters, C1 included: a challenge or domain is one line of printable text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*\.?"
# A host name (employer.example) or an origin (https://employer.example:8443), as verifiers name themselves.
_DOMAIN = re.compile(rf"^(?:{_HOST}|https?://{_HOST}(?::\d{{1,5}})?)$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _describe(report: checks.Report) -> tuple[str, str]:
    facts = dict(checks.summary(report))
    # the name the credential gives its issuer, as written: the pages say whether it is confirmed
    return facts.get("Title", "Credential")[:300], (checks.declared_issuer(report) or str(report.issuer or "?"))[:300]


def held(db: Session, user: User) -> list[WalletCredential]:
    return list(
        db.scalars(
            select(WalletCredential)
            .where(WalletCredential.user_id == user.id)
            .order_by(WalletCredential.added_at.desc())
        )
    )


def find(db: Session, user: User, wallet_id: uuid.UUID) -> WalletCredential:
    found = db.get(WalletCredential, wallet_id)
    if found is None or found.user_id != user.id:
        raise NotFound("Your wallet holds no such credential.", code="wallet_credential_not_found")
    return found


def claim(db: Session, user: User, token: str) -> WalletCredential:
    """The award a claim link is for, added to the learner's wallet; the link then stops working."""
    issued = claims.open_link(db, token)
    if db.scalar(select(WalletCredential.id).where(WalletCredential.issued_credential_id == issued.id)):
        raise Conflict("This credential is already in a wallet.", code="already_claimed")
    report = checks.read(issued.document)  # ours, just issued: described, and checked whenever it is shown
    title, issuer = _describe(report)
    row = WalletCredential(
        user_id=user.id,
        issued_credential_id=issued.id,
        document=issued.elm_document or issued.document,
        kind=report.kind if not issued.elm_document else "elm",
        title=title,
        issuer_name=issuer,
        source="claim",
    )
    claims.use_up(issued)  # one time: the link is used up, and says where the credential went when opened again
    db.add(row)
    db.flush()
    return row


def upload(db: Session, user: User, raw: bytes) -> WalletCredential:
    """A credential the learner holds, if it is one (well formed); its proof is checked each time it is shown."""
    try:
        document = checks.parse(baked.carried(raw) or raw)  # a baked badge (PNG, SVG): the credential it carries
    except TrustError as error:
        raise InvalidInput(str(error), code="invalid_credential") from None
    report = checks.verify(document)
    if report.checks[0].outcome == checks.Outcome.ERROR:
        raise InvalidInput(f"This is not a credential: {report.checks[0].detail}", code="invalid_credential")
    title, issuer = _describe(report)
    row = WalletCredential(
        user_id=user.id, document=document, kind=report.kind, title=title, issuer_name=issuer, source="upload"
    )
    db.add(row)
    db.flush()
    return row


def remove(db: Session, user: User, wallet_id: uuid.UUID) -> None:
    db.delete(find(db, user, wallet_id))
    db.flush()


def share(db: Session, user: User, wallet_id: uuid.UUID, *, days: int, hidden: list[str]) -> tuple[str, ShareLink]:
    """A new share link (its token shown once) valid for `days`, without the `hidden` facts."""
    item = find(db, user, wallet_id)
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise InvalidInput(f"A share link lasts 1 to {MAX_SHARE_DAYS} days.", code="invalid_share")
    unknown = [name for name in hidden if name not in HIDEABLE]
    if unknown:
        raise InvalidInput(
            f"{unknown[0][:40]!r} cannot be hidden: choose from {', '.join(HIDEABLE)}.", code="invalid_share"
        )
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        wallet_credential_id=item.id, token_hash=_hash(token), hidden=hidden, expires_at=utcnow() + timedelta(days=days)
    )
    db.add(link)
    db.flush()
    return token, link


def shares(db: Session, user: User, wallet_id: uuid.UUID) -> list[tuple[ShareLink, list[ShareView]]]:
    item = find(db, user, wallet_id)
    links = db.scalars(
        select(ShareLink).where(ShareLink.wallet_credential_id == item.id).order_by(ShareLink.created_at.desc())
    )
    return [
        (link, list(db.scalars(select(ShareView).where(ShareView.share_id == link.id).order_by(ShareView.viewed_at))))
        for link in links
    ]


def revoke_share(db: Session, user: User, share_id: uuid.UUID) -> ShareLink:
    link = db.get(ShareLink, share_id)
    owner = db.get(WalletCredential, link.wallet_credential_id) if link else None
    if link is None or owner is None or owner.user_id != user.id:
        raise NotFound("You have no such share link.", code="share_not_found")
    link.revoked_at = link.revoked_at or utcnow()
    db.flush()
    return link


def share_link(db: Session, token: str) -> ShareLink:
    """The live share link of a token; the same 404 whether unknown, expired or withdrawn."""
    link = db.scalar(select(ShareLink).where(ShareLink.token_hash == _hash(token))) if 20 <= len(token) <= 100 else None
    if link is None or link.revoked_at is not None or link.expires_at < utcnow():
        raise NotFound("This share link is not valid, has expired or was withdrawn.", code="share_not_found")
    return link


def open_share(db: Session, link: ShareLink, *, address: str | None, agent: str | None) -> WalletCredential:
    """What a share link shows, recording for the learner that it was opened, when and by what."""
    db.add(ShareView(share_id=link.id, address=(address or "")[:64] or None, agent=(agent or "")[:300] or None))
    db.flush()
    item = db.get(WalletCredential, link.wallet_credential_id)
    assert item is not None
    return item


@dataclass(frozen=True)
class Shared:
    """What a share link serves: the credential with the hidden facts its proof lets the holder leave out left
    out (`left_out`, for an ecdsa-sd-2023 credential), the others only hidden from view (`view_only`)."""

    document: dict[str, Any]
    left_out: list[str]
    view_only: list[str]
    disclosable: bool

    @property
    def downloadable(self) -> bool:
        """The file says nothing the holder chose to hide."""
        return not self.view_only


def checkable(item: WalletCredential) -> dict[str, Any]:
    """The credential as its holder checks it: with an ecdsa-sd-2023 base proof, which verifiers refuse (it is
    the holder's to derive from), a disclosure of everything derived from it; else the credential itself."""
    return disclosure.full_disclosure(item.document)


def shared(item: WalletCredential, hidden: list[str]) -> Shared:
    """The credential a share link with these hidden facts serves (derived anew: the derivation is
    deterministic, so every opening serves the same document)."""
    if not disclosure.disclosable(item.document):
        return Shared(item.document, [], list(hidden), False)
    left_out = [name for name in hidden if name in disclosure.FACTS]
    try:
        document = disclosure.disclose(item.document, left_out)
    except TrustError:  # a base proof that does not fit its credential: the verdict will say it is broken
        return Shared(item.document, [], list(hidden), False)
    return Shared(document, left_out, [name for name in hidden if name not in left_out], True)


def derive_credential(document: dict[str, Any], selective_pointers: list[str]) -> dict[str, Any]:
    """A disclosure of what the credential's ecdsa-sd-2023 base proof makes mandatory and what the selective
    pointers select, with a derived proof (the VC-API's holder `derive`)."""
    try:
        return ecdsa_sd.derive(checks.bounded(document), selective_pointers)
    except TrustError as error:
        raise InvalidInput(str(error), code="invalid_credential") from None


# Presentations ------------------------------------------------------------------------------------------


def holder_key(db: Session, user: User, master: bytes) -> Ed25519Key:
    """The learner's holder key with its private part, made on first use. Only signing sees the private
    part: it is never logged, returned or exported."""
    row = db.scalar(select(HolderKey).where(HolderKey.user_id == user.id)) or _new_holder_key(db, user, master)
    try:
        secret = keystore.unseal(row.private_sealed, master, str(row.id)).decode()
    except TrustError as error:
        raise Unavailable(str(error), code="master_key_wrong") from None
    return Ed25519Key.from_multibase(row.public_multibase, secret)


def _new_holder_key(db: Session, user: User, master: bytes) -> HolderKey:
    """A fresh Ed25519 key for the learner, sealed under the master key and bound to its row's id; when the
    learner's other request made one in the same instant, that one (a learner has one key)."""
    generated = Ed25519Key.generate()
    row = HolderKey(id=new_id(), user_id=user.id, public_multibase=generated.public_multibase)
    row.private_sealed = keystore.seal(generated.private_multibase.encode(), master, str(row.id))
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        won = db.scalar(select(HolderKey).where(HolderKey.user_id == user.id))
        if won is None:
            raise
        return won
    return row


def presentable(item: WalletCredential) -> bool:
    """Whether the credential can go into a presentation: one secured by a Data Integrity proof can. A sealed
    ELM credential (JAdES JSON) cannot: carried as it is, its fields are not JSON-LD and drop out of what the
    holder signs, so the holder's proof would not cover it, and VC 2.0's enveloped form for it is not one
    our verifier reads."""
    document = item.document
    return "proof" in document and not ("payload" in document and "signatures" in document)


def _challenge(value: str) -> str:
    """The verifier's challenge as they gave it (only spacing around it trimmed): the proof must repeat it."""
    text = value.strip()
    if _CONTROL.search(text):
        raise InvalidInput(
            "The challenge contains control characters: copy it from the verifier as one line of text.",
            code="invalid_challenge",
        )
    if not 1 <= len(text) <= MAX_CHALLENGE:
        raise InvalidInput(
            f"The challenge is required (the verifier gives it to you) and has at most {MAX_CHALLENGE} characters.",
            code="invalid_challenge",
        )
    return text


def _domain(value: str) -> str:
    """The verifier's domain as they gave it: a host name or an origin, which their check compares exactly."""
    text = value.strip()
    if not text:
        raise InvalidInput("The domain is required: the verifier's site, as they gave it.", code="invalid_domain")
    if len(text) > MAX_DOMAIN or _CONTROL.search(text) or not _DOMAIN.fullmatch(text):
        raise InvalidInput(
            "The domain must be the verifier's host name (employer.example) or origin (https://employer.example).",
            code="invalid_domain",
        )
    return text


def present(
    db: Session, user: User, wallet_ids: list[uuid.UUID], *, challenge: str, domain: str, master: bytes
) -> dict[str, Any]:
    """A W3C verifiable presentation of the chosen credentials, as stored (one with an ecdsa-sd-2023 base proof
    as a full disclosure), signed by the learner's holder key (`authentication`) for the verifier's challenge
    and domain, so that it cannot be replayed to another verifier or for another request."""
    asked = {"challenge": _challenge(challenge), "domain": _domain(domain)}
    items = [find(db, user, wallet_id) for wallet_id in dict.fromkeys(wallet_ids)]
    if not items:
        raise InvalidInput("Choose at least one credential to present.", code="invalid_presentation")
    if len(items) > checks.MAX_PRESENTED:
        raise InvalidInput(
            f"A presentation carries at most {checks.MAX_PRESENTED} credentials (verifiers refuse more): choose fewer.",
            code="invalid_presentation",
        )
    for item in items:
        if not presentable(item):
            raise InvalidInput(
                f"{item.title[:80]!r} is not signed with a Data Integrity proof (it is sealed, or has no proof): "
                "share it by link instead.",
                code="not_presentable",
            )
    key = holder_key(db, user, master)
    for item in items:
        named = checks.subject_ids(item.document)
        if named and key.did not in named:
            raise InvalidInput(
                f"{item.title[:80]!r} names its holder as {named[0][:80]}, not your wallet's key: a verifier "
                "would refuse the presentation as made by someone else.",
                code="not_presentable",
            )
    unsigned = {
        "@context": [checks.V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": key.did,
        # an ecdsa-sd-2023 base proof is the holder's (it holds the HMAC key): a full disclosure goes instead
        "verifiableCredential": [checkable(item) for item in items],
    }
    try:
        return dataintegrity.add_proof(
            unsigned,
            key,
            suite=PRESENTATION_SUITE,
            created=dataintegrity.now(),
            proof_purpose="authentication",
            loader=document_loader(),
            extra=asked,
        )
    except TrustError as error:  # an uploaded credential our canonicalization cannot read
        raise InvalidInput(
            f"This credential cannot be put in a presentation: {error}", code="not_presentable"
        ) from None


def export_zip(db: Session, user: User) -> bytes:
    """Everything the wallet holds: each credential as issued, the share links and their openings, the profile."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        index: list[dict[str, Any]] = []
        for item in held(db, user):
            name = f"credentials/{item.id}.json"
            archive.writestr(name, json.dumps(item.document, indent=2, ensure_ascii=False))
            index.append(
                {
                    "file": name,
                    "title": item.title,
                    "issuer": item.issuer_name,
                    "source": item.source,
                    "added_at": _iso(item.added_at),
                    "shares": [
                        {
                            "created_at": _iso(link.created_at),
                            "expires_at": _iso(link.expires_at),
                            "revoked_at": _iso(link.revoked_at),
                            "hidden": link.hidden,
                            "opened": [_iso(view.viewed_at) for view in views],
                        }
                        for link, views in shares(db, user, item.id)
                    ],
                }
            )
        archive.writestr("credentials.json", json.dumps(index, indent=2, ensure_ascii=False))
        profile = {"name": user.display_name, "email": user.email, "exported_at": _iso(utcnow())}
        archive.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False))
    return out.getvalue()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def check_erasable(db: Session, user: User) -> None:
    """Erasure is the learner's: someone who acts for an organisation, or published what others rely on, keeps
    their name on it. Refused with what stands in the way."""
    if user.is_platform_admin:
        raise Conflict("A platform admin cannot erase their own account.", code="not_erasable")
    staff = db.execute(
        select(Organisation.legal_name, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Membership.role != Role.LEARNER)
        .limit(1)
    ).first()
    if staff is not None:
        raise Conflict(
            f"You are {staff.role.label.lower()} at {staff.legal_name}: the audit log keeps who did what for an "
            "organisation, so ask its admin to remove you from it first, then erase your account.",
            code="not_erasable",
        )
    if db.scalar(select(Edition.specification_id).where(Edition.published_by == user.id).limit(1)) is not None:
        raise Conflict(
            "You published micro-credentials, whose editions name their publisher and never change: this account "
            "cannot be erased.",
            code="not_erasable",
        )


def erase(db: Session, user: User, elsewhere: Iterable[Callable[[Session, User], audit.Forgotten]] = ()) -> int:
    """Erase the learner, once `check_erasable` allows it: `elsewhere`, the other parts' erasures, run first (the
    wallet cannot import them); then their account, wallet, shares, holder key and profile go; the awards they
    claimed keep no name, email or copy of the credential here, nor do the issuance-run rows that issued them;
    the audit log keeps its events with the learner's emails, names and IP address taken out. The awards'
    status entries stay, so the issuer can still revoke them and verifiers still read their status. How many
    awards were blanked."""
    check_erasable(db, user)
    forgotten = audit.Forgotten()
    for forget in elsewhere:
        forgotten.add(forget(db, user))
    awards = [
        issued
        for item in held(db, user)
        if item.issued_credential_id is not None
        and (issued := db.get(IssuedCredential, item.issued_credential_id)) is not None
    ]
    forgotten.add(batch.forget_learners(db, awards))
    redacted = audit.redact(db, user_id=user.id, email=user.email, forgotten=forgotten)
    audit.record(
        db,
        Actor(user=None, label="the learner"),  # who asked is what was erased
        "user.erased",
        object_type="user",
        object_id=str(user.id),
        summary=f"A learner's personal data was erased at their request ({len(awards)} awards blanked, "
        f"{redacted} audit events redacted)",
    )
    db.execute(delete(LoginThrottle).where(LoginThrottle.email == user.email))
    # Deleted by name, not left to the foreign key's cascade: the key must go even where cascades are off.
    db.execute(delete(HolderKey).where(HolderKey.user_id == user.id))
    db.delete(user)
    db.flush()
    return len(awards)
