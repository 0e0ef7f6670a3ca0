"""A learner shares a credential as a W3C verifiable presentation signed with their own holder key: it verifies
for the verifier's challenge and domain only, a changed byte or a credential issued to someone else is
caught, the key is sealed at rest and goes with the learner's erasure."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from microcred.accounts.models import User
from microcred.config import Settings
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.store import Database
from microcred.trust import dataintegrity, keystore
from microcred.trust.multikey import Ed25519Key
from microcred.wallet import service as wallet
from microcred.wallet.models import HolderKey
from tests.conftest import World
from tests.wallet.fixtures import (
    ASKED,
    ONE_EDTECH,
    SHARED_ELM,
    checked,
    claimed,
    learner_of,
    master,
    owner_check,
    present,
)


def test_a_wallet_presentation_verifies_for_its_challenge_and_domain_and_for_nothing_else(
    database: Database, world: World, settings: Settings
) -> None:
    item = claimed(database, world, settings)
    presentation = present(database, settings, item)
    assert presentation["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert presentation["type"] == ["VerifiablePresentation"] and presentation["holder"].startswith("did:key:z6Mk")
    proof = presentation["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofPurpose"] == "authentication"
    assert proof["verificationMethod"].split("#")[0] == presentation["holder"]
    assert (proof["challenge"], proof["domain"]) == (ASKED["challenge"], ASKED["domain"])
    with database.session() as db:
        stored = wallet.find(db, learner_of(db), item).document
    assert presentation["verifiableCredential"] == [stored]  # carried as stored

    report, carried = checked(database, settings, presentation)
    assert {check.name: check.outcome for check in report.checks} == {"FORMAT": "OK", "OWNER": "OK"}
    owner = owner_check(report)
    assert "does not name its holder" in owner.detail and "not that they are the learner" in owner.detail
    assert len(carried) == 1 and carried[0].valid, carried[0].as_dict()

    again = present(database, settings, item)  # one holder key, made on first use
    assert again["holder"] == presentation["holder"] and again["id"] != presentation["id"]

    assert owner_check(checked(database, settings, presentation, challenge="c-other")[0]).outcome == "ERROR"
    assert owner_check(checked(database, settings, presentation, domain="attacker.example")[0]).outcome == "ERROR"
    other = present(database, settings, item, challenge="c-other")
    assert owner_check(checked(database, settings, other)[0]).outcome == "ERROR"  # made for another request

    renamed = copy.deepcopy(presentation)
    name = renamed["verifiableCredential"][0]["name"]
    renamed["verifiableCredential"][0]["name"] = name[:-1] + chr(ord(name[-1]) ^ 1)  # one byte
    report, carried = checked(database, settings, renamed)
    assert owner_check(report).outcome == "ERROR" and "changed after its holder signed" in owner_check(report).sentence
    assert not carried[0].valid  # the issuer's proof catches it too
    renumbered = copy.deepcopy(presentation)
    renumbered["id"] = presentation["id"][:-1] + ("0" if presentation["id"][-1] != "0" else "1")
    assert "changed after its holder signed" in owner_check(checked(database, settings, renumbered)[0]).sentence
    reholdered = {**presentation, "holder": Ed25519Key.generate().did}
    assert owner_check(checked(database, settings, reholdered)[0]).outcome == "ERROR"
    sealed = json.loads((SHARED_ELM / "Sample-MC-Annex1-signed.jsonld").read_text())
    with_a_seal = {**presentation, "verifiableCredential": [*presentation["verifiableCredential"], sealed]}
    owner = owner_check(checked(database, settings, with_a_seal)[0])
    assert owner.outcome == "ERROR" and "a holder's proof cannot cover it" in owner.sentence


def test_a_credential_naming_another_subject_than_the_holder_is_an_owner_error(
    database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        key = wallet.holder_key(db, learner_of(db), master(settings))

    def presented(*credentials: dict[str, Any]) -> dict[str, Any]:
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": key.did,
            "verifiableCredential": list(credentials),
        }
        return dataintegrity.add_proof(unsigned, key, proof_purpose="authentication", extra=ASKED)

    someone_elses = json.loads((ONE_EDTECH / "simple.json").read_text())  # issued to did:example:ebfeb1f7…
    report, _carried = checked(database, settings, presented(someone_elses))
    owner = owner_check(report)
    assert owner.outcome == "WARNING" and "issued to someone else" in owner.sentence  # VC 2.0 allows it
    assert "not that they are the person it was issued to" in owner.sentence
    assert "did:example:ebfeb1f712ebc6f1c276e12ec21" in owner.detail

    mine = copy.deepcopy(someone_elses)
    mine["credentialSubject"]["id"] = key.did
    owner = owner_check(checked(database, settings, presented(mine))[0])
    assert owner.outcome == "OK" and "name its holder" not in owner.detail
    unnamed = copy.deepcopy(someone_elses)
    del unnamed["credentialSubject"]["id"]
    owner = owner_check(checked(database, settings, presented(mine, unnamed))[0])
    assert owner.outcome == "OK" and "1 of the 2 credentials do not name their holder" in owner.detail
    assert owner_check(checked(database, settings, presented(mine, someone_elses))[0]).outcome == "WARNING"

    # The wallet does not present a credential issued to someone else (a verifier would be warned of it).
    with database.session() as db:
        learner = learner_of(db)
        uploaded = wallet.upload(db, learner, (ONE_EDTECH / "simple.json").read_bytes())
        with pytest.raises(InvalidInput, match="names its holder as did:example") as refused:
            wallet.present(db, learner, [uploaded.id], master=master(settings), **ASKED)
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
    item = claimed(database, world, settings)
    with pytest.raises(InvalidInput) as refused:
        present(database, settings, item, challenge=challenge, domain=domain)
    assert refused.value.code == f"invalid_{field}" and f"The {field}" in refused.value.detail
    with database.session() as db:  # nothing was made for a refused request
        assert db.scalar(select(HolderKey)) is None


@pytest.mark.parametrize("domain", ["employer.example", "https://employer.example", "http://localhost:8443"])
def test_a_host_name_or_an_origin_is_a_domain(
    database: Database, world: World, settings: Settings, domain: str
) -> None:
    item = claimed(database, world, settings)
    presentation = present(database, settings, item, challenge="  a challenge, with spaces  ", domain=domain)
    assert presentation["proof"]["challenge"] == "a challenge, with spaces"
    report, _carried = checked(database, settings, presentation, challenge="a challenge, with spaces", domain=domain)
    assert owner_check(report).outcome == "OK"


def test_the_holder_key_is_sealed_at_rest_never_shown_and_erased_with_the_learner(
    database: Database, world: World, settings: Settings
) -> None:
    item = claimed(database, world, settings)
    presentation = present(database, settings, item)
    with database.session() as db:
        learner = learner_of(db)
        row = db.scalar(select(HolderKey).where(HolderKey.user_id == learner.id))
        assert row is not None and presentation["holder"] == f"did:key:{row.public_multibase}"
        key = wallet.holder_key(db, learner, master(settings))
        assert key.private is not None
        seed = key.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        assert seed not in row.private_sealed and key.private_multibase.encode() not in row.private_sealed
        assert keystore.unseal(row.private_sealed, master(settings), str(row.id)) == key.private_multibase.encode()
        with pytest.raises(keystore.WrongMasterKey):
            keystore.unseal(row.private_sealed, b"\x01" * 32, str(row.id))
        with pytest.raises(keystore.WrongMasterKey):  # bound to its row: copied under another id, it does not open
            keystore.unseal(row.private_sealed, master(settings), str(uuid.uuid4()))
        archive = zipfile.ZipFile(io.BytesIO(wallet.export_zip(db, learner)))
        assert not any(key.private_multibase.encode() in archive.read(name) for name in archive.namelist())
        assert key.private_multibase not in json.dumps(presentation)
        learner_id = learner.id

        wallet.erase(db, learner)
    with database.session() as db:
        assert db.get(User, learner_id) is None
        assert db.scalar(select(HolderKey).where(HolderKey.user_id == learner_id)) is None


def test_a_share_link_lasts_its_days_hides_what_was_chosen_and_is_the_owners_to_withdraw(
    database: Database, world: World
) -> None:
    with database.session() as db:
        learner, other = learner_of(db), learner_of(db, "learner@b.example")
        item = wallet.upload(db, learner, (ONE_EDTECH / "simple.json").read_bytes())
        assert item.source == "upload" and wallet.held(db, learner) == [item] and wallet.held(db, other) == []
        for days, hidden, wrong in (
            (0, [], "1 to 365 days"),
            (366, [], "1 to 365 days"),
            (7, ["Secret"], "cannot be hidden"),
        ):
            with pytest.raises(InvalidInput, match=wrong):
                wallet.share(db, learner, item.id, days=days, hidden=hidden)
        with pytest.raises(NotFound):
            wallet.share(db, other, item.id, days=7, hidden=[])
        token, link = wallet.share(db, learner, item.id, days=7, hidden=["Grade"])
        assert len(token) == 43 and token not in link.token_hash and link.hidden == ["Grade"]
        assert wallet.share_link(db, token).id == link.id
        opened = wallet.open_share(db, link, address="192.0.2.1", agent="x" * 400)
        assert opened.id == item.id
        [(shown, views)] = wallet.shares(db, learner, item.id)
        assert shown.id == link.id and [(v.address, len(v.agent or "")) for v in views] == [("192.0.2.1", 300)]
        for bad in ("short", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 101):
            with pytest.raises(NotFound, match="not valid"):
                wallet.share_link(db, bad)
        with pytest.raises(NotFound):
            wallet.revoke_share(db, other, link.id)
        assert wallet.revoke_share(db, learner, link.id).revoked_at is not None
        with pytest.raises(NotFound):
            wallet.share_link(db, token)
        wallet.remove(db, learner, item.id)
        assert wallet.held(db, learner) == []


def test_what_is_not_a_credential_is_not_uploaded(database: Database, world: World) -> None:
    with database.session() as db:
        learner = learner_of(db)
        for raw in (b"{nope", b'{"name": "not a credential"}'):
            with pytest.raises(InvalidInput) as refused:
                wallet.upload(db, learner, raw)
            assert refused.value.code == "invalid_credential"
        assert wallet.held(db, learner) == []


def test_staff_and_platform_admins_cannot_erase_themselves(database: Database, world: World) -> None:
    with database.session() as db:
        wallet.check_erasable(db, learner_of(db))  # a learner can
        with pytest.raises(Conflict, match="ask its admin to remove you") as staff:
            wallet.check_erasable(db, learner_of(db, "educator@a.example"))
        assert staff.value.code == "not_erasable"
        admin = learner_of(db, "org_admin@b.example")
        admin.is_platform_admin = True
        with pytest.raises(Conflict, match="platform admin cannot erase"):
            wallet.erase(db, admin)
