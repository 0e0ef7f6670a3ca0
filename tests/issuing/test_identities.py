"""did:key identities and VC-API issuer instances: an organisation issues as its did:web or as one of its did:keys,
chosen by the credential's issuer or by the instance; the proofs verify here and in Digital Bazaar's
@digitalbazaar/vc, and no organisation's token ever issues as another's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.config import Settings
from microcred.errors import InvalidInput
from microcred.issuing import identities, keys
from microcred.issuing.identities import Identity, IssuerKey
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import bundled, document_loader
from microcred.trust.multikey import key_from_verification_method
from tests.conftest import World
from tests.issuing.test_api import credential
from tests.web.test_api import bearer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"

# Digital Bazaar's @digitalbazaar/vc with @digitalbazaar/data-integrity verifies the credential. The two
# cryptosuites are the specifications' RDFC transforms over jsonld.js with the keys of @digitalbazaar/ecdsa-multikey
# and Node's Ed25519; a did:key resolves as did-method-key resolves it: the DID document derived from the key, the
# key listed as `did:key:<key>#<key>` under assertionMethod (did-method-key itself is not installed).
NODE_VERIFY = r"""
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as base58 from 'base58-universal';
import jsonld from 'jsonld';
import {createPublicKey, verify} from 'node:crypto';

const input = JSON.parse(await new Promise(done => {
  let text = ''; process.stdin.on('data', c => text += c); process.stdin.on('end', () => done(text));
}));
const contexts = input.contexts;
async function documentLoader(url) {
  if(url in contexts) return {contextUrl: null, documentUrl: url, document: structuredClone(contexts[url])};
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const key = did.slice('did:key:'.length);
    const method = {'@context': 'https://w3id.org/security/multikey/v1', id: `${did}#${key}`, type: 'Multikey',
      controller: did, publicKeyMultibase: key};
    if(fragment !== undefined) {
      if(fragment !== key) throw new Error(`${url} names no key of its DID`);
      return {contextUrl: null, documentUrl: url, document: method};
    }
    const {['@context']: _, ...listed} = method;
    return {contextUrl: null, documentUrl: url, document: {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did,
      verificationMethod: [listed], assertionMethod: [listed.id], authentication: [listed.id]}};
  }
  throw new Error(`not found: ${url}`);
}
const canonize = (document, options) => jsonld.canonize(document,
  {algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: true, ...options});
function ed25519Verifier(method) {
  const raw = base58.decode(method.publicKeyMultibase.slice(1));
  if(raw[0] !== 0xed || raw[1] !== 0x01) throw new Error('not an Ed25519 Multikey');
  const key = createPublicKey({format: 'jwk',
    key: {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw.slice(2)).toString('base64url')}});
  return {algorithm: 'Ed25519', id: method.id,
    verify: async ({data, signature}) => verify(null, data, key, signature)};
}
const eddsa = {name: 'eddsa-rdfc-2022', requiredAlgorithm: 'Ed25519', canonize,
  createVerifier: async ({verificationMethod}) => ed25519Verifier(verificationMethod)};
const ecdsa = {name: 'ecdsa-rdfc-2019', requiredAlgorithm: ['P-256'], canonize,
  createVerifier: async ({verificationMethod}) => (await EcdsaMultikey.from(verificationMethod)).verifier()};
const result = await vc.verifyCredential({
  credential: input.credential,
  suite: [new DataIntegrityProof({cryptosuite: eddsa}), new DataIntegrityProof({cryptosuite: ecdsa})],
  documentLoader,
  checkStatus: async () => ({verified: true}),
});
const method = await documentLoader(input.credential.proof.verificationMethod);
console.log(JSON.stringify({verified: result.verified, method: method.document,
  error: result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : null}));
"""


def node_verify(signed: dict[str, Any]) -> dict[str, Any]:
    """What @digitalbazaar/vc makes of a credential (skipped where there is no node)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "--input-type=module", "-e", NODE_VERIFY],
        input=json.dumps({"credential": signed, "contexts": bundled()}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def make_identity(client: TestClient, admin: dict[str, str], algorithm: str, label: str = "Test key") -> dict[str, Any]:
    made = client.post("/api/orgs/a/did-keys", json={"algorithm": algorithm, "label": label}, headers=admin)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_org_admins_make_did_key_identities_whose_private_keys_are_sealed(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    made = {algorithm: make_identity(client, admin, algorithm) for algorithm in identities.ALGORITHMS}
    prefixes = {"Ed25519": "did:key:z6Mk", "P-256": "did:key:zDn", "P-384": "did:key:z82"}
    for algorithm, body in made.items():
        assert body["did"].startswith(prefixes[algorithm]), body
        key = body["did"].removeprefix("did:key:")
        assert body["verification_method"] == f"{body['did']}#{key}"
    listed = client.get("/api/orgs/a/did-keys", headers=admin).json()
    assert {item["did"] for item in listed} == {body["did"] for body in made.values()}
    assert "private" not in json.dumps(listed)
    with database.session() as db:
        for row in db.query(IssuerKey).all():  # sealed: the stored bytes are not the key, and open only with its id
            opened = identities.private_key(row, keys.master_key(settings.resolved_master_key()))
            assert opened.public_multibase == row.public_multibase
            assert opened.private_multibase.encode() not in row.private_sealed
    educator = bearer(database, world, "a", Role.EDUCATOR)
    assert client.post("/api/orgs/a/did-keys", json={"label": "mine"}, headers=educator).status_code == 403
    other = bearer(database, world, "b", Role.ORG_ADMIN)
    assert client.get("/api/orgs/a/did-keys", headers=other).status_code == 404
    unknown = client.post("/api/orgs/a/did-keys", json={"algorithm": "RSA", "label": "x"}, headers=admin)
    assert unknown.status_code == 422 and "Ed25519, P-256 or P-384" in unknown.json()["detail"]


@pytest.mark.parametrize(
    ("algorithm", "suite"),
    [
        ("Ed25519", "eddsa-rdfc-2022"),
        ("Ed25519", "eddsa-jcs-2022"),
        ("P-256", "ecdsa-rdfc-2019"),
        ("P-256", "ecdsa-jcs-2019"),
        ("P-384", "ecdsa-rdfc-2019"),
    ],
)
def test_a_credential_naming_a_did_key_identity_is_issued_and_signed_by_it(
    client: TestClient, database: Database, world: World, algorithm: str, suite: str
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, algorithm)["did"]
    educator = bearer(database, world, "a", Role.EDUCATOR)
    body = {"credential": credential(issuer=did, id=None), "options": {"cryptosuite": suite}}
    answer = client.post("/credentials/issue", json=body, headers=educator)
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    key = did.removeprefix("did:key:")
    assert signed["issuer"] == did and signed["proof"]["verificationMethod"] == f"{did}#{key}"
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    resolved = key_from_verification_method(signed["proof"]["verificationMethod"])
    assert dataintegrity.verify_proof(unsecured, signed["proof"], resolved, document_loader()).verified
    report = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    proof_check = next(c for c in report["checks"] if c["check"] == "PROOF")
    assert proof_check["outcome"] == "OK", report  # the did:key is the issuer: the signer is tied to it
    forged = {**signed, "credentialSubject": {"id": "did:example:learner", "name": "Eve"}}
    assert not client.post("/credentials/verify", json={"verifiableCredential": forged}).json()["verified"]
    if suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019") and algorithm != "P-384":
        independent = node_verify(signed)
        assert independent["verified"] is True, independent
        assert independent["method"]["publicKeyMultibase"] == key
        assert node_verify(forged)["verified"] is False


def test_the_default_suite_fits_the_identity_and_one_that_does_not_is_refused(
    client: TestClient, database: Database, world: World
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, "P-256")["did"]
    signed = client.post(
        "/credentials/issue", json={"credential": credential(issuer={"id": did}, id=None)}, headers=admin
    )
    assert (
        signed.status_code == 201 and signed.json()["verifiableCredential"]["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    )
    refused = client.post(
        "/credentials/issue",
        json={"credential": credential(issuer=did, id=None), "options": {"cryptosuite": "eddsa-rdfc-2022"}},
        headers=admin,
    )
    assert refused.status_code == 400 and "cannot sign with" in refused.json()["detail"]


def test_no_token_issues_as_another_organisations_identity_or_instance(
    client: TestClient, database: Database, world: World
) -> None:
    a_admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, a_admin, "Ed25519")["did"]
    instance = client.post(
        "/api/orgs/a/issuers",
        json={"label": "Badges", "identity": did, "cryptosuite": "eddsa-jcs-2022"},
        headers=a_admin,
    ).json()
    b_token = bearer(database, world, "b", Role.ORG_ADMIN)
    as_a = client.post("/credentials/issue", json={"credential": credential(issuer=did, id=None)}, headers=b_token)
    assert as_a.status_code == 400 and "issuer must be this organisation" in as_a.json()["detail"]
    through_a = client.post(
        f"/issuers/{instance['id']}/credentials/issue", json={"credential": credential(id=None)}, headers=b_token
    )
    assert through_a.status_code == 404 and through_a.json()["error"] == "issuer_instance_not_found"
    anonymous = client.post(
        f"/issuers/{instance['id']}/credentials/issue", json={"credential": credential()}, follow_redirects=False
    )
    # a 401 in JSON, as every VC-API route answers: nothing issued
    assert (
        anonymous.status_code == 401
        and anonymous.headers["content-type"].startswith("application/json")
        and "verifiableCredential" not in anonymous.text
    )
    learner = bearer(database, world, "a", Role.LEARNER)
    assert (
        client.post(
            f"/issuers/{instance['id']}/credentials/issue", json={"credential": credential()}, headers=learner
        ).status_code
        == 403
    )


def test_an_instance_fixes_the_identity_and_suite_and_refuses_another_issuer(
    client: TestClient, database: Database, world: World
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, "P-384")["did"]
    made = client.post(
        "/api/orgs/a/issuers",
        json={"label": "Transcripts", "identity": did, "cryptosuite": "ecdsa-jcs-2019"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    instance = made.json()
    assert instance["issuer"] == did and instance["endpoint"].endswith(f"/issuers/{instance['id']}/credentials/issue")
    web = client.post("/api/orgs/a/issuers", json={"label": "Web"}, headers=admin).json()
    assert web["issuer"].endswith(":orgs:a") and web["cryptosuite"] == "eddsa-rdfc-2022"
    educator = bearer(database, world, "a", Role.EDUCATOR)
    url = f"/issuers/{instance['id']}/credentials/issue"
    signed = client.post(url, json={"credential": credential(id=None)}, headers=educator).json()["verifiableCredential"]
    assert signed["issuer"] == did and signed["proof"]["cryptosuite"] == "ecdsa-jcs-2019"
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    assert dataintegrity.verify_proof(unsecured, signed["proof"]).verified
    assert len(dataintegrity.multibase_decode(signed["proof"]["proofValue"])) == 96  # P-384: r ‖ s, 48 bytes each
    other = client.post(url, json={"credential": credential(issuer=web["issuer"], id=None)}, headers=educator)
    assert other.status_code == 400 and "this instance's" in other.json()["detail"]
    unfit = client.post(
        url, json={"credential": credential(id=None), "options": {"cryptosuite": "eddsa-rdfc-2022"}}, headers=educator
    )
    assert unfit.status_code == 400 and "cannot sign with" in unfit.json()["detail"]
    through_web = client.post(
        f"/issuers/{web['id']}/credentials/issue", json={"credential": credential(id=None)}, headers=educator
    )
    assert through_web.json()["verifiableCredential"]["issuer"] == web["issuer"]
    key_id = next(k["id"] for k in client.get("/api/orgs/a/did-keys", headers=admin).json() if k["did"] == did)
    assert client.post(f"/api/orgs/a/did-keys/{key_id}/retire", headers=admin).json()["retired_at"]
    retired = client.post(url, json={"credential": credential(id=None)}, headers=educator)
    assert retired.status_code == 400 and "was retired" in retired.json()["detail"]
    assert client.delete(f"/api/orgs/a/issuers/{web['id']}", headers=admin).status_code == 204
    gone = client.post(
        f"/issuers/{web['id']}/credentials/issue", json={"credential": credential(id=None)}, headers=educator
    )
    assert gone.status_code == 404
    listed = client.get("/api/orgs/a/issuers", headers=admin).json()
    assert [i["id"] for i in listed] == [instance["id"]]


def test_identities_choose_the_suite_that_fits_their_key() -> None:
    key = IssuerKey(algorithm="P-256", public_multibase="zDnaX", label="x")
    chosen = Identity("did:key:zDnaX", key)
    assert identities.suite_for(chosen, None) == "ecdsa-rdfc-2019"
    assert identities.suite_for(chosen, "ecdsa-jcs-2019") == "ecdsa-jcs-2019"
    with pytest.raises(InvalidInput, match="cannot sign with"):
        identities.suite_for(chosen, "eddsa-jcs-2022")
    with pytest.raises(InvalidInput, match="must be one of"):
        identities.suite_for(chosen, "rsa-2020")
    web = Identity("did:web:example.org:orgs:a", None)
    assert identities.suite_for(web, None) == "eddsa-rdfc-2022"
    assert identities.suite_for(web, "ecdsa-rdfc-2019") == "ecdsa-rdfc-2019"
    ed25519 = Identity("did:key:z6Mk", IssuerKey(algorithm="Ed25519", public_multibase="z6Mk", label="y"))
    with pytest.raises(InvalidInput, match="cannot sign with"):
        identities.suite_for(ed25519, "ecdsa-rdfc-2019")


def test_an_instance_may_issue_without_status_entries_and_a_vc_1_1_credential_then_needs_no_status_context(
    client: TestClient, database: Database, world: World
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, "Ed25519")["did"]
    made = client.post(
        "/api/orgs/a/issuers", json={"label": "No status", "identity": did, "status": False}, headers=admin
    ).json()
    assert made["status"] is False
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "issuanceDate": "2026-11-23T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    answer = client.post(f"/issuers/{made['id']}/credentials/issue", json={"credential": v1}, headers=admin)
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    assert "credentialStatus" not in signed
    assert signed["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    assert node_verify(signed)["verified"] is True
    with_status = client.post("/api/orgs/a/issuers", json={"label": "Status", "identity": did}, headers=admin).json()
    again = client.post(f"/issuers/{with_status['id']}/credentials/issue", json={"credential": v1}, headers=admin)
    assert {e["statusPurpose"] for e in again.json()["verifiableCredential"]["credentialStatus"]} == {
        "revocation",
        "suspension",
    }
    twice = client.post(
        f"/issuers/{made['id']}/credentials/issue", json={"credential": {**v1, "id": signed["id"]}}, headers=admin
    )
    assert twice.status_code == 400 and "was issued before" in twice.json()["detail"]


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-384"])
def test_a_did_key_identitys_credentials_have_status_lists_issued_and_signed_as_it(
    client: TestClient, database: Database, world: World, algorithm: str
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, algorithm)["did"]
    signed = client.post(
        "/credentials/issue", json={"credential": credential(issuer=did, id=None)}, headers=admin
    ).json()["verifiableCredential"]
    web = client.post("/credentials/issue", json={"credential": credential(id=None)}, headers=admin).json()
    lists = {e["statusListCredential"] for e in signed["credentialStatus"]}
    assert lists.isdisjoint(e["statusListCredential"] for e in web["verifiableCredential"]["credentialStatus"])
    for url in lists:
        document = client.get(url[url.index("/status/") :]).json()
        assert document["issuer"] == did and document["proof"]["verificationMethod"].startswith(did + "#")
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        key = key_from_verification_method(document["proof"]["verificationMethod"])
        assert dataintegrity.verify_proof(unsecured, document["proof"], key, document_loader()).verified
    report = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    assert report["verified"] is True, report
    revoke = {
        "credentialId": signed["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    assert client.post("/credentials/status", json=revoke, headers=admin).json()["revoked"] is True
    after = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    assert after["verified"] is False and any(
        c["check"] == "REVOCATION" and c["outcome"] == "ERROR" for c in after["checks"]
    )
