"""Trust anchors: the CA certificates the operator adds (for seals, or for timestamps) are what seals and
timestamps validate to, named for the sentences a report shows; an anchor a trusted list gave is changed only by
importing a newer list. (Importing ETSI trusted lists is tested with the trusted-list reader in tests/trust.)"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.trust import pkix
from microcred.verify import anchors
from tests import pki


def test_a_certificate_is_read_from_pem_or_der_and_anything_else_is_refused_by_name() -> None:
    ca = pki.CA("Operator CA")
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        read = anchors.certificate_from(ca.certificate.public_bytes(encoding))
        assert pkix.fingerprint(read) == pkix.fingerprint(ca.certificate)
    for data, why in ((b"not a certificate", "not an X.509 certificate"), (b"x" * (65 * 1024), "at most 64 KiB")):
        with pytest.raises(InvalidInput, match=why) as refused:
            anchors.certificate_from(data)
        assert refused.value.code == "invalid_trust_anchor"


def test_the_operators_anchors_are_what_seals_and_timestamps_validate_to(db: Session) -> None:
    operator = Actor.operator()
    seals_ca, tsa_ca = pki.CA("Seals CA"), pki.CA("Timestamps CA")
    before = anchors.for_verification(db)
    row = anchors.add_ca(db, operator, seals_ca.certificate)
    assert anchors.add_ca(db, operator, seals_ca.certificate) is row  # once is enough
    anchors.add_ca(db, operator, tsa_ca.certificate, tsa=True)
    found = anchors.for_verification(db)
    assert found is not before
    seal_prints = [pkix.fingerprint(a.certificate) for a in found.seals]
    assert seal_prints == [pkix.fingerprint(seals_ca.certificate)]
    assert [pkix.fingerprint(a.certificate) for a in found.timestamps] == [pkix.fingerprint(tsa_ca.certificate)]
    assert found.seals[0].name == "Seals CA, a CA this server's operator trusts"
    assert anchors.for_verification(db) is found  # the same anchors while nothing changes
    assert {(r.source, r.service_type) for r in anchors.listing(db)} == {("operator", "CA"), ("operator", "TSA")}

    assert anchors.remove(db, operator, "SHA256:" + row.fingerprint.upper()) == 1  # as people write fingerprints
    assert [a.certificate for a in anchors.for_verification(db).seals] == []
    with pytest.raises(NotFound):
        anchors.remove(db, operator, row.fingerprint)


def test_an_anchor_a_trusted_list_gave_is_not_removed_by_hand(db: Session) -> None:
    listed = pki.CA("Listed QTSP")
    db.add(anchors._row(listed.certificate, "trusted-list:BE", "CA/QC", "granted", True, "A provider"))
    db.flush()
    [anchor] = anchors.for_verification(db).seals
    assert anchor.name == "Listed QTSP on the trusted list of Belgium (qualified seal)" and anchor.qualified
    with pytest.raises(InvalidInput, match="comes from trusted-list:BE: import a newer list"):
        anchors.remove(db, Actor.operator(), pkix.fingerprint(listed.certificate))
