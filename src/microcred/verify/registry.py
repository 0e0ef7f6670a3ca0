"""The registry of trusted issuers and what it says of a credential.

An issuer in the registry without accreditations is registered; with them it is accredited for what
their limits cover: dates, EQF levels, ISCED-F fields (a code covers the narrower codes under it),
jurisdictions (the issuer's country) and credential types. A credential outside every accreditation of
its issuer is an ERROR; an issuer the registry does not know is only a WARNING. Entries are imported and
exported as JSON, merged by identifier.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import plain
from microcred.accounts import audit
from microcred.accounts.principal import Actor
from microcred.design import vocab
from microcred.errors import InvalidInput
from microcred.store.base import utcnow
from microcred.trust.jsonld import as_list
from microcred.verify.checks import Trust
from microcred.verify.models import TrustedIssuer
from microcred.verify.schemas import RegistryEntry
from microcred.verify.seals import Sealer

MAX_ENTRIES = 10_000


def parse_entries(data: Any) -> list[RegistryEntry]:
    """Entries from imported JSON (a list, or {"issuers": [...]}); every problem named, by entry."""
    items = data.get("issuers") if isinstance(data, dict) else data
    if not isinstance(items, list) or len(items) > MAX_ENTRIES:
        raise InvalidInput(
            f"The registry file must be a list of at most {MAX_ENTRIES:,} issuers.", code="invalid_registry"
        )
    entries, problems = [], []
    for number, item in enumerate(items, start=1):
        try:
            entries.append(RegistryEntry.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            said = plain.sentence(first) if first.get("loc") else "It is not a JSON object with the issuer's fields."
            problems.append(plain.after(f"Issuer {number}, ", said))
    if problems:
        more = len(problems) - 10
        shown = [
            *problems[:10],
            *([f"There {'is 1 more problem' if more == 1 else f'are {more} more problems'}."] if more > 0 else []),
        ]
        raise InvalidInput("Nothing was imported. " + " ".join(shown), code="invalid_registry", problems=problems)
    return entries


def import_entries(db: Session, actor: Actor, entries: list[RegistryEntry]) -> int:
    """Add or replace each issuer by its identifier; how many were written."""
    for entry in entries:
        row = db.scalar(select(TrustedIssuer).where(TrustedIssuer.identifier == entry.identifier))
        if row is None:
            row = TrustedIssuer(identifier=entry.identifier)
            db.add(row)
        row.name = entry.name
        row.accreditations = [a.model_dump(mode="json") for a in entry.accreditations]
        row.updated_at = utcnow()
    db.flush()
    audit.record(
        db,
        actor,
        "registry.imported",
        object_type="trusted_issuers",
        object_id=f"{len(entries)} issuers",
        summary=f"Imported {len(entries)} trusted issuers",
    )
    return len(entries)


def export(db: Session) -> list[dict[str, Any]]:
    rows = db.scalars(select(TrustedIssuer).order_by(TrustedIssuer.name, TrustedIssuer.identifier))
    return [{"identifier": r.identifier, "name": r.name, "accreditations": r.accreditations} for r in rows]


# What the registry says of a credential ------------------------------------------------------------------


def facts(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential's EQF level, ISCED-F field, issuer country, types and date of issue, where it says."""
    found: dict[str, Any] = {"types": {t for t in as_list(credential.get("type")) if isinstance(t, str)}}
    when = credential.get("validFrom") or credential.get("issuanceDate") or credential.get("issued")
    if isinstance(when, str):
        with contextlib.suppress(ValueError):
            found["issued"] = datetime.fromisoformat(when.replace("Z", "+00:00")).date()
    first = next(iter(as_list(credential.get("credentialSubject"))), None)
    subject: dict[str, Any] = first if isinstance(first, dict) else {}
    achievement = subject.get("achievement")
    if isinstance(achievement, dict):  # Open Badges 3.0
        for alignment in as_list(achievement.get("alignment")):
            if not isinstance(alignment, dict):
                continue
            if alignment.get("targetType") == "ext:EQF":
                level = re.search(r"[1-8]", str(alignment.get("targetCode") or alignment.get("targetUrl") or ""))
                found["eqf"] = int(level.group()) if level else None
            elif alignment.get("targetType") == "ext:ISCED-F":
                found["field"] = str(alignment.get("targetCode") or "")
        issuer = credential.get("issuer")
        address = issuer.get("address") if isinstance(issuer, dict) else None
        if isinstance(address, dict) and isinstance(address.get("addressCountryCode"), str):
            found["country"] = address["addressCountryCode"].upper()
    claim = next(iter(as_list(subject.get("hasClaim"))), None)
    if isinstance(claim, dict):  # ELM
        specified = claim.get("specifiedBy")
        qualification: dict[str, Any] = specified if isinstance(specified, dict) else {}
        eqf = str((qualification.get("eqfLevel") or {}).get("id", ""))
        eqf_level = vocab.eqf_from_uri(eqf)
        if eqf_level is not None:
            found["eqf"] = eqf_level
        area = next(iter(as_list(qualification.get("thematicArea"))), None)
        if isinstance(area, dict):
            found["field"] = str(area.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
        named = credential.get("issuer")
        organisation: dict[str, Any] = named if isinstance(named, dict) else {}
        location = next(iter(as_list(organisation.get("location"))), None)
        code = ((location or {}).get("address") or {}).get("countryCode") if isinstance(location, dict) else None
        if isinstance(code, dict) and code.get("id"):
            found["country"] = vocab.country_from_uri(str(code["id"])) or None
    return found


def _outside(accreditation: dict[str, Any], facts: dict[str, Any]) -> str | None:
    """Why the credential falls outside this accreditation, or None when it is covered."""
    issued = facts.get("issued")
    if accreditation.get("valid_from") and (issued is None or issued < date.fromisoformat(accreditation["valid_from"])):
        return f"it was issued before the accreditation began ({accreditation['valid_from']})"
    if accreditation.get("valid_until") and (
        issued is None or issued > date.fromisoformat(accreditation["valid_until"])
    ):
        return f"it was issued after the accreditation ended ({accreditation['valid_until']})"
    if accreditation.get("eqf_levels") and facts.get("eqf") not in accreditation["eqf_levels"]:
        return f"its EQF level ({facts.get('eqf') or 'not stated'}) is not one the accreditation covers"
    field = str(facts.get("field") or "")
    if accreditation.get("fields") and not any(field.startswith(code) for code in accreditation["fields"]):
        return f"its field ({field or 'not stated'}) is not one the accreditation covers"
    if accreditation.get("jurisdictions") and facts.get("country") not in accreditation["jurisdictions"]:
        return f"its issuer's country ({facts.get('country') or 'not stated'}) is outside the accreditation"
    types = accreditation.get("credential_types")
    if types and not set(types) & facts["types"]:
        return "it is not a type of credential the accreditation covers"
    return None


SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def x509_identifiers(sealer: Sealer) -> list[str]:
    """The registry identifiers a seal answers to, most specific first: its certificate's fingerprint
    ("sha256:<hex>"), and only when its chain validated to an anchor of a trusted list or the operator's (never
    one of our organisations' certificates, which an organisation's admin chose), its subject under that anchor
    ("sha256:<anchor hex>/<subject>") or its subject alone (RFC 4514, as the certificate writes it)."""
    found = [str(sealer)]
    if sealer.anchor is not None and sealer.anchor.organisation is None:
        found += [f"sha256:{sealer.anchor.fingerprint}/{sealer.subject}", sealer.subject]
    return found


def _x509(identifier: str) -> bool:
    """Whether a registry identifier names an X.509 seal (a fingerprint or a subject), not a DID or address."""
    return identifier.startswith("sha256:") or not SCHEME.match(identifier)


def trust_of(db: Session, issuer: str, credential: dict[str, Any]) -> Trust | None:
    """What the registry says of the issuer: a seal (a Sealer) by its certificate, never by a subject alone on a
    chain to no anchor; anything else by its identifier, never an X.509 entry (a string is not a certificate)."""
    if isinstance(issuer, Sealer):
        wanted = x509_identifiers(issuer)
        listed = db.scalars(select(TrustedIssuer).where(TrustedIssuer.identifier.in_(wanted)))
        rows = {r.identifier: r for r in listed}
        row = next((rows[w] for w in wanted if w in rows), None)
    elif _x509(issuer):
        row = None
    else:
        row = db.scalar(select(TrustedIssuer).where(TrustedIssuer.identifier == issuer))
    if row is None:
        return None
    if not row.accreditations:
        return Trust(row.name, accredited=False)
    known = facts(credential)
    reasons = [_outside(accreditation, known) for accreditation in row.accreditations]
    if any(reason is None for reason in reasons):
        return Trust(row.name, accredited=True)
    return Trust(row.name, accredited=False, problem=f"{row.name} is accredited, but not for this: {reasons[0]}.")
