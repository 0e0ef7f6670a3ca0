"""REVOCATION: a credential's Bitstring Status List entries (the list believed only when its issuer is the
credential's and its proof holds), or the EDC profile's one status URL answering an award's state."""

from __future__ import annotations

from typing import Any

from microcred.trust import TrustError, statuslist
from microcred.trust.jsonld import as_list
from microcred.verify.checks import Check, Outcome, Sources, Unreachable, Verdict, issuer_id
from microcred.verify.proofs import proof_checks


def status_check(credential: dict[str, Any], sources: Sources) -> Check:
    given = credential.get("credentialStatus")
    url = given.get("@value") if isinstance(given, dict) and "@value" in given else given
    if isinstance(url, str):  # the EDC profile's one status: a URL that answers the award's state
        return _award_status(url, sources)
    entries = [e for e in as_list(given) if isinstance(e, dict)]
    if not entries:
        return Check("REVOCATION", Outcome.SKIPPED, "The issuer gave this credential no way to revoke it.")
    seen = []
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
        try:
            set_bit = statuslist.status_of(entry, list_credential)
        except TrustError as error:
            return Check("REVOCATION", Outcome.ERROR, "The credential's status entry cannot be read.", str(error))
        purpose = entry.get("statusPurpose")
        if set_bit:
            sentence = (
                "The issuer has revoked this credential."
                if purpose == "revocation"
                else "The issuer has suspended this credential for now."
            )
            return Check(
                "REVOCATION", Outcome.ERROR, sentence, f"{purpose} bit set at {url}#{entry.get('statusListIndex')}"
            )
        seen.append(str(purpose))
    return Check(
        "REVOCATION",
        Outcome.OK,
        "The issuer has neither revoked nor suspended it."
        if "suspension" in seen
        else "The issuer has not revoked it.",
        ", ".join(f"{p}: not set" for p in seen),
    )


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
