"""A Comprehensive Learner Record (CLR 2.0) for a learner who completed a pathway: the pathway's organisation signs
a ClrCredential carrying the very credentials that counted, with the pathway's structure as associations; our
verifier and Digital Bazaar's @digitalbazaar/vc both find it valid; a learner who has not completed it, or an
address with no account, gets one sentence that tells nothing of them."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from microcred.accounts.models import Role
from microcred.issuing import keys
from microcred.issuing.sources import verify_here
from microcred.pathways import clr
from microcred.store import Database
from microcred.trust.loader import bundled
from microcred.verify import checks
from microcred.wallet.models import WalletCredential
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_cases import a_pathway, in_wallet, published, settings_of
from tests.web.test_api import bearer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def a_fixed_pathway_and_one_step_held(
    database: Database, world: World, client: TestClient
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Organisation A's fixed pathway of two 5-credit steps (10 credits); the learner holds the first step."""
    with database.session() as db:
        steps = [published(db, world), published(db, world, title="Second step")]
        pathway = a_pathway(db, world, org="a", kind="fixed", total_credits=10, sequence=[str(s) for s in steps])
        in_wallet(settings_of(client), db, world, steps[0])
    return pathway, steps


def test_a_completing_learner_gets_a_signed_record_of_what_counted(
    client: TestClient, database: Database, world: World
) -> None:
    pathway, steps = a_fixed_pathway_and_one_step_held(database, world, client)
    learner = bearer(database, world, "a", Role.LEARNER)  # the learner asks, with their own token
    url = f"/api/pathways/{pathway}/clr"
    early = client.post(url, headers=learner)
    assert early.status_code == 422 and early.json()["detail"] == clr.NOT_COMPLETED
    with database.session() as db:
        in_wallet(settings_of(client), db, world, steps[1])

    issued = client.post(url, headers=learner)
    assert issued.status_code == 201, issued.text
    record = issued.json()["credential"]
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["@context"][:2] == ["https://www.w3.org/ns/credentials/v2", clr.CLR_CONTEXT]
    subject = record["credentialSubject"]
    assert subject["type"] == ["ClrSubject"] and record["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    with database.session() as db:
        held = [
            row.document
            for row in db.scalars(select(WalletCredential).order_by(WalletCredential.added_at))
            if row.kind != "clr"
        ]
        stored = db.get(WalletCredential, uuid.UUID(issued.json()["wallet_id"]))
        assert stored is not None and stored.document == record and stored.kind == "clr"
        settings = settings_of(client)
        master = keys.master_key(settings.resolved_master_key())
        report = verify_here(db, record, base_url=settings.base_url, master=master)
        assert report.verdict == checks.Verdict.VALID, report.as_dict()
        # each credential it carries is verified on its own too, unchanged from the wallet
        assert subject["verifiableCredential"] == held
        for carried in subject["verifiableCredential"]:
            assert verify_here(db, carried, base_url=settings.base_url, master=master).valid
        # a grade changed in a carried credential breaks the record's own proof
        changed = json.loads(json.dumps(record))
        changed["credentialSubject"]["verifiableCredential"][0]["name"] = "Something else"
        broken = verify_here(db, changed, base_url=settings.base_url, master=master)
        assert {c.name: c.outcome for c in broken.checks}["PROOF"] == checks.Outcome.ERROR

    first, second = (c["credentialSubject"]["achievement"]["id"] for c in held)
    target = subject["achievement"][0]["id"]
    assert subject["achievement"][0]["type"] == ["Achievement"] and target.endswith(f"/pathways/{pathway}")
    assert {(a["associationType"], a["sourceId"], a["targetId"]) for a in subject["association"]} == {
        ("isPartOf", first, target),
        ("isPartOf", second, target),
        ("precedes", first, second),
    }
    assert all(a["type"] == "Association" for a in subject["association"])
    names = {i["identityType"]: i for i in subject["identifier"]}
    assert names["emailAddress"]["hashed"] is True and "learner@a.example" not in json.dumps(record).lower()

    # Staff, of this organisation or another, can have no record made of anyone's wallet: their own wallets are
    # empty, so they are refused, and no route takes a learner's address
    for staff in (bearer(database, world, "a", Role.EDUCATOR), bearer(database, world, "b", Role.ORG_ADMIN)):
        refused = client.post(url, json={"learner": "learner@a.example"}, headers=staff)
        assert refused.status_code == 422 and refused.json()["detail"] == clr.NOT_COMPLETED
    assert client.post(f"/api/orgs/a/pathways/{pathway}/clr", headers=learner).status_code in (404, 405)
    with database.session() as db:
        independent = node_verify(record, keys.did_document(db, db.merge(world.orgs["a"]), settings.base_url))
    assert independent == {"verified": True, "error": None}, independent


# @digitalbazaar/vc verifies the record with the organisation's did:web document (what /orgs/a/did.json serves)
# and the bundled contexts, eddsa-rdfc-2022 as the specification writes it over jsonld.js (safe mode).
NODE_VERIFY = r"""
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as base58 from 'base58-universal';
import jsonld from 'jsonld';
import {createPublicKey, verify} from 'node:crypto';

const input = JSON.parse(await new Promise(done => {
  let text = ''; process.stdin.on('data', c => text += c); process.stdin.on('end', () => done(text));
}));
const known = {...input.contexts, [input.did.id]: input.did};
for(const method of input.did.verificationMethod) {
  known[method.id] = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
}
async function documentLoader(url) {
  if(url in known) return {contextUrl: null, documentUrl: url, document: structuredClone(known[url])};
  throw new Error(`not found: ${url}`);
}
const canonize = (document, options) => jsonld.canonize(document,
  {algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: true, ...options});
const eddsa = {name: 'eddsa-rdfc-2022', requiredAlgorithm: 'Ed25519', canonize,
  createVerifier: async ({verificationMethod}) => {
    const raw = base58.decode(verificationMethod.publicKeyMultibase.slice(1));
    const key = createPublicKey({format: 'jwk',
      key: {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw.slice(2)).toString('base64url')}});
    return {algorithm: 'Ed25519', id: verificationMethod.id,
      verify: async ({data, signature}) => verify(null, data, key, signature)};
  }};
const result = await vc.verifyCredential({credential: input.credential,
  suite: new DataIntegrityProof({cryptosuite: eddsa}), documentLoader, checkStatus: async () => ({verified: true})});
console.log(JSON.stringify({verified: result.verified,
  error: result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : null}));
"""


def node_verify(credential: dict[str, Any], did_document: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "--input-type=module", "-e", NODE_VERIFY],
        input=json.dumps({"credential": credential, "contexts": bundled(), "did": did_document}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_progress_page_gives_the_learner_their_record_or_says_why_not(
    client: TestClient, database: Database, world: World
) -> None:
    pathway, steps = a_fixed_pathway_and_one_step_held(database, world, client)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/pathways/{pathway}/progress")
    assert page.status_code == 200 and 'id="clr-form"' not in page.text  # not eligible: no button
    action = f"/pathways/{pathway}/clr"
    refused = learner.post(action, data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422 and 'id="clr-error"' in refused.text
    assert html.escape(clr.NOT_COMPLETED, quote=False) in refused.text
    with database.session() as db:
        in_wallet(settings_of(client), db, world, steps[1])
    page = learner.get(f"/pathways/{pathway}/progress")
    assert 'id="clr-form"' in page.text
    made = learner.post(action, data={"csrf_token": csrf_from(page.text)})
    assert made.status_code == 200 and "Comprehensive Learner Record is made" in made.text  # after a redirect
    assert made.history and made.history[0].status_code == 303  # so a reload does not make a second record
    with database.session() as db:
        record = db.scalar(select(WalletCredential).where(WalletCredential.kind == "clr"))
        assert record is not None
        assert len(record.document["credentialSubject"]["verifiableCredential"]) == 2
    assert made.url.path == f"/wallet/{record.id}"  # the learner sees it in the wallet, checked: valid
    assert 'id="item-verdict" data-verified="true"' in made.text
    assert "Comprehensive Learner Record" in made.text and "badge.png" not in made.text  # not an Open Badge
    staff = TestClient(client.app)
    log_in(staff, "educator@a.example", world.passwords["educator@a.example"])
    assert 'id="clr-form"' not in staff.get(f"/orgs/a/pathways/{pathway}").text  # staff have no such form


def test_only_linked_data_credentials_with_their_proof_can_be_carried() -> None:
    one_edtech = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech"
    assert clr.embeddable(json.loads((one_edtech / "simple.json").read_text()))
    assert not clr.embeddable(json.loads((one_edtech / "simple-noproof.json").read_text()))
    assert not clr.embeddable({"payload": "eyJ...", "signatures": [{}]})  # a JAdES-sealed ELM credential
    assert not clr.embeddable("header.payload.signature")
