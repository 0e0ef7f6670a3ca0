"""The documents issuing builds before signing: the learner identified as Annex I needs, the grade kept printable,
the Open Badges 3.0 credential with the learner's email hashed, and the QR code of the verification page."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date

import pytest
import zxingcpp
from PIL import Image

from microcred.errors import InvalidInput
from microcred.issuing import documents
from microcred.issuing.documents import Learner, Result


def test_a_learner_is_a_name_with_an_email_or_a_number_tidied_and_nothing_unprintable() -> None:
    tidied = documents.check_learner(Learner(name="  Ana Andromeda ", email=" Ana@Example.ORG ", identifier=" "))
    assert tidied == Learner(name="Ana Andromeda", email="ana@example.org", identifier=None)
    assert documents.check_learner(Learner(name="Bo", identifier="S-42")).identifier == "S-42"
    for learner, why in (
        (Learner(name=" ", email="a@b.c"), "^The learner's name is missing.$"),
        (Learner(name="Ana\x07", email="a@b.c"), "The learner's name must be 1 to 200 printable characters"),
        (Learner(name="A" * 201, email="a@b.c"), "The learner's name must be 1 to 200 printable characters"),
        (Learner(name="Ana", email="not an address"), "The learner's email is not a valid email address"),
        (Learner(name="Ana", identifier="x" * 101), r"The learner's number \(identifier\) must be at most 100"),
        (Learner(name="Ana"), "Give an email address or the learner's number"),
    ):
        with pytest.raises(InvalidInput, match=why) as refused:
            documents.check_learner(learner)
        assert refused.value.code == "invalid_learner"


def test_a_grade_is_short_printable_text() -> None:
    assert documents.check_result(Result(awarded=date(2026, 11, 20), grade="Pass")).grade == "Pass"
    assert documents.check_result(Result(awarded=date(2026, 11, 20))).grade is None
    for grade in ("A" * 101, "Pass\x00"):
        with pytest.raises(InvalidInput, match="The grade must be at most 100 printable characters"):
            documents.check_result(Result(awarded=date(2026, 11, 20), grade=grade))


def test_the_open_badge_names_the_learner_hashes_the_email_and_carries_the_result() -> None:
    achievement = {"@context": ["x"], "id": "urn:uuid:a", "type": ["Achievement"], "name": "Data literacy"}
    credential = documents.ob3_credential(
        credential_id="urn:uuid:c",
        issuer={"id": "did:web:mc.example:orgs:a", "type": ["Profile"]},
        achievement=achievement,
        learner=Learner(name="Ana", email="Ana@Example.org", identifier="S-42"),
        result=Result(awarded=date(2026, 11, 20), grade="Pass"),
        valid_from="2026-11-23T10:00:00Z",
    )
    assert (
        credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"] and credential["name"] == "Data literacy"
    )
    assert credential["awardedDate"] == "2026-11-20T00:00:00Z"
    subject = credential["credentialSubject"]
    assert "@context" not in subject["achievement"] and subject["achievement"]["name"] == "Data literacy"
    name, email, number = subject["identifier"]
    assert (name["identityType"], name["hashed"], name["identityHash"]) == ("name", False, "Ana")
    assert email["hashed"] is True and "ana@example.org" not in str(email)  # the address is never in the clear
    digest = hashlib.sha256(("ana@example.org" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${digest}"
    assert number["identityHash"] == "S-42"
    assert subject["result"] == [{"type": ["Result"], "value": "Pass"}]
    with pytest.raises(InvalidInput):  # the learner is checked here too
        documents.ob3_credential(
            credential_id="urn:uuid:c",
            issuer={},
            achievement=achievement,
            learner=Learner(name="Ana"),
            result=Result(awarded=date(2026, 11, 20)),
            valid_from="2026-11-23T10:00:00Z",
        )


def test_the_qr_code_reads_as_the_verification_page_of_the_credential() -> None:
    credential_id = uuid.UUID(int=7)
    url = documents.verify_url("https://mc.example/", credential_id)
    assert url == f"https://mc.example/verify/{credential_id}"
    picture = Image.open(io.BytesIO(documents.qr_png(url)))
    assert picture.format == "PNG"
    assert [code.text for code in zxingcpp.read_barcodes(picture.convert("L"))] == [url]
