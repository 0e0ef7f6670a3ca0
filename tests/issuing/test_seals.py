"""Seal certificates (PKCS#12) and European Digital Credentials sealed as the EDC seals them.

The sealed ELM credential is checked against the Commission's own SHACL application profile
(EDC-generic-full with the ELM ontology), the same profile the Annex I sample conforms to.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import Graph
from sqlalchemy import func, select

from microcred.accounts import service as accounts
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.design import formats as design_documents
from microcred.errors import InvalidInput, Unavailable
from microcred.issuing import credentials, documents, keys, seals
from microcred.issuing.models import IssuedCredential, SealCertificate
from microcred.store import Database
from microcred.trust import jades
from tests import pki
from tests.conftest import World
from tests.issuing.test_credentials import LEARNER, published
from tests.web.test_api import assert_error, bearer

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
ELM = SHARED / "elm"


@cache
def _shapes() -> tuple[Graph, Graph, list[Any]]:
    shapes = Graph().parse(ELM / "EDC-generic-full.ttl", format="turtle")
    shapes.parse(ELM / "EDC-generic-no-cv.ttl", format="turtle")
    ontology = Graph().parse(ELM / "ELM.ttl", format="turtle")
    manifest = json.loads((SHARED / "contexts" / "manifest.json").read_text())
    v1 = json.loads((SHARED / "contexts" / manifest["https://www.w3.org/2018/credentials/v1"]).read_text())
    elm = json.loads((ELM / "edc-ap-context.jsonld").read_text())
    return shapes, ontology, [v1["@context"], elm["@context"]]


def conforms_to_edc(credential: dict[str, Any]) -> tuple[bool, str]:
    """Validate with the EDC SHACL profile, the contexts given inline (nothing is fetched)."""
    shapes, ontology, contexts = _shapes()
    data = Graph().parse(data=json.dumps({**credential, "@context": contexts}), format="json-ld")
    ok, _graph, text = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
    return bool(ok), str(text)


def test_the_commissions_annex_i_sample_conforms_to_the_profile_we_check_against() -> None:
    sealed = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text())
    assert conforms_to_edc(json.loads(sealed["payload"]))[0]
    broken = json.loads(sealed["payload"])
    del broken["issued"]
    assert not conforms_to_edc(broken)[0]  # the check can fail


def _upload(client: TestClient, headers: dict[str, str], p12: bytes, password: str = "secret"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/orgs/a/seal-certificates",
        files={"file": ("seal.p12", p12, "application/x-pkcs12")},
        data={"password": password},
        headers=headers,
    )


def _payload(elm: dict[str, Any]) -> dict[str, Any]:
    return jades.verify(elm).payload


def test_with_a_seal_certificate_each_award_is_also_a_sealed_european_digital_credential(
    client: TestClient, database: Database, world: World
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials"
    body = {"learner": {**LEARNER, "identifier": "S-1001"}, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    without = client.post(url, json=body, headers=educator).json()
    assert without["elm"] is None  # no certificate yet: Open Badges only

    ca = pki.CA()
    imported = _upload(client, admin, pki.seal_p12(ca))
    assert imported.status_code == 201, imported.text
    assert imported.json()["algorithm"] == "RS256" and imported.json()["chain_length"] == 2
    assert "2.5.4.97=VATBE-0123456789" in imported.json()["subject"]
    assert "private" not in imported.text.lower()
    second = _upload(client, admin, pki.seal_p12(ca, kind="p256"))
    assert second.json()["algorithm"] == "ES256"
    listed = client.get("/api/orgs/a/seal-certificates", headers=admin).json()
    assert [c["algorithm"] for c in listed] == ["ES256", "RS256"] and listed[1]["retired_at"] is not None
    assert client.get("/api/orgs/a/seal-certificates", headers=educator).status_code == 403

    issued = client.post(url, json=body, headers=educator)
    assert issued.status_code == 201, issued.text
    ob3, elm = issued.json()["credential"], issued.json()["elm"]
    seal = jades.verify(elm)
    assert seal.algorithm == "ES256" and "VATBE-0123456789" in seal.subject and not seal.timestamped
    credential = seal.payload
    ok, report = conforms_to_edc(credential)
    assert ok, report

    sample = json.loads((ELM / "Sample-MC-Annex1-unsigned.jsonld").read_text())
    assert credential["type"] == sample["type"] and credential["@context"] == sample["@context"]
    assert set(sample) - {"identifier"} <= set(credential)  # the sample's certificate number is its own
    assert credential["id"] == f"urn:credential:{issued.json()['id']}"
    person = credential["credentialSubject"]
    assert person["fullName"] == {"en": "Ana Andromeda"}
    assert person["contactPoint"][0]["emailAddress"][0]["id"] == "mailto:ana@example.org"
    assert person["identifier"][0]["notation"] == "S-1001"
    [claim] = person["hasClaim"]
    assert set(sample["credentialSubject"]["hasClaim"]) <= set(claim)
    assert claim["awardedBy"]["awardingDate"] == "2026-11-20T00:00:00Z"
    [assessment] = claim["provenBy"]
    assert assessment["grade"]["noteLiteral"] == {"en": "Pass"}
    assert assessment["idVerification"]["type"] == "Concept"
    assert credential["issuer"]["eIDASIdentifier"]["notation"] == "VATBE-0123456789"
    status_url = credential["credentialStatus"]["@value"]  # the profile's one status, a URL
    assert credential["credentialStatus"]["@type"].endswith("#anyURI")
    state = client.get(urlparse(status_url).path).json()
    assert (state["revoked"], state["suspended"]) == (False, False)
    assert [entry["statusPurpose"] for entry in state["credentialStatus"]] == ["revocation", "suspension"]
    assert state["credentialStatus"][0] == ob3["credentialStatus"]

    # Every Annex I element of the edition is in the credential: it imports back to the same specification.
    kind, content = design_documents.from_document(credential)
    spec = client.get(f"/api/orgs/a/specifications/{spec_id}", headers=educator).json()["content"]
    assert kind == "elm"
    for element in (
        "title",
        "eqf_level",
        "credits",
        "workload_hours",
        "learning_outcomes",
        "participation",
        "assessment",
        "quality_assurance",
        "prerequisites",
        "supervision",
        "stackability",
        "further_information",
        "languages",
        "field",
    ):
        assert content.get(element) == spec.get(element), element
    assert [b["name"] for b in content["awarding_bodies"]] == [b["name"] for b in spec["awarding_bodies"]]

    with database.session() as db:
        row = db.scalar(select(SealCertificate).where(SealCertificate.retired_at.is_(None)))
        assert row is not None
        assert len(row.private_sealed) > 100
        with pytest.raises(Unavailable, match="master key"):  # sealed: another master key cannot open it
            seals.seal(db, db.merge(world.orgs["a"]), {}, master=keys.master_key("x" * 43))
        stored = db.get(IssuedCredential, uuid.UUID(issued.json()["id"]))
        assert stored is not None and stored.elm_document == elm


BAD_FILES = [
    ("wrong password", lambda ca: pki.seal_p12(ca), "wrong", "password is wrong"),
    ("not pkcs12", lambda ca: b"-----BEGIN CERTIFICATE-----", "secret", "not PKCS#12"),
    ("expired", lambda ca: pki.seal_p12(ca, days=(-400, -1)), "secret", "expired on"),
    ("not yet valid", lambda ca: pki.seal_p12(ca, days=(5, 400)), "secret", "valid only from"),
    ("short rsa", lambda ca: pki.seal_p12(ca, kind="rsa1024"), "secret", "at least 2048"),
    ("p-384", lambda ca: pki.seal_p12(ca, kind="p384"), "secret", "RSA or EC P-256"),
    ("no identifier", lambda ca: pki.seal_p12(ca, organisation_id=None), "secret", "organizationIdentifier"),
    ("encryption only", lambda ca: pki.seal_p12(ca, usage="encrypt"), "secret", "does not allow signatures"),
    ("made-up country", lambda ca: pki.seal_p12(ca, country="XX"), "secret", "not an ISO 3166 country"),
    ("slow to open", lambda ca: pki.seal_p12(ca, rounds=1_500_000), "secret", "more than 1,000,000 iterations"),
]


@pytest.mark.parametrize(("name", "make", "password", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_unusable_certificates_are_refused_by_name_and_nothing_is_kept(
    client: TestClient, database: Database, world: World, name: str, make: Any, password: str, reason: str
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    body = assert_error(_upload(client, admin, make(pki.CA()), password), 422, "invalid_seal_certificate")
    assert reason in body["detail"]
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(SealCertificate)) == 0


def _issue(database: Database, spec_id: str, **extra: Any) -> IssuedCredential:
    with database.session() as db:
        organisation = accounts.organisation_for(db, Actor.operator(), "a")
        return credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            uuid.UUID(spec_id),
            1,
            documents.Learner(name="Ana Andromeda", email="ana@example.org"),
            documents.Result(awarded=date(2026, 11, 20)),
            base_url="http://testserver",
            master=MASTER,
            **extra,
        )


MASTER = keys.master_key(base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("="))


def _import(database: Database, p12: bytes) -> None:
    with database.session() as db:
        organisation = accounts.organisation_for(db, Actor.operator(), "a")
        seals.import_pkcs12(db, Actor.operator(), organisation, p12, "secret", MASTER)


def _count(database: Database) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def test_a_configured_tsa_timestamps_each_seal_and_a_silent_one_stops_the_issue(
    client: TestClient, database: Database, world: World
) -> None:
    spec_id = published(client, bearer(database, world, "a", Role.EDUCATOR))
    _import(database, pki.seal_p12(pki.CA()))
    with pki.local_tsa() as url:
        stamped = _issue(database, spec_id, tsa_url=url)
    seal = jades.verify(stamped.elm_document)
    assert seal.timestamped and seal.timestamp is not None
    before = _count(database)
    with pytest.raises(Unavailable, match="did not answer"):
        _issue(database, spec_id, tsa_url="http://127.0.0.1:9/tsa")
    assert _count(database) == before


def test_a_certificate_that_expired_since_its_import_stops_sealing(
    client: TestClient, database: Database, world: World
) -> None:
    spec_id = published(client, bearer(database, world, "a", Role.EDUCATOR))
    ca = pki.CA()
    _import(database, pki.seal_p12(ca))
    with database.session() as db:
        row = db.scalar(select(SealCertificate))
        assert row is not None
        key = pki.new_key("rsa")
        expired = ca.issue(key, "Old seal", organisation_id="VATBE-0123456789", days=(-400, -2))
        row.chain = [base64.b64encode(expired.public_bytes(serialization.Encoding.DER)).decode(), *row.chain[1:]]
        assert x509.load_der_x509_certificate(base64.b64decode(row.chain[0])).not_valid_after_utc
    with pytest.raises(InvalidInput, match="expired on"):
        _issue(database, spec_id)
    assert _count(database) == 0
