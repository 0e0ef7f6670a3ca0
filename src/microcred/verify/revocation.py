"""REVOCATION: a credential's Bitstring Status List entries (the list believed only when its issuer is the
credential's and its proof holds), or the EDC profile's one status URL answering an award's state."""

from __future__ import annotations

from typing import Any

from microcred.trust import TrustError, statuslist
from microcred.trust.jsonld import as_list
from microcred.verify.checks import Check, Outcome, Sources, Unreachable, Verdict, date_of, issuer_id
from microcred.verify.proofs import proof_checks


def status_check(credential: dict[str, Any], sources: Sources) -> Check:
    given = credential.get("credentialStatus")
    url = given.get("@value") if isinstance(given, dict) and "@value" in given else given
    if isinstance(url, str):  # the EDC profile's one status: a URL that answers the award's state
        return _award_status(url, sources)
    entries = [e for e in as_list(given) if isinstance(e, dict)]
    if not entries:
        return Check("REVOCATION", Outcome.SKIPPED, "The issuer gave this credential no way to revoke it.")
    seen: list[str] = []
    notes: list[str] = []
    for entry in entries:
        if entry.get("type") != "BitstringStatusListEntry":
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                "The credential's revocation status is kept in a way microcred cannot read: whether it was "
                "revoked is unknown.",
                f"credentialStatus type {str(entry.get('type'))[:80]!r}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        url = entry.get("statusListCredential")
        try:
            list_credential = sources.status_list(url) if isinstance(url, str) else None
        except Unreachable as error:
            list_credential, why = None, f": {error}"
        else:
            why = ""
        if list_credential is None:
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                "The issuer's revocation list could not be reached: whether it was revoked is unknown.",
                f"STATUS_RETRIEVAL_ERROR (Bitstring Status List): {str(url)[:200]}{why}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        problem = _list_problem(list_credential, credential, sources)
        if problem:
            return Check("REVOCATION", Outcome.ERROR, "The issuer's revocation list cannot be trusted.", problem)
        stale = _stale(list_credential, sources)
        if stale:
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                "The issuer's revocation list is out of date: whether it was revoked is unknown.",
                f"STATUS_VERIFICATION_ERROR: {stale}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        try:
            value = statuslist.value_of(entry, list_credential)
        except TrustError as error:
            return Check("REVOCATION", Outcome.ERROR, "The credential's status entry cannot be read.", str(error))
        purpose = str(entry.get("statusPurpose"))
        where = f"{url}#{entry.get('statusListIndex')}"
        if value and purpose in ("revocation", "suspension"):
            sentence = (
                "The issuer has revoked this credential."
                if purpose == "revocation"
                else "The issuer has suspended this credential for now."
            )
            return Check("REVOCATION", Outcome.ERROR, sentence, f"{purpose} bit set at {where}")
        if purpose in ("revocation", "suspension"):
            seen.append(purpose)
        elif purpose == "message":
            message = statuslist.message_of(entry, value)
            if message is None:
                return Check(
                    "REVOCATION",
                    Outcome.ERROR,
                    "The credential's status entry cannot be read.",
                    f"status {value:#x} at {where} has no statusMessage",
                )
            notes.append(f"message: {message[:200]}")
        elif purpose == "refresh":
            notes.append("refresh: the issuer has a newer version of it" if value else "refresh: not set")
        elif value:
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                f"The issuer set a status microcred does not know ({purpose[:40]!r}): what it means is unknown.",
                f"{purpose[:80]} status {value:#x} at {where}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        else:
            notes.append(f"{purpose[:80]}: not set")
    return Check(
        "REVOCATION",
        Outcome.OK,
        _sentence(seen, notes),
        ", ".join([*(f"{p}: not set" for p in seen), *notes]),
    )


def _sentence(seen: list[str], notes: list[str]) -> str:
    if "revocation" in seen:
        return (
            "The issuer has neither revoked nor suspended it."
            if "suspension" in seen
            else "The issuer has not revoked it."
        )
    if "suspension" in seen:
        return "The issuer has not suspended it."
    messages = [note.removeprefix("message: ") for note in notes if note.startswith("message: ")]
    if messages:
        return "The issuer's status for it: " + "; ".join(messages)
    return "The issuer's status list sets nothing for it."


def _stale(list_credential: dict[str, Any], sources: Sources) -> str | None:
    """Why the list is not current: its validity period has ended or not begun."""
    now = sources.now()
    until = date_of(list_credential.get("validUntil") or list_credential.get("expirationDate"))
    if until is not None and until < now:
        return f"the status list credential expired at {until.isoformat()}"
    since = date_of(list_credential.get("validFrom") or list_credential.get("issuanceDate"))
    if since is not None and since > now:
        return f"the status list credential is valid only from {since.isoformat()}"
    return None


def _award_status(url: str, sources: Sources) -> Check:
    answer = sources.award_status(url)
    if answer is None:
        return Check(
            "REVOCATION",
            Outcome.WARNING,
            "The issuer's status service could not be reached: whether it was revoked is unknown.",
            f"STATUS_RETRIEVAL_ERROR: {url[:200]}",
            verdict=Verdict.STATUS_UNKNOWN,
        )
    if answer.get("revoked"):
        return Check("REVOCATION", Outcome.ERROR, "The issuer has revoked this credential.", url[:200])
    if answer.get("suspended"):
        return Check("REVOCATION", Outcome.ERROR, "The issuer has suspended this credential for now.", url[:200])
    return Check("REVOCATION", Outcome.OK, "The issuer has neither revoked nor suspended it.", url[:200])


def _list_problem(list_credential: dict[str, Any], credential: dict[str, Any], sources: Sources) -> str | None:
    """Why a status list credential is not to be believed (not the issuer's, or its proof fails)."""
    if issuer_id(list_credential) != issuer_id(credential):
        return "The status list was issued by someone else than the credential's issuer."
    check = proof_checks(list_credential, sources)
    return None if check.outcome == Outcome.OK else f"Its proof: {check.detail or check.sentence}"
