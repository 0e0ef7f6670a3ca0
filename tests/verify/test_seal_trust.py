"""Seals against trust anchors: a seal is OK only when its certificate chains to an anchor at a time that is
trusted; our organisations' seals are recognised by certificate fingerprint, never by subject."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.issuing import seals
from microcred.trust import jades, pkix
from microcred.verify import anchors, checks, registry, service
from tests import pki
from tests.conftest import World
from tests.issuing.test_seals import MASTER

CREDENTIAL = {
    "@context": ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"],
    "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
    "issuer": {"id": "urn:epass:org:1", "type": "Organisation", "legalName": {"en": "Alpha Academy"}},
    "issued": "2026-01-01T00:00:00Z",
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:epass:person:1", "hasClaim": {"id": "urn:epass:claim:1"}},
}
NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sealed(key: pki.PrivateKey, chain: list[x509.Certificate], **extra: Any) -> dict[str, Any]:
    return jades.seal(CREDENTIAL, key, chain, signing_time=extra.pop("signing_time", NOW), **extra)


def seal_of(document: dict[str, Any], anchors_: pkix.Anchors) -> checks.Check:
    return checks.seal_check(document, checks.Sources(anchors=lambda: anchors_))[0]


def outcomes(report: checks.Report) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.checks}


def test_a_seal_under_an_intermediate_chains_to_its_anchor_and_a_look_alike_ca_does_not() -> None:
    root = pki.CA("Test Root")
    intermediate = pki.CA("Test Qualified eSeal CA", parent=root, path_length=0, cert_sign=True)
    key = pki.new_key("p256")
    certificate = intermediate.issue(key, "Alpha eSeal", organisation_id="VATIE-1")
    trusted = pkix.Anchors(seals=(pkix.Anchor(root.certificate, "Test Root on the trusted list of Belgium", True),))
    check = seal_of(sealed(key, [certificate, intermediate.certificate]), trusted)
    assert check.outcome == checks.Outcome.OK and "chains to Test Root on the trusted list of Belgium" in check.sentence

    look_alike = pki.CA("Test Root")  # the same name, another key
    forged_intermediate = pki.CA("Test Qualified eSeal CA", parent=look_alike, cert_sign=True)
    forged = forged_intermediate.issue(key, "Alpha eSeal", organisation_id="VATIE-1")
    check = seal_of(sealed(key, [forged, forged_intermediate.certificate]), trusted)
    assert check.outcome == checks.Outcome.WARNING and check.verdict == checks.Verdict.UNCONFIRMED
    assert "chains to no trust anchor this server accepts" in check.sentence
    assert seal_of(sealed(key, [certificate]), trusted).outcome == checks.Outcome.WARNING  # intermediate missing


def test_a_backdated_signing_time_on_an_expired_certificate_is_not_believed() -> None:
    ca = pki.CA()
    key = pki.new_key("p256")
    expired = ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1", days=(-30, -2))
    backdated = sealed(
        key, [expired], signing_time=(datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    check = seal_of(backdated, pkix.Anchors(seals=(pkix.Anchor(ca.certificate, "Test CA"),)))
    assert check.outcome == checks.Outcome.ERROR and "was not valid on" in check.sentence
    assert "no timestamp" in check.detail and "nothing vouches for" in check.detail


def test_a_timestamp_counts_only_from_a_trusted_authority() -> None:
    ca, tsa_ca = pki.CA(), pki.CA("Test TSA CA")
    key = pki.new_key("p256")
    expired = ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1", days=(-30, -1))
    current = ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1")
    seal_anchor = pkix.Anchor(ca.certificate, "Test CA")
    with pki.local_tsa(tsa_ca) as url:
        stamped_expired = sealed(key, [expired], timestamp=pki.timestamper(url))
        stamped = sealed(key, [current], timestamp=pki.timestamper(url))
    untrusted = pkix.Anchors(seals=(seal_anchor,))
    check = seal_of(stamped_expired, untrusted)
    assert check.outcome == checks.Outcome.ERROR and "authority this server does not trust" in check.detail
    trusted = pkix.Anchors(seals=(seal_anchor,), timestamps=(pkix.Anchor(tsa_ca.certificate, "Test TSA CA"),))
    check = seal_of(stamped, trusted)
    assert check.outcome == checks.Outcome.OK and "by Test TSA CA" in check.detail
    assert seal_of(stamped, untrusted).outcome == checks.Outcome.OK  # valid now anyway: the time came from now


def test_a_certificate_that_may_not_seal_or_a_ca_that_may_not_issue_is_refused() -> None:
    ca = pki.CA()
    key = pki.new_key("p256")
    encrypting = ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1", usage="encrypt")
    check = seal_of(sealed(key, [encrypting]), pkix.Anchors(seals=(pkix.Anchor(ca.certificate, "Test CA"),)))
    assert check.outcome == checks.Outcome.ERROR and "key usage" in check.sentence
    not_a_ca = pki.CA("Not a CA", parent=ca, ca=False)
    below = not_a_ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1")
    check = seal_of(
        sealed(key, [below, not_a_ca.certificate]), pkix.Anchors(seals=(pkix.Anchor(ca.certificate, "CA"),))
    )
    assert check.outcome == checks.Outcome.WARNING and check.verdict == checks.Verdict.UNCONFIRMED


def test_a_forged_reseal_copying_an_organisations_subject_is_not_that_organisation(db: Session, world: World) -> None:
    organisation = db.merge(world.orgs["a"])
    row = seals.import_pkcs12(db, Actor.operator(), organisation, pki.seal_p12(pki.CA()), "secret", MASTER)
    db.flush()
    genuine = seals.seal(db, organisation, CREDENTIAL, master=MASTER)
    here = service.sources(db, base_url="http://testserver", master=MASTER)
    report = checks.verify(genuine, here)
    assert outcomes(report)["SEAL"] == "OK" and outcomes(report)["ACCREDITATION"] == "OK"
    assert str(report.issuer) == f"sha256:{pkix.fingerprint(seals.chain_of(row)[0])}"

    forger = pki.new_key("rsa")
    copy = pki.self_signed(forger, seals.chain_of(row)[0].subject)
    forged = jades.seal(json.loads(genuine["payload"]), forger, [copy], signing_time=NOW)
    registry.import_entries(db, Actor.operator(), [registry.Entry(identifier=row.subject, name="Alpha by its DN")])
    report = checks.verify(forged, service.sources(db, base_url="http://testserver", master=MASTER))
    verdict = outcomes(report)
    assert verdict["SEAL"] == "WARNING" and verdict["ACCREDITATION"] != "OK"
    assert not report.valid and "registered issuer" not in json.dumps(report.as_dict())
    assert "CN=" not in str(report.issuer)

    # The operator trusts the forger's certificate by its fingerprint: then it is whoever the registry says.
    anchors.add_ca(db, Actor.operator(), copy)
    registry.import_entries(
        db, Actor.operator(), [registry.Entry(identifier=f"sha256:{pkix.fingerprint(copy)}", name="Pinned")]
    )
    report = checks.verify(forged, service.sources(db, base_url="http://testserver", master=MASTER))
    assert outcomes(report)["SEAL"] == "OK" and "Pinned" in next(
        c.sentence for c in report.checks if c.name == "ACCREDITATION"
    )


def test_an_x509_registry_entry_never_matches_a_plain_issuer_string(db: Session) -> None:
    registry.import_entries(db, Actor.operator(), [registry.Entry(identifier="CN=Alpha,C=IE", name="Alpha")])
    assert registry.trust_of(db, "CN=Alpha,C=IE", CREDENTIAL) is None
    unanchored = checks.Sealer("ab" * 32, "CN=Alpha,C=IE", None)
    assert registry.trust_of(db, unanchored, CREDENTIAL) is None
    anchored = checks.Sealer("ab" * 32, "CN=Alpha,C=IE", pkix.Anchor(pki.CA().certificate, "CA"))
    found = registry.trust_of(db, anchored, CREDENTIAL)
    assert found is not None and found.name == "Alpha"
