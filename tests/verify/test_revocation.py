"""REVOCATION: a credential's Bitstring Status List entries read from a list believed only when its issuer is the
credential's and its proof holds; an unknown way of keeping status, or a list out of reach, leaves the status
unknown (never valid); the EDC profile's one status URL answers an award's state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from microcred.trust import dataintegrity, statuslist
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key
from microcred.verify.checks import Outcome, Sources, Unreachable, Verdict
from microcred.verify.revocation import status_check

KEY = Ed25519Key.generate()
DID = f"did:key:{KEY.public_multibase}"
LIST = "https://issuer.example/status/1"


def signed_list(purpose: str = "revocation", *, set_at: int | None = None, issuer: str = DID) -> dict[str, Any]:
    bits = statuslist.new_bitstring()
    if set_at is not None:
        statuslist.set_bit(bits, set_at, True)
    document = statuslist.list_credential(
        list_url=LIST, issuer=issuer, purpose=purpose, bits=bits, valid_from="2026-01-01T00:00:00Z"
    )
    return dataintegrity.add_proof(
        document, KEY, verification_method=f"{DID}#{KEY.public_multibase}", loader=document_loader()
    )


def credential(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"issuer": {"id": DID}, "credentialStatus": list(entries)}


def entry(purpose: str = "revocation", index: int = 5) -> dict[str, Any]:
    return statuslist.entry(list_url=LIST, index=index, purpose=purpose)


def serving(document: dict[str, Any] | None) -> Sources:
    return Sources(status_list=lambda url: document if url == LIST else None)


def test_a_list_the_issuer_signed_says_whether_the_bit_is_set() -> None:
    held = status_check(credential(entry()), serving(signed_list()))
    assert (held.outcome, held.sentence, held.verdict) == (Outcome.OK, "The issuer has not revoked it.", None)
    assert held.detail == "revocation: not set"
    revoked = status_check(credential(entry()), serving(signed_list(set_at=5)))
    assert revoked.outcome == Outcome.ERROR and revoked.sentence == "The issuer has revoked this credential."
    assert revoked.detail == f"revocation bit set at {LIST}#5"
    assert status_check(credential(entry(index=6)), serving(signed_list(set_at=5))).outcome == Outcome.OK
    suspended = status_check(credential(entry("suspension")), serving(signed_list("suspension", set_at=5)))
    assert suspended.sentence == "The issuer has suspended this credential for now."


def test_a_list_by_someone_else_or_with_a_broken_proof_is_not_believed() -> None:
    stranger = status_check(credential(entry()), serving(signed_list(issuer="did:example:someone-else")))
    assert stranger.outcome == Outcome.ERROR and stranger.sentence == "The issuer's revocation list cannot be trusted."
    assert "someone else than the credential's issuer" in stranger.detail
    tampered = signed_list()
    tampered["credentialSubject"] = {
        **tampered["credentialSubject"],
        "encodedList": signed_list(set_at=9)["credentialSubject"]["encodedList"],
    }
    broken = status_check(credential(entry()), serving(tampered))
    assert broken.outcome == Outcome.ERROR and broken.detail.startswith("Its proof:")
    wrong_purpose = status_check(credential(entry()), serving(signed_list("suspension")))
    assert wrong_purpose.outcome == Outcome.ERROR and "another purpose" in wrong_purpose.detail


def test_a_status_out_of_reach_or_kept_another_way_is_unknown_never_valid() -> None:
    assert status_check({"issuer": DID}, Sources()).outcome == Outcome.SKIPPED
    other = status_check(credential({"type": "StatusList2021Entry"}), Sources())
    assert (other.outcome, other.verdict) == (Outcome.WARNING, Verdict.STATUS_UNKNOWN)
    assert "StatusList2021Entry" in other.detail
    missing = status_check(credential(entry()), serving(None))
    assert (missing.outcome, missing.verdict) == (Outcome.WARNING, Verdict.STATUS_UNKNOWN)
    assert missing.detail == f"STATUS_RETRIEVAL_ERROR (Bitstring Status List): {LIST}"

    def down(_url: str) -> dict[str, Any] | None:
        raise Unreachable("the site did not answer in time")

    unreachable = status_check(credential(entry()), Sources(status_list=down))
    assert unreachable.verdict == Verdict.STATUS_UNKNOWN and unreachable.detail.endswith(
        ": the site did not answer in time"
    )


def test_the_edc_profiles_status_url_answers_the_awards_state() -> None:
    url = "https://issuer.example/status/credentials/1"
    sealed = {"issuer": {"id": DID}, "credentialStatus": {"@value": url, "@type": "xsd:anyURI"}}
    answers: dict[str, dict[str, bool] | None] = {}

    def check() -> Any:
        return status_check(sealed, Sources(award_status=lambda asked: answers.get(asked)))

    assert (check().outcome, check().verdict) == (Outcome.WARNING, Verdict.STATUS_UNKNOWN)
    answers[url] = {"revoked": False, "suspended": False}
    assert check().outcome == Outcome.OK and check().sentence == "The issuer has neither revoked nor suspended it."
    answers[url] = {"revoked": False, "suspended": True}
    assert check().outcome == Outcome.ERROR and "suspended" in check().sentence
    answers[url] = {"revoked": True, "suspended": False}
    assert check().outcome == Outcome.ERROR and "revoked" in check().sentence
    assert status_check({**sealed, "credentialStatus": url}, Sources(award_status=lambda _u: answers[url])).outcome == (
        Outcome.ERROR
    )


def signed_by_hand(purpose: Any, raw: bytes, *, url: str = LIST, **fields: Any) -> dict[str, Any]:
    """A list credential for any purpose and entry size, its bitstring made by hand, signed by the issuer."""
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": statuslist.encode(raw),
        },
        **fields,
    }
    return dataintegrity.add_proof(
        document, KEY, verification_method=f"{DID}#{KEY.public_multibase}", loader=document_loader()
    )


MESSAGES_LIST = "https://issuer.example/status/messages"
MESSAGES = [{"status": f"0x{n:x}", "message": text} for n, text in enumerate(["valid", "pending", "late", "void"])]


def test_a_status_message_is_read_from_its_bits_and_told_not_taken_for_a_suspension() -> None:
    raw = bytearray(16_384)
    raw[0] = 0b0000_0010  # two-bit entries: index 3 is 0b10, "late"
    listed = serving(signed_by_hand("message", bytes(raw)))
    message = {**entry("message", 3), "statusSize": 2, "statusMessage": MESSAGES}
    told = status_check(credential(message), listed)
    assert (told.outcome, told.sentence, told.detail) == (
        Outcome.OK,
        "The issuer's status for it: late",
        "message: late",
    )
    assert status_check(credential({**message, "statusListIndex": "0"}), listed).sentence.endswith(": valid")
    # one-bit message entries without statusMessage: a set bit says nothing anyone can read
    bare = status_check(credential(entry("message", 6)), listed)
    assert bare.outcome == Outcome.ERROR and "has no statusMessage" in bare.detail
    # beside a revocation entry in another list: the revocation decides the sentence, the message is kept
    lists = {LIST: signed_list(), MESSAGES_LIST: signed_by_hand("message", bytes(raw), url=MESSAGES_LIST)}
    elsewhere = {**message, "statusListCredential": MESSAGES_LIST, "id": f"{MESSAGES_LIST}#3"}
    both = status_check(credential(entry(), elsewhere), Sources(status_list=lists.get))
    assert (both.outcome, both.sentence) == (Outcome.OK, "The issuer has not revoked it.")
    assert both.detail == "revocation: not set, message: late"


def test_unknown_purposes_are_unknown_when_set_and_refresh_is_only_news() -> None:
    raw = bytearray(16_384)
    raw[0] = 0b1000_0000
    for purpose in ("audit", "refresh"):
        listed = serving(signed_by_hand(purpose, bytes(raw)))
        unset = status_check(credential(entry(purpose, 1)), listed)
        assert unset.outcome == Outcome.OK and unset.detail == f"{purpose}: not set"
        assert unset.sentence == "The issuer's status list sets nothing for it."
    unknown = status_check(credential(entry("audit", 0)), serving(signed_by_hand("audit", bytes(raw))))
    assert (unknown.outcome, unknown.verdict) == (Outcome.WARNING, Verdict.STATUS_UNKNOWN)
    assert "does not know ('audit')" in unknown.sentence and "suspended" not in unknown.sentence
    refresh = status_check(credential(entry("refresh", 0)), serving(signed_by_hand("refresh", bytes(raw))))
    assert refresh.outcome == Outcome.OK and refresh.detail == "refresh: the issuer has a newer version of it"


def test_a_list_outside_its_validity_period_leaves_the_status_unknown() -> None:
    raw = bytes(16_384)
    expired = status_check(
        credential(entry()), serving(signed_by_hand("revocation", raw, validUntil="2026-02-01T00:00:00Z"))
    )
    assert (expired.outcome, expired.verdict) == (Outcome.WARNING, Verdict.STATUS_UNKNOWN)
    assert expired.detail.startswith("STATUS_VERIFICATION_ERROR: the status list credential expired at 2026-02-01")
    early = Sources(
        status_list=lambda _url: signed_by_hand("revocation", raw, validFrom="2026-03-01T00:00:00Z"),
        now=lambda: datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert "valid only from 2026-03-01" in status_check(credential(entry()), early).detail
    current = Sources(
        status_list=lambda _url: signed_by_hand("revocation", raw, validUntil="2026-02-01T00:00:00Z"),
        now=lambda: datetime(2026, 1, 15, tzinfo=UTC),
    )
    assert status_check(credential(entry()), current).outcome == Outcome.OK


def test_one_list_may_serve_both_purposes_and_a_suspension_only_credential_is_said_so() -> None:
    raw = bytearray(16_384)
    raw[0] = 0b0100_0000
    listed = serving(signed_by_hand(["revocation", "suspension"], bytes(raw)))
    assert status_check(credential(entry("suspension", 1)), listed).sentence == (
        "The issuer has suspended this credential for now."
    )
    fine = status_check(credential(entry("suspension", 2)), listed)
    assert (fine.outcome, fine.sentence) == (Outcome.OK, "The issuer has not suspended it.")
    assert (
        status_check(credential(entry("revocation", 1)), listed).sentence == "The issuer has revoked this credential."
    )
