"""Seals against trust anchors: a seal is OK only when its certificate chains to an anchor at a time that is
trusted; our organisations' seals are recognised by certificate fingerprint, never by subject."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtensionOID, NameOID
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput
from microcred.issuing import seals, sources
from microcred.issuing.models import SealCertificate
from microcred.store import Database
from microcred.trust import jades, pkix
from microcred.verify import anchors, checks, registry, schemas
from microcred.verify.seals import Sealer, seal_check
from tests import pki
from tests.conftest import World
from tests.issuing.test_seals import MASTER

CREDENTIAL = {
    "@context": ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"],
    "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
    "issuer": {
        "id": "urn:epass:org:1",
        "type": "Organisation",
        "legalName": {"en": "Alpha Academy"},
        "eIDASIdentifier": {"id": "urn:epass:legalIdentifier:1", "type": "LegalIdentifier", "notation": "VATIE-1"},
    },
    "issued": "2026-01-01T00:00:00Z",
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:epass:person:1", "hasClaim": {"id": "urn:epass:claim:1"}},
}
NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sealed(key: pki.PrivateKey, chain: list[x509.Certificate], **extra: Any) -> dict[str, Any]:
    return jades.seal(CREDENTIAL, key, chain, signing_time=extra.pop("signing_time", NOW), **extra)


def seal_of(document: dict[str, Any], anchors_: pkix.Anchors) -> checks.Check:
    return seal_check(document, checks.Sources(anchors=lambda: anchors_))[0]


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
    row = seals.import_pkcs12(
        db, Actor.operator(), organisation, pki.seal_p12(pki.CA(), organisation_id="VATIE-1"), "secret", MASTER
    )
    db.flush()
    genuine = seals.seal(db, organisation, CREDENTIAL, master=MASTER)
    here = sources.sources(db, base_url="http://testserver", master=MASTER)
    report = checks.verify(genuine, here)
    assert outcomes(report)["SEAL"] == "OK" and outcomes(report)["ACCREDITATION"] == "OK"
    assert str(report.issuer) == f"sha256:{pkix.fingerprint(seals.chain_of(row)[0])}"

    forger = pki.new_key("rsa")
    copy = pki.self_signed(forger, seals.chain_of(row)[0].subject)
    forged = jades.seal(json.loads(genuine["payload"]), forger, [copy], signing_time=NOW)
    registry.import_entries(
        db, Actor.operator(), [schemas.RegistryEntry(identifier=row.subject, name="Alpha by its DN")]
    )
    report = checks.verify(forged, sources.sources(db, base_url="http://testserver", master=MASTER))
    verdict = outcomes(report)
    assert verdict["SEAL"] == "WARNING" and verdict["ACCREDITATION"] != "OK"
    assert not report.valid and "registered issuer" not in json.dumps(report.as_dict())
    assert "CN=" not in str(report.issuer)

    # The operator trusts the forger's certificate by its fingerprint: then it is whoever the registry says.
    anchors.add_ca(db, Actor.operator(), copy)
    registry.import_entries(
        db, Actor.operator(), [schemas.RegistryEntry(identifier=f"sha256:{pkix.fingerprint(copy)}", name="Pinned")]
    )
    report = checks.verify(forged, sources.sources(db, base_url="http://testserver", master=MASTER))
    assert outcomes(report)["SEAL"] == "OK" and "Pinned" in next(
        c.sentence for c in report.checks if c.name == "ACCREDITATION"
    )


def test_an_x509_registry_entry_never_matches_a_plain_issuer_string(db: Session) -> None:
    registry.import_entries(db, Actor.operator(), [schemas.RegistryEntry(identifier="CN=Alpha,C=IE", name="Alpha")])
    assert registry.trust_of(db, "CN=Alpha,C=IE", CREDENTIAL) is None
    unanchored = Sealer("ab" * 32, "CN=Alpha,C=IE", None)
    assert registry.trust_of(db, unanchored, CREDENTIAL) is None
    anchored = Sealer("ab" * 32, "CN=Alpha,C=IE", pkix.Anchor(pki.CA().certificate, "CA"))
    found = registry.trust_of(db, anchored, CREDENTIAL)
    assert found is not None and found.name == "Alpha"


def _ca_seal(key: pki.PrivateKey, subject: x509.Name) -> x509.Certificate:
    """A self-signed seal certificate that is also a CA: what an organisation's admin could try to upload."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def _elm(name: str, identifier: str | None = None) -> dict[str, Any]:
    issuer: dict[str, Any] = {"id": "urn:epass:org:1", "type": "Organisation", "legalName": {"en": name}}
    if identifier:
        issuer["eIDASIdentifier"] = {
            "id": "urn:epass:legalIdentifier:1",
            "type": "LegalIdentifier",
            "notation": identifier,
        }
    return {**CREDENTIAL, "issuer": issuer}


def test_a_ca_certificate_is_refused_as_a_seal_certificate(db: Session, world: World) -> None:
    organisation = db.merge(world.orgs["a"])
    key = pki.new_key("p256")
    ca = _ca_seal(key, pki._name("Alpha eSeal", organisation_id="VATIE-1", country="IE"))
    p12 = pkcs12.serialize_key_and_certificates(b"a", key, ca, None, serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(InvalidInput, match=r"CA certificate \(basicConstraints CA: true\)"):
        seals.import_pkcs12(db, Actor.operator(), organisation, p12, "pw", MASTER)
    signer = pki.new_key("p256")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(pki._name("Alpha eSeal", organisation_id="VATIE-1", country="IE"))
        .issuer_name(ca.subject)
        .public_key(signer.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=30))
        .add_extension(pki._usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(b"a", signer, leaf, None, serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(InvalidInput, match="keyCertSign"):
        seals.import_pkcs12(db, Actor.operator(), organisation, p12, "pw", MASTER)


def test_an_organisations_seal_certificate_is_no_root_for_another_organisations_name(
    client: TestClient, database: Database, world: World
) -> None:
    """Org A's admin holds a CA seal certificate (imported before CA certificates were refused), issues a
    certificate with org B's exact subject and seals a credential naming B: not B, not valid, not accredited."""
    with database.session() as db:
        beta = seals.import_pkcs12(
            db,
            Actor.operator(),
            db.merge(world.orgs["b"]),
            pki.seal_p12(pki.CA(), organisation_id="VATIE-2"),
            "secret",
            MASTER,
        )
        anchors.add_ca(db, Actor.operator(), seals.chain_of(beta)[1])  # B's CA is trusted: B's subject may match
        registry.import_entries(
            db, Actor.operator(), [schemas.RegistryEntry(identifier=beta.subject, name="Beta (registry)")]
        )
        beta_subject = seals.chain_of(beta)[0].subject
        alpha_key = pki.new_key("p256")
        alpha = _ca_seal(alpha_key, pki._name("Alpha eSeal", organisation_id="VATIE-1", country="IE"))
        db.add(
            SealCertificate(
                organisation_id=world.orgs["a"].id,
                subject=alpha.subject.rfc4514_string(),
                issuer=alpha.issuer.rfc4514_string(),
                serial="1",
                algorithm="ES256",
                not_before=alpha.not_valid_before_utc,
                not_after=alpha.not_valid_after_utc,
                chain=[base64.b64encode(alpha.public_bytes(serialization.Encoding.DER)).decode()],
                private_sealed=b"-",
            )
        )
    key = pki.new_key("p256")
    now = datetime.now(UTC)
    as_beta = (
        x509.CertificateBuilder()
        .subject_name(beta_subject)
        .issuer_name(alpha.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(alpha_key, hashes.SHA256())
    )
    forged = jades.seal(_elm("Beta Institute", "VATIE-2"), key, [as_beta, alpha], signing_time=NOW)
    report = client.post("/credentials/verify", json={"verifiableCredential": forged}).json()
    found = {c["check"]: c for c in report["checks"]}
    assert report["verdict"] != "valid" and not report["verified"]
    assert found["SEAL"]["outcome"] == "WARNING" and "chains to no trust anchor" in found["SEAL"]["sentence"]
    assert found["ACCREDITATION"]["outcome"] != "OK" and "Beta (registry)" not in json.dumps(report)

    # Alpha's own certificate is still Alpha's, by its fingerprint, and only for credentials naming Alpha
    own = jades.seal(_elm("Alpha Academy", "VATIE-1"), alpha_key, [alpha], signing_time=NOW)
    report = client.post("/credentials/verify", json={"verifiableCredential": own}).json()
    assert report["verdict"] == "valid", report
    assert "the seal certificate of Alpha Academy" in report["checks"][1]["sentence"]
    as_beta_by_alpha = jades.seal(_elm("Beta Institute", "VATIE-1"), alpha_key, [alpha], signing_time=NOW)
    report = client.post("/credentials/verify", json={"verifiableCredential": as_beta_by_alpha}).json()
    seal = next(c for c in report["checks"] if c["check"] == "SEAL")
    assert report["verdict"] == "issuer-unconfirmed" and seal["outcome"] == "WARNING"
    assert "the seal belongs to Alpha Academy and not to the issuer the credential names" in seal["sentence"]


def test_a_seal_binds_the_issuer_the_credential_names() -> None:
    """Any anchored seal over a credential naming Harvard is not Harvard's: SEAL intact, issuer unconfirmed, and
    the summary does not state Harvard as the awarding body."""
    ca = pki.CA()
    trusted = pkix.Anchors(seals=(pkix.Anchor(ca.certificate, "Test CA"),))
    key = pki.new_key("p256")
    certificate = ca.issue(key, "Alpha eSeal", organisation_id="VATBE-1")
    harvard = jades.seal(_elm("Harvard University", "VATUS-HARVARD"), key, [certificate], signing_time=NOW)
    report = checks.verify(harvard, checks.Sources(anchors=lambda: trusted))
    seal = next(c for c in report.checks if c.name == "SEAL")
    assert seal.outcome == checks.Outcome.WARNING and report.verdict == checks.Verdict.UNCONFIRMED
    assert "the seal belongs to" in seal.sentence and "VATBE-1" in seal.sentence
    facts = dict(checks.summary(report))
    assert "Awarded by" not in facts and facts["Issuer"] == "Names itself Harvard University (not confirmed)"

    own = jades.seal(_elm("Alpha Academy", "vatbe-1"), key, [certificate], signing_time=NOW)  # identifier, folded
    report = checks.verify(own, checks.Sources(anchors=lambda: trusted))
    assert report.valid  # tied by its identifier, but the name is still only what the credential says of itself
    assert (
        dict(checks.summary(report))["Issuer"] == "Names itself Alpha Academy (not in the registry of trusted issuers)"
    )
    listed = checks.Sources(anchors=lambda: trusted, trust=lambda _issuer, _credential: checks.Trust("Alpha", False))
    assert dict(checks.summary(checks.verify(own, listed)))["Awarded by"] == "Alpha"  # the registry's name

    named = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha  Academy"), *pki._name("Alpha eSeal")])
    no_identifier = (
        x509.CertificateBuilder()
        .subject_name(named)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=30))
        .sign(ca.key, hashes.SHA256())
    )
    for name in ("alpha academy", "Harvard University"):  # an O alone (an employee's certificate has one) ties none
        document = jades.seal(_elm(name), key, [no_identifier], signing_time=NOW)
        report = checks.verify(document, checks.Sources(anchors=lambda: trusted))
        assert report.verdict == checks.Verdict.UNCONFIRMED, name
        assert "names no organisation identifier" in next(c for c in report.checks if c.name == "SEAL").sentence


def test_a_seal_certificate_with_a_malformed_extension_ends_in_a_verdict(client: TestClient) -> None:
    key = pki.new_key("p256")
    now = datetime.now(UTC)
    bad = (
        x509.CertificateBuilder()
        .subject_name(pki._name("bad"))
        .issuer_name(pki._name("bad"))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=9))
        .add_extension(x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"\x00\x01"), critical=False)
        .sign(key, hashes.SHA256())
    )
    ca = pki.CA()
    for anchors_ in (pkix.Anchors(), pkix.Anchors(seals=(pkix.Anchor(ca.certificate, "CA"),))):
        check = seal_of(sealed(key, [bad]), anchors_)
        assert check.outcome == checks.Outcome.ERROR and "cannot be read" in check.sentence
    good = ca.issue(key, "Alpha eSeal", organisation_id="VATIE-1")
    path = pkix.validate([good, bad], [pkix.Anchor(ca.certificate, "CA")], now)  # an intermediate that will not parse
    assert path.broken and path.reason == "a certificate in the seal's chain cannot be read"
    answer = client.post("/credentials/verify", json={"verifiableCredential": sealed(key, [bad])})
    assert answer.status_code == 400 and answer.json()["verdict"] == "invalid"
    seal = next(c for c in answer.json()["checks"] if c["check"] == "SEAL")
    assert seal["outcome"] == "ERROR" and "cannot be read" in seal["sentence"]


def test_a_forged_reseal_is_not_valid_on_the_api_in_the_wallet_or_in_a_recognition_case(
    client: TestClient, database: Database, world: World
) -> None:
    """The reproduced attack end to end: org A's sealed credential re-sealed under a self-signed certificate that
    copies the subject of A's seal certificate (with a registry entry under that subject, as a DN-trusting
    verifier would have) is neither valid nor A's on /credentials/verify, in a wallet or in a recognition case."""
    from microcred.accounts.models import Role
    from microcred.issuing import keys
    from tests.conftest import csrf_from, log_in
    from tests.web.test_api import bearer

    master = keys.master_key(client.app.state.settings.resolved_master_key())  # type: ignore[attr-defined]
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        p12 = pki.seal_p12(pki.CA(), organisation_id="VATIE-1")
        row = seals.import_pkcs12(db, Actor.operator(), organisation, p12, "secret", master)
        db.flush()
        genuine = seals.seal(db, organisation, CREDENTIAL, master=master)
        subject = seals.chain_of(row)[0].subject
        registry.import_entries(
            db, Actor.operator(), [schemas.RegistryEntry(identifier=row.subject, name="Alpha by DN")]
        )
        db.commit()
    answer = client.post("/credentials/verify", json={"verifiableCredential": genuine}).json()
    assert answer["verdict"] == "valid", answer

    forger = pki.new_key("rsa")
    forged = jades.seal(json.loads(genuine["payload"]), forger, [pki.self_signed(forger, subject)], signing_time=NOW)
    report = client.post("/credentials/verify", json={"verifiableCredential": forged}).json()
    found = {c["check"]: c for c in report["checks"]}
    assert report["verified"] is False and report["verdict"] == "issuer-unconfirmed", report
    assert found["SEAL"]["outcome"] == "WARNING" and found["ACCREDITATION"]["outcome"] != "OK"
    assert "registered issuer" not in json.dumps(report) and "Alpha by DN" not in json.dumps(report)

    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    added = learner.post(
        "/wallet/upload",
        data={"csrf_token": csrf_from(learner.get("/wallet").text)},
        files={"file": ("forged.json", json.dumps(forged).encode())},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    row_html = next(r for r in learner.get("/wallet").text.split("<tr>") if "data-verdict=" in r)
    assert 'data-verdict="issuer-unconfirmed"' in row_html and ">Valid<" not in row_html

    officer = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    opened = client.post("/api/orgs/b/recognition/cases", json={"credential": forged}, headers=officer)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["verified"] is False and case["verdict"] == "issuer-unconfirmed"
    assert all(c["suggestion"] != "met" for c in case["criteria"]), case["criteria"]
