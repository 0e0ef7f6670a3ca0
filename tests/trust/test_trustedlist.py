"""ETSI trusted lists: read only under a signature that holds, while current, and only ETSI XML; a refused
list leaves the anchors as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput
from microcred.trust import TrustError, pkix, trustedlist
from microcred.verify import anchors
from microcred.verify.models import ImportedList
from tests import pki


def signer() -> tuple[pki.PrivateKey, x509.Certificate]:
    key = pki.new_key("rsa")
    return key, pki.self_signed(key, pki._name("Test TL signer"))


def test_a_list_gives_its_services_with_type_status_and_qualified_seals() -> None:
    tl_signer, ca, tsa = signer(), pki.CA("Qualified CA"), pki.CA("TSA")
    data = pki.trusted_list(
        tl_signer,
        services=[(ca.certificate, "CA/QC", "granted", True), (tsa.certificate, "TSA/QTST", "withdrawn", False)],
    )
    read = trustedlist.load(data, [tl_signer[1]])
    assert (read.territory, read.sequence, read.lotl) == ("BE", 7, False)
    qc, stamp = read.services
    assert qc.type == "CA/QC" and qc.qualified_seals and qc.active and qc.for_seals
    assert stamp.for_timestamps and stamp.status == "withdrawn" and not stamp.active


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.replace(b"Provider 0", b"Provider X"), "signature does not hold"),
        (lambda d: b"<html><body>hello</body></html>", "not an ETSI TS 119 612 trusted list"),
        (lambda d: b"not xml at all", "not XML"),
        (lambda d: b'<!DOCTYPE x [<!ENTITY e "e">]>' + d.split(b"?>", 1)[1], "DTD"),
    ],
)
def test_a_changed_or_foreign_list_is_refused_naming_the_problem(change, problem) -> None:  # type: ignore[no-untyped-def]
    tl_signer = signer()
    data = pki.trusted_list(tl_signer, services=[(pki.CA().certificate, "CA/QC", "granted", True)])
    with pytest.raises(TrustError, match=problem):
        trustedlist.load(change(data), [tl_signer[1]])


def test_an_expired_list_or_one_signed_by_another_is_refused() -> None:
    tl_signer = signer()
    with pytest.raises(TrustError, match="NextUpdate .* has passed"):
        trustedlist.load(pki.trusted_list(tl_signer, next_update=timedelta(days=-1)), [tl_signer[1]])
    with pytest.raises(TrustError, match="signature does not hold"):
        trustedlist.load(pki.trusted_list(tl_signer), [signer()[1]])


def test_the_lotl_names_the_national_signers_and_a_refused_list_changes_no_anchor(db: Session) -> None:
    commission, belgium = signer(), signer()
    ca, other = pki.CA("Belgian QC CA"), pki.CA("Other CA")
    lotl = pki.trusted_list(commission, territory="EU", pointers={"BE": belgium[1]})
    with pytest.raises(InvalidInput, match="--signer"):
        anchors.import_list(db, Actor.operator(), lotl)
    anchors.import_list(db, Actor.operator(), lotl, [commission[1]])
    national = pki.trusted_list(belgium, services=[(ca.certificate, "CA/QC", "granted", True)])
    assert anchors.import_list(db, Actor.operator(), national) == 1
    before = [(r.fingerprint, r.source) for r in anchors.listing(db)]
    assert before == [(pkix.fingerprint(ca.certificate), "trusted-list:BE")]
    seals = anchors.for_verification(db).seals
    assert [a.name for a in seals] == ["Belgian QC CA on the trusted list of Belgium (qualified seal)"]

    refused = [
        pki.trusted_list(signer(), services=[(other.certificate, "CA/QC", "granted", True)]),  # not BE's signer
        pki.trusted_list(belgium, services=[(other.certificate, "CA/QC", "granted", True)], next_update=-timedelta(1)),
        b"<TrustServiceStatusList/>",
    ]
    for data in refused:
        with pytest.raises(InvalidInput, match="was not imported"):
            anchors.import_list(db, Actor.operator(), data)
        assert [(r.fingerprint, r.source) for r in anchors.listing(db)] == before


def test_a_list_cannot_be_rolled_back_lapses_at_its_next_update_and_limits_its_cas(db: Session) -> None:
    belgium = signer()
    ca, signatures_only = pki.CA("Belgian QC CA"), pki.CA("Belgian e-signature CA")
    services = [
        (ca.certificate, "CA/QC", "granted", True),
        (signatures_only.certificate, "CA/QC", "granted", "ForeSignatures"),
    ]
    anchors.import_list(db, Actor.operator(), pki.trusted_list(belgium, services=services, sequence=7), [belgium[1]])
    # a CA the list limits to signatures vouches for no seal
    assert [a.certificate for a in anchors.for_verification(db).seals] == [ca.certificate]

    older = pki.trusted_list(belgium, services=[(signatures_only.certificate, "CA/PKC", "granted", False)], sequence=6)
    with pytest.raises(InvalidInput, match=r"sequence number \(6\) is older than the one in use \(7\)"):
        anchors.import_list(db, Actor.operator(), older, [belgium[1]])
    assert [a.certificate for a in anchors.for_verification(db).seals] == [ca.certificate]

    listed = db.get(ImportedList, "BE")
    assert listed is not None
    listed.next_update = datetime.now(UTC) - timedelta(minutes=1)  # the list is overdue: it anchors nothing
    db.flush()
    assert anchors.for_verification(db).seals == ()


def test_a_list_signed_inside_another_is_refused_and_cannot_replace_the_lotl(db: Session) -> None:
    """Signature wrapping: Belgium's signer signs a forged LOTL (naming an attacker as Germany's signer) hidden
    inside Belgium's list, the signature referencing the inner element. Neither list is read, the LOTL in use
    stays, and a malformed ds:Signature is refused by name rather than crashing."""
    from cryptography.hazmat.primitives import serialization
    from lxml import etree  # type: ignore[import-untyped]
    from signxml.signer import XMLSigner

    commission, belgium, attacker = signer(), signer(), signer()
    lotl = pki.trusted_list(commission, territory="EU", pointers={"BE": belgium[1]})
    anchors.import_list(db, Actor.operator(), lotl, [commission[1]])
    ds, t = "http://www.w3.org/2000/09/xmldsig#", "http://uri.etsi.org/02231/v2#"
    inner = etree.fromstring(pki.trusted_list(attacker, territory="EU", pointers={"DE": attacker[1]}, sequence=999))
    inner.remove(inner.find(f"{{{ds}}}Signature"))
    inner.set("Id", "inner")
    key, certificate = belgium
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signed = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256").sign(
        inner, key=pem, cert=certificate.public_bytes(serialization.Encoding.PEM).decode(), reference_uri="#inner"
    )
    signature = signed.find(f"{{{ds}}}Signature")
    signed.remove(signature)
    outer = etree.fromstring(pki.trusted_list(belgium, territory="BE", sequence=1))
    outer.remove(outer.find(f"{{{ds}}}Signature"))
    outer.append(signature)
    etree.SubElement(outer.find(f"{{{t}}}SchemeInformation"), f"{{{t}}}SchemeExtensions").append(signed)
    with pytest.raises(InvalidInput, match="holds another TrustServiceStatusList"):
        anchors.import_list(db, Actor.operator(), etree.tostring(outer))
    in_use = db.get(ImportedList, "EU")
    assert in_use is not None and in_use.sequence == 7 and list(in_use.pointers) == ["BE"]

    broken = etree.fromstring(pki.trusted_list(belgium, services=[(pki.CA().certificate, "CA/QC", "granted", True)]))
    broken.find(f"{{{ds}}}Signature/{{{ds}}}SignatureValue").text = ""
    with pytest.raises(InvalidInput, match="was not imported"):
        anchors.import_list(db, Actor.operator(), etree.tostring(broken))
    assert anchors.listing(db) == []
