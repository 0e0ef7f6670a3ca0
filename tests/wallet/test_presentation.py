"""A learner shares a credential as a W3C verifiable presentation signed with their own holder key: it verifies
for the verifier's challenge and domain only, a changed byte or a credential issued to someone else is
caught, the key is sealed at rest and goes with the learner's erasure."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import claims, credentials, documents, keys, seals
from microcred.store import Database
from microcred.trust import dataintegrity, keystore
from microcred.trust.multikey import Ed25519Key
from microcred.verify import checks
from microcred.verify.service import sources
from microcred.wallet import service as wallet
from microcred.wallet.models import HolderKey
from tests import pki
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.web.test_api import assert_error, bearer

ONE_EDTECH = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech"
SHARED_ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"
ASKED = {"challenge": "c-8f14e45f", "domain": "employer.example"}


def _master(settings: Settings) -> bytes:
    return keys.master_key(settings.resolved_master_key())


def _claimed(database: Database, world: World, settings: Settings, email: str = "learner@a.example") -> uuid.UUID:
    """An award of organisation A, issued to the learner and claimed into their wallet: the wallet item's id."""
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec.id,
            1,
            documents.Learner(name="Ana Andromeda", email=email),
            documents.Result(awarded=date(2026, 11, 20), grade="Distinction"),
            base_url=settings.base_url,
            master=_master(settings),
        )
        url, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=settings.base_url)
        return wallet.claim(db, _learner(db, email), url.rsplit("/", 1)[1]).id


def _learner(db: Session, email: str = "learner@a.example") -> User:
    found = db.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def _present(database: Database, settings: Settings, item: uuid.UUID, **asked: str) -> dict[str, Any]:
    with database.session() as db:
        return wallet.present(db, _learner(db), [item], master=_master(settings), **{**ASKED, **asked})


def _checked(
    database: Database,
    settings: Settings,
    presentation: dict[str, Any],
    *,
    challenge: str = ASKED["challenge"],
    domain: str = ASKED["domain"],
) -> tuple[checks.Report, list[checks.Report]]:
    """What a verifier here finds, asking for this challenge and domain."""
    with database.session() as db:
        return checks.verify_presentation(
            presentation,
            sources(db, base_url=settings.base_url, master=_master(settings)),
            challenge=challenge,
            domain=domain,
        )


def _owner(report: checks.Report) -> checks.Check:
    return next(check for check in report.checks if check.name == "OWNER")


def test_a_wallet_presentation_verifies_for_its_challenge_and_domain_and_for_nothing_else(
    database: Database, world: World, settings: Settings
) -> None:
    item = _claimed(database, world, settings)
    presentation = _present(database, settings, item)
    assert presentation["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert presentation["type"] == ["VerifiablePresentation"] and presentation["holder"].startswith("did:key:z6Mk")
    proof = presentation["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofPurpose"] == "authentication"
    assert proof["verificationMethod"].split("#")[0] == presentation["holder"]
    assert (proof["challenge"], proof["domain"]) == (ASKED["challenge"], ASKED["domain"])
    with database.session() as db:
        stored = wallet.find(db, _learner(db), item).document
    assert presentation["verifiableCredential"] == [stored]  # carried as stored

    report, carried = _checked(database, settings, presentation)
    assert {check.name: check.outcome for check in report.checks} == {"FORMAT": "OK", "OWNER": "OK"}
    owner = _owner(report)
    assert "does not name its holder" in owner.detail and "not that they are the learner" in owner.detail
    assert len(carried) == 1 and carried[0].valid, carried[0].as_dict()

    again = _present(database, settings, item)  # one holder key, made on first use
    assert again["holder"] == presentation["holder"] and again["id"] != presentation["id"]

    assert _owner(_checked(database, settings, presentation, challenge="c-other")[0]).outcome == "ERROR"
    assert _owner(_checked(database, settings, presentation, domain="attacker.example")[0]).outcome == "ERROR"
    other = _present(database, settings, item, challenge="c-other")
    assert _owner(_checked(database, settings, other)[0]).outcome == "ERROR"  # made for another request

    renamed = copy.deepcopy(presentation)
    name = renamed["verifiableCredential"][0]["name"]
    renamed["verifiableCredential"][0]["name"] = name[:-1] + chr(ord(name[-1]) ^ 1)  # one byte
    report, carried = _checked(database, settings, renamed)
    assert _owner(report).outcome == "ERROR" and "changed after its holder signed" in _owner(report).sentence
    assert not carried[0].valid  # the issuer's proof catches it too
    renumbered = copy.deepcopy(presentation)
    renumbered["id"] = presentation["id"][:-1] + ("0" if presentation["id"][-1] != "0" else "1")
    assert "changed after its holder signed" in _owner(_checked(database, settings, renumbered)[0]).sentence
    reholdered = {**presentation, "holder": Ed25519Key.generate().did}
    assert _owner(_checked(database, settings, reholdered)[0]).outcome == "ERROR"
    sealed = json.loads((SHARED_ELM / "Sample-MC-Annex1-signed.jsonld").read_text())
    with_a_seal = {**presentation, "verifiableCredential": [*presentation["verifiableCredential"], sealed]}
    owner = _owner(_checked(database, settings, with_a_seal)[0])
    assert owner.outcome == "ERROR" and "a holder's proof cannot cover it" in owner.sentence


def test_a_credential_naming_another_subject_than_the_holder_is_an_owner_error(
    database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        key = wallet.holder_key(db, _learner(db), _master(settings))

    def presented(*credentials: dict[str, Any]) -> dict[str, Any]:
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": key.did,
            "verifiableCredential": list(credentials),
        }
        return dataintegrity.add_proof(unsigned, key, proof_purpose="authentication", extra=ASKED)

    someone_elses = json.loads((ONE_EDTECH / "simple.json").read_text())  # issued to did:example:ebfeb1f7…
    report, _carried = _checked(database, settings, presented(someone_elses))
    owner = _owner(report)
    assert owner.outcome == "ERROR" and "someone else than the person it was issued to" in owner.sentence
    assert "did:example:ebfeb1f712ebc6f1c276e12ec21" in owner.detail

    mine = copy.deepcopy(someone_elses)
    mine["credentialSubject"]["id"] = key.did
    owner = _owner(_checked(database, settings, presented(mine))[0])
    assert owner.outcome == "OK" and "name its holder" not in owner.detail
    unnamed = copy.deepcopy(someone_elses)
    del unnamed["credentialSubject"]["id"]
    owner = _owner(_checked(database, settings, presented(mine, unnamed))[0])
    assert owner.outcome == "OK" and "1 of the 2 credentials do not name their holder" in owner.detail
    assert _owner(_checked(database, settings, presented(mine, someone_elses))[0]).outcome == "ERROR"

    # The wallet does not make a presentation a verifier would refuse.
    with database.session() as db:
        learner = _learner(db)
        uploaded = wallet.upload(db, learner, (ONE_EDTECH / "simple.json").read_bytes())
        with pytest.raises(InvalidInput, match="names its holder as did:example") as refused:
            wallet.present(db, learner, [uploaded.id], master=_master(settings), **ASKED)
    assert refused.value.code == "not_presentable"


@pytest.mark.parametrize(
    ("challenge", "domain", "field"),
    [
        ("", "employer.example", "challenge"),
        ("   ", "employer.example", "challenge"),
        ("x" * 201, "employer.example", "challenge"),
        ("c-1\x00", "employer.example", "challenge"),
        ("c-1\u0085x", "employer.example", "challenge"),
        ("c-1\nsecond line", "employer.example", "challenge"),
        ("c-1", "", "domain"),
        ("c-1", "employer example", "domain"),
        ("c-1", "https://employer.example/login", "domain"),
        ("c-1", "javascript:alert(1)", "domain"),
        ("c-1", "-employer.example", "domain"),
        ("c-1", "employer.example\x07", "domain"),
        ("c-1", "a" * 64 + ".example", "domain"),
        ("c-1", ("abc." * 80) + "example", "domain"),
    ],
)
def test_a_bad_challenge_or_domain_is_refused_naming_the_field(
    database: Database, world: World, settings: Settings, challenge: str, domain: str, field: str
) -> None:
    item = _claimed(database, world, settings)
    with pytest.raises(InvalidInput) as refused:
        _present(database, settings, item, challenge=challenge, domain=domain)
    assert refused.value.code == f"invalid_{field}" and f"The {field}" in refused.value.detail
    with database.session() as db:  # nothing was made for a refused request
        assert db.scalar(select(HolderKey)) is None


@pytest.mark.parametrize("domain", ["employer.example", "https://employer.example", "http://localhost:8443"])
def test_a_host_name_or_an_origin_is_a_domain(
    database: Database, world: World, settings: Settings, domain: str
) -> None:
    item = _claimed(database, world, settings)
    presentation = _present(database, settings, item, challenge="  a challenge, with spaces  ", domain=domain)
    assert presentation["proof"]["challenge"] == "a challenge, with spaces"
    report, _carried = _checked(database, settings, presentation, challenge="a challenge, with spaces", domain=domain)
    assert _owner(report).outcome == "OK"


def test_the_holder_key_is_sealed_at_rest_never_shown_and_erased_with_the_learner(
    database: Database, world: World, settings: Settings
) -> None:
    item = _claimed(database, world, settings)
    presentation = _present(database, settings, item)
    with database.session() as db:
        learner = _learner(db)
        row = db.scalar(select(HolderKey).where(HolderKey.user_id == learner.id))
        assert row is not None and presentation["holder"] == f"did:key:{row.public_multibase}"
        key = wallet.holder_key(db, learner, _master(settings))
        assert key.private is not None
        seed = key.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        assert seed not in row.private_sealed and key.private_multibase.encode() not in row.private_sealed
        assert keystore.unseal(row.private_sealed, _master(settings), str(row.id)) == key.private_multibase.encode()
        with pytest.raises(keystore.WrongMasterKey):
            keystore.unseal(row.private_sealed, b"\x01" * 32, str(row.id))
        with pytest.raises(keystore.WrongMasterKey):  # bound to its row: copied under another id, it does not open
            keystore.unseal(row.private_sealed, _master(settings), str(uuid.uuid4()))
        archive = zipfile.ZipFile(io.BytesIO(wallet.export_zip(db, learner)))
        assert not any(key.private_multibase.encode() in archive.read(name) for name in archive.namelist())
        assert key.private_multibase not in json.dumps(presentation)
        learner_id = learner.id

        wallet.erase(db, learner)
    with database.session() as db:
        assert db.get(User, learner_id) is None
        assert db.scalar(select(HolderKey).where(HolderKey.user_id == learner_id)) is None


def test_the_page_downloads_a_presentation_that_the_verifier_here_accepts(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    item = _claimed(database, world, settings)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/wallet/{item}")
    assert "Share as a verifiable presentation" in page.text and 'id="presentation-form"' in page.text
    assert "/presentations/verify" in page.text
    token = csrf_from(page.text)

    refused = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": token, **ASKED, "domain": "a b"})
    assert refused.status_code == 422 and 'id="presentation-error"' in refused.text and "The domain" in refused.text
    forged = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": "0" * 64, **ASKED})
    assert forged.status_code == 403

    made = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": token, **ASKED})
    assert made.status_code == 200 and made.headers["content-type"].startswith("application/json")
    assert made.headers["content-disposition"] == f'attachment; filename="presentation-{item}.json"'
    presentation = made.json()
    verified = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": ASKED})
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    replayed = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {**ASKED, "challenge": "c-next"}},
    )
    assert replayed.status_code == 400 and replayed.json()["verified"] is False

    stranger = TestClient(client.app)
    log_in(stranger, "learner@b.example", world.passwords["learner@b.example"])
    theirs = csrf_from(stranger.get("/wallet").text)
    assert stranger.post(f"/wallet/{item}/presentation", data={"csrf_token": theirs, **ASKED}).status_code == 404
    anonymous = TestClient(client.app)
    assert anonymous.post(f"/wallet/{item}/presentation", data=ASKED, follow_redirects=False).status_code == 403


def test_the_api_makes_the_same_presentation_for_the_learner_only(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    item = _claimed(database, world, settings)
    learner = bearer(database, world, "a", Role.LEARNER)
    made = client.post(f"/api/wallet/{item}/presentation", json=ASKED, headers=learner)
    assert made.status_code == 200, made.text
    presentation = made.json()
    assert presentation["proof"]["challenge"] == ASKED["challenge"]
    verified = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": ASKED})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text

    assert_error(
        client.post(f"/api/wallet/{item}/presentation", json={**ASKED, "challenge": ""}, headers=learner),
        422,
        "invalid_challenge",
    )
    others = bearer(database, world, "b", Role.LEARNER)
    assert_error(
        client.post(f"/api/wallet/{item}/presentation", json=ASKED, headers=others), 404, "wallet_credential_not_found"
    )
    assert_error(client.post(f"/api/wallet/{item}/presentation", json=ASKED), 401, "unauthenticated")
    session = TestClient(client.app)  # a browser's session cookie needs the CSRF header for JSON
    log_in(session, "learner@a.example", world.passwords["learner@a.example"])
    assert session.post(f"/api/wallet/{item}/presentation", json=ASKED).status_code == 403
    token = csrf_from(session.get(f"/wallet/{item}").text)
    answered = session.post(f"/api/wallet/{item}/presentation", json=ASKED, headers={"x-csrf-token": token})
    assert answered.status_code == 200 and answered.json()["holder"] == presentation["holder"]


def test_a_sealed_european_credential_is_not_offered_for_presentation(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        seals.import_pkcs12(db, Actor.operator(), organisation, pki.seal_p12(pki.CA()), "secret", _master(settings))
    item = _claimed(database, world, settings)
    with database.session() as db:
        held = wallet.find(db, _learner(db), item)
        assert held.kind == "elm" and "signatures" in held.document and not wallet.presentable(held)
        with pytest.raises(InvalidInput, match="not signed with a Data Integrity proof"):
            wallet.present(db, _learner(db), [item], master=_master(settings), **ASKED)
        with pytest.raises(NotFound):
            wallet.present(db, _learner(db), [uuid.uuid4()], master=_master(settings), **ASKED)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/wallet/{item}")
    assert 'id="presentation-form"' not in page.text and 'id="presentation-unavailable"' in page.text
    assert "sealed as a European Digital Credential" in page.text
    refused = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": csrf_from(page.text), **ASKED})
    assert refused.status_code == 422 and "not signed with a Data Integrity proof" in refused.text
