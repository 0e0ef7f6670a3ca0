"""Credentials and presentations secured as JWTs, made by `jose` (Node, tests/node) and read by our pipeline:
VC-JOSE-COSE vc+jwt (bare and enveloped), the VC-JWT of VC 1.1 and Open Badges 3.0, keys from a did:web we serve
over TLS, from did:jwk and from a header's jwk; vp+jwt presentations with enveloped credentials; and every bad
token a verdict or a 4xx with a sentence through the API, the page and the command line, never a 5xx."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.issuing import sources as issuing_sources
from microcred.trust import cose, jose
from microcred.trust.multikey import EcdsaKey
from microcred.verify import checks, envelopes
from tests.cli.conftest import cli_env, run  # noqa: F401 (cli_env is a fixture)
from tests.conftest import csrf_from
from tests.trust.test_jose import b64, node_jose
from tests.verify.test_fetch import Site, fetcher, site  # noqa: F401 (site is a fixture)

V1, V2 = "https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2"
FROM, UNTIL, LONG_AGO = 1767225600, 2082758400, 1780272000  # 2026-01-01, 2036-01-01, 2026-06-01
SIMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech" / "simple-noproof.json"
LEARNER = "did:example:ebfeb1f712ebc6f1c276e12ec21"

MAKE = """
const keys = {
  web: await jose.generateKeyPair('ES256', {extractable: true}),
  other: await jose.generateKeyPair('ES256', {extractable: true}),
  jwk: await jose.generateKeyPair('EdDSA', {crv: 'Ed25519', extractable: true}),
  holder: await jose.generateKeyPair('EdDSA', {crv: 'Ed25519', extractable: true}),
  rsa: await jose.generateKeyPair('RS256', {modulusLength: 2048, extractable: true}),
};
const jwks = {}, dids = {}, tokens = {};
for (const [name, pair] of Object.entries(keys)) {
  jwks[name] = await jose.exportJWK(pair.publicKey);
  dids[name] = 'did:jwk:' + jose.base64url.encode(JSON.stringify(jwks[name]));
}
for (const job of given.jobs) {
  let text = JSON.stringify(job);
  text = text.replace(/\\{did:(\\w+)\\}/g, (_, name) => dids[name]);
  text = text.replace(/"\\{jwk:(\\w+)\\}"/g, (_, name) => JSON.stringify(jwks[name]));
  text = text.replace(/\\{token:(\\w+)\\}/g, (_, name) => tokens[name]);
  const {name, key, header, payload} = JSON.parse(text);
  tokens[name] = await new jose.SignJWT(payload).setProtectedHeader(header).sign(keys[key].privateKey);
}
tokens.none = new jose.UnsecuredJWT({iss: dids.jwk, vc: {type: ['VerifiableCredential']}}).encode();
tokens.hs256 = await new jose.SignJWT({iss: dids.jwk}).setProtectedHeader({alg: 'HS256', kid: dids.jwk + '#0'})
  .sign(new TextEncoder().encode(JSON.stringify(jwks.jwk)));
out({jwks, dids, tokens});
"""


def credential(issuer: str, **changes: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:4f6a7c1e-7c2b-4c5e-9a51-1a2b3c4d5e6f",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": LEARNER, "name": "Ada"},
    }
    return {k: v for k, v in {**made, **changes}.items() if v is not None}


def jobs(web: str, origin: str = "https://localhost") -> list[dict[str, Any]]:
    web_keys, web_issuer = f"{origin}/jwt/keys.json#key-1", f"{origin}/jwt/issuer"
    es256, eddsa = {"alg": "ES256"}, {"alg": "EdDSA"}
    kid = f"{web}#key-1"
    ob3_claims = {"iss": web, "sub": LEARNER, "nbf": FROM, "jti": "urn:uuid:4f6a7c1e-7c2b-4c5e-9a51-1a2b3c4d5e6f"}
    simple = json.loads(SIMPLE.read_text())
    vc_claim = {k: v for k, v in simple.items() if k not in ("id", "issuer", "issuanceDate")}
    vc_claim["credentialSubject"] = {"type": ["AchievementSubject"]}
    wrong = {"iss": "did:web:elsewhere.example", "sub": "did:example:eve", "jti": "urn:uuid:other", "nbf": FROM + 60}
    made = [
        {"name": "web", "key": "web", "header": {**es256, "typ": "vc+jwt", "kid": kid}, "payload": credential(web)},
        {
            "name": "did_jwk",
            "key": "jwk",
            "header": {**eddsa, "typ": "vc+jwt", "cty": "vc", "kid": "{did:jwk}#0"},
            "payload": credential("{did:jwk}"),
        },
        {
            "name": "ob3",  # OB3 §8.2: the credential is the payload, with iss, sub, nbf, jti (and exp) beside it
            "key": "web",
            "header": {**es256, "typ": "JWT", "kid": kid},
            "payload": {**credential(web, validUntil="2036-01-01T00:00:00Z"), **ob3_claims, "exp": UNTIL},
        },
        {
            "name": "simple",  # VC 1.1's VC-JWT (1EdTech's simple.jwt form): the credential in a vc claim
            "key": "rsa",
            "header": {"alg": "RS256", "typ": "JWT", "jwk": "{jwk:rsa}"},
            "payload": {
                "iss": simple["issuer"]["id"],
                "sub": LEARNER,
                "nbf": 1262304000,
                "jti": simple["id"],
                "vc": {**vc_claim, "issuer": simple["issuer"]},
            },
        },
        {
            "name": "https_kid",  # OB3 §8.2.3: a kid that dereferences to the JWK (here in a JWK Set)
            "key": "rsa",
            "header": {"alg": "RS256", "typ": "JWT", "kid": web_keys},
            "payload": {**credential(web_issuer), "iss": web_issuer},
        },
        {
            "name": "jwk_only",
            "key": "web",
            "header": {**es256, "typ": "vc+jwt", "jwk": "{jwk:web}"},
            "payload": credential(web),
        },
        {
            "name": "not_the_issuers",
            "key": "other",
            "header": {**es256, "typ": "vc+jwt", "kid": "{did:other}#0"},
            "payload": credential(web),
        },
        {
            "name": "nowhere",
            "key": "web",
            "header": {**es256, "typ": "vc+jwt", "kid": f"{web}-gone#key-1"},
            "payload": credential(f"{web}-gone"),
        },
        {
            "name": "expired",
            "key": "jwk",
            "header": {**eddsa, "typ": "vc+jwt", "kid": "{did:jwk}#0"},
            "payload": {**credential("{did:jwk}", validUntil="2026-06-01T00:00:00Z"), "exp": LONG_AGO},
        },
        {
            "name": "vp",
            "key": "holder",
            "header": {**eddsa, "typ": "vp+jwt", "kid": "{did:holder}#0"},
            "payload": {
                "@context": [V2],
                "type": ["VerifiablePresentation"],
                "holder": "{did:holder}",
                "verifiableCredential": [
                    {
                        "@context": [V2],
                        "type": "EnvelopedVerifiableCredential",
                        "id": "data:application/vc+jwt,{token:did_jwk}",
                    }
                ],
                "nonce": "challenge-1",
                "aud": "https://verifier.example",
            },
        },
    ]
    for claim, value in wrong.items():
        made.append(
            {
                "name": f"wrong_{claim}",
                "key": "web",
                "header": {**es256, "typ": "vc+jwt", "kid": kid},
                "payload": {**credential(web), claim: value},
            }
        )
    return made


@pytest.fixture(scope="module")
def made(site: Site) -> dict[str, Any]:  # noqa: F811
    """jose's keys and tokens, once per module; the did:web's document served on the test site."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    web = f"did:web:localhost%3A{site.port}:jwt"
    result = node_jose(MAKE, {"jobs": jobs(web, site.origin)})
    site.serve("/jwt/keys.json", {"keys": [{"kid": "key-0"}, {**result["jwks"]["rsa"], "kid": "key-1"}]})
    key = jose.key_from_jwk(result["jwks"]["web"])
    assert not isinstance(key, jose.RsaKey)
    method = {"id": f"{web}#key-1", "type": "Multikey", "controller": web, "publicKeyMultibase": key.public_multibase}
    site.serve("/jwt/did.json", {"id": web, "verificationMethod": [method], "assertionMethod": [method["id"]]})
    return {**result, "web": web}


def here(db: Session, site: Site) -> checks.Sources:  # noqa: F811
    return issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))


def outcome(report: checks.Report) -> dict[str, str]:
    return {check.name: check.outcome.value for check in report.checks}


def check(report: checks.Report, name: str) -> checks.Check:
    return next(c for c in report.checks if c.name == name)


def test_a_vc_jwt_signed_by_jose_with_a_did_web_key_verifies_bare_and_enveloped(
    made: dict[str, Any],
    db: Session,
    site: Site,  # noqa: F811
) -> None:
    token = made["tokens"]["web"]
    for given in (
        token,
        {"@context": [V2], "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"},
    ):
        report = checks.verify(given, here(db, site))
        assert report.verdict == checks.Verdict.VALID, report.checks
        assert outcome(report) == {
            "FORMAT": "OK",
            "PROOF": "OK",
            "REVOCATION": "SKIPPED",
            "VALIDITY": "OK",
            "ACCREDITATION": "WARNING",
        }
        assert report.issuer == made["web"] and report.credential == credential(made["web"])
        assert check(report, "PROOF").detail.startswith(f"ES256 JWT (vc+jwt) by {made['web']}#key-1")
    head, payload, signature = token.split(".")
    changed = json.loads(jose.b64url_decode(payload, "payload"))
    changed["credentialSubject"]["name"] = "Eve"
    report = checks.verify(f"{head}.{b64(changed)}.{signature}", here(db, site))
    assert report.verdict == checks.Verdict.INVALID
    assert report.reason == "The signature does not match: the credential was changed after it was signed."


def test_did_jwk_rsa_jwk_and_ob3_forms(made: dict[str, Any], db: Session, site: Site) -> None:  # noqa: F811
    tokens = made["tokens"]
    did_jwk = checks.verify(tokens["did_jwk"], here(db, site))
    assert did_jwk.verdict == checks.Verdict.VALID and did_jwk.issuer == made["dids"]["jwk"]

    ob3 = checks.verify(tokens["ob3"], here(db, site))
    assert ob3.verdict == checks.Verdict.VALID, ob3.checks
    assert "iss" not in (ob3.credential or {}) and (ob3.credential or {})["validUntil"] == "2036-01-01T00:00:00Z"

    simple = checks.verify(tokens["simple"], here(db, site))  # RS256, a jwk in the header, an https issuer
    proof = check(simple, "PROOF")
    assert proof.outcome == checks.Outcome.WARNING and "not confirmed" in proof.sentence
    assert proof.detail.startswith("RS256 JWT (JWT) by did:jwk:")
    read = simple.credential or {}
    assert read["id"] == "http://example.edu/credentials/3732" and read["issuanceDate"] == "2010-01-01T00:00:00Z"
    assert read["issuer"]["id"] == "https://example.edu/issuers/565049" and read["credentialSubject"]["id"] == LEARNER

    https_kid = check(checks.verify(tokens["https_kid"], here(db, site)), "PROOF")  # found, but not the issuer's
    assert https_kid.outcome == checks.Outcome.WARNING and "not confirmed" in https_kid.sentence, https_kid
    assert https_kid.detail.startswith(f"RS256 JWT (JWT) by {site.origin}/jwt/keys.json#key-1")
    offline = check(checks.verify(tokens["https_kid"]), "PROOF")  # nothing fetched: the key is not found
    assert offline.outcome == checks.Outcome.ERROR and "cannot be found" in offline.sentence

    jwk_only = checks.verify(tokens["jwk_only"], here(db, site))  # a did:web issuer, a key from nowhere
    assert jwk_only.verdict == checks.Verdict.INVALID
    assert jwk_only.reason == "The credential was signed with a key that does not belong to its issuer."


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("not_the_issuers", "a key that does not belong to its issuer", "is not the issuer's"),
        ("nowhere", "cannot be found among its controller's assertion keys", "Could not resolve"),
        ("expired", "The credential expired on 2026-06-01.", ""),
        ("wrong_iss", "The JWT's claims contradict the credential", "iss is did:web:elsewhere.example"),
        ("wrong_sub", "The JWT's claims contradict the credential", "sub is did:example:eve"),
        ("wrong_jti", "The JWT's claims contradict the credential", "jti is urn:uuid:other"),
        ("wrong_nbf", "The JWT's claims contradict the credential", "nbf is 2026-01-01T00:01:00Z"),
        ("none", "This is not a credential", "unsecured (alg: none)"),
        ("hs256", "This is not a credential", "shared-secret (HMAC)"),
        ("vp", "This is not a credential", "it is a presentation, not a credential"),
    ],
)
def test_tokens_that_do_not_hold_are_invalid_saying_why(
    made: dict[str, Any],
    db: Session,
    site: Site,  # noqa: F811
    name: str,
    reason: str,
    detail: str,
) -> None:
    report = checks.verify(made["tokens"][name], here(db, site))
    assert report.verdict == checks.Verdict.INVALID
    assert reason in report.reason
    assert any(detail in c.detail for c in report.checks if c.outcome == checks.Outcome.ERROR), report.checks


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("no+t.a.b", "header is not base64url"),
        ("eyJ", "three parts"),
        (f"{b64(b'{oops')}.{b64({})}.{b64(b'x')}", "header is not JSON"),
        ({"type": "EnvelopedVerifiableCredential"}, "has no id"),
        ({"type": "EnvelopedVerifiableCredential", "id": "data:application/json,{}"}, "must be a data: URL of"),
        ({"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt;base64,ZXk="}, "base64-encoded"),
        (f"{b64({'alg': 'ES256', 'typ': 'vc+jwt'})}.{b64({'iss': 'x'})}.{b64(b'x')}", "neither a credential"),
    ],
)
def test_malformed_envelopes_get_a_verdict(given: Any, why: str) -> None:
    report = checks.verify(given)
    assert report.verdict == checks.Verdict.INVALID and report.kind == "unknown"
    assert why in check(report, "PROOF").detail


def test_a_vp_jwt_with_an_enveloped_credential(made: dict[str, Any], db: Session, site: Site) -> None:  # noqa: F811
    token = made["tokens"]["vp"]
    sources = here(db, site)
    presentation, carried = envelopes.verify_presentation(
        token, sources, challenge="challenge-1", domain="https://verifier.example"
    )
    assert presentation.valid and outcome(presentation) == {"FORMAT": "OK", "OWNER": "OK"}, presentation.checks
    assert [report.verdict for report in carried] == [checks.Verdict.VALID]
    assert carried[0].issuer == made["dids"]["jwk"]
    enveloped = {"type": "EnvelopedVerifiablePresentation", "id": f"data:application/vp+jwt,{token}"}
    again, _ = envelopes.verify_presentation(enveloped, sources, challenge="challenge-1")
    assert again.valid
    other, _ = envelopes.verify_presentation(token, sources, challenge="challenge-2")
    assert not other.valid and "nonce differs" in check(other, "OWNER").sentence
    elsewhere, _ = envelopes.verify_presentation(token, sources, domain="https://evil.example")
    assert "aud differs" in check(elsewhere, "OWNER").sentence
    credential_not_vp, _ = envelopes.verify_presentation(made["tokens"]["did_jwk"], sources)
    assert "It is a credential, not a presentation." in check(credential_not_vp, "FORMAT").detail


def test_the_api_reads_jwts_and_refuses_bad_ones_with_400(made: dict[str, Any], client: TestClient) -> None:
    tokens = made["tokens"]
    ok = client.post("/credentials/verify", json={"verifiableCredential": tokens["did_jwk"]})
    assert ok.status_code == 200 and ok.json()["verified"] is True and ok.json()["issuer"] == made["dids"]["jwk"]
    enveloped = {
        "@context": [V2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{tokens['did_jwk']}",
    }
    assert client.post("/credentials/verify", json={"verifiableCredential": enveloped}).status_code == 200
    for bad, sentence in [
        (tokens["none"], "This is not a credential: The JWT is unsecured (alg: none)"),
        (tokens["hs256"], "shared-secret (HMAC)"),
        ("a.b", "three parts"),
        (tokens["wrong_sub"], "The JWT's claims contradict the credential it carries."),
    ]:
        answer = client.post("/credentials/verify", json={"verifiableCredential": bad})
        assert answer.status_code == 400 and answer.json()["verified"] is False
        assert any(sentence in error for error in answer.json()["errors"]), answer.json()
    deep = "{" + '"a":{' * 70 + "}" * 71
    nested = f"{b64({'alg': 'EdDSA'})}.{b64(deep.encode())}.{b64(b'x')}"
    answer = client.post("/credentials/verify", json={"verifiableCredential": nested})
    assert answer.status_code == 400 and "nested more than 64 levels" in json.dumps(answer.json())
    huge = client.post("/credentials/verify", json={"verifiableCredential": "ey" + "A" * (3 * 1024 * 1024)})
    assert 400 <= huge.status_code < 500

    presented = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": tokens["vp"], "options": {"challenge": "challenge-1"}},
    )
    assert presented.status_code == 200, presented.json()
    assert presented.json()["credentialResults"][0]["verified"] is True
    unsigned = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [enveloped, tokens["ob3"]],
    }
    carried = client.post("/presentations/verify", json={"verifiablePresentation": unsigned}).json()
    assert [r["verified"] for r in carried["credentialResults"]] == [True, False]  # ob3's did:web: not fetched here
    assert carried["credentialResults"][0]["issuer"] == made["dids"]["jwk"]
    wrong = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": tokens["vp"], "options": {"challenge": "challenge-2"}},
    )
    assert wrong.status_code == 400 and any("nonce differs" in e for e in wrong.json()["errors"])


def test_the_page_reads_a_pasted_jwt_and_a_jwt_file(made: dict[str, Any], client: TestClient) -> None:
    form = client.get("/verify")
    csrf = csrf_from(form.text)
    pasted = client.post("/verify", data={"csrf_token": csrf, "document": made["tokens"]["did_jwk"]})
    assert pasted.status_code == 200 and "Valid" in pasted.text
    uploaded = client.post(
        "/verify",
        data={"csrf_token": csrf},
        files={"file": ("badge.jwt", made["tokens"]["did_jwk"].encode(), "application/vc+jwt")},
    )
    assert uploaded.status_code == 200 and "Valid" in uploaded.text
    refused = client.post(
        "/verify",
        data={"csrf_token": csrf},
        files={"file": ("none.jwt", made["tokens"]["none"].encode(), "text/plain")},
    )
    assert refused.status_code == 200 and "Not valid" in refused.text and "alg: none" in refused.text
    garbled = client.post("/verify", data={"csrf_token": csrf, "document": "eyJhbGciOi.broken"})
    assert garbled.status_code == 200 and "three parts" in garbled.text


def test_the_command_line_reads_a_jwt_file(made: dict[str, Any], cli_env: str, tmp_path: Path) -> None:  # noqa: F811
    good, bad = tmp_path / "badge.jwt", tmp_path / "none.jwt"
    good.write_text(made["tokens"]["did_jwk"] + "\n")
    bad.write_text(made["tokens"]["none"])
    code, output = run("verify", str(good), "--json")
    assert code == 0 and json.loads(output)["verified"] is True, output
    code, output = run("verify", str(bad), "--json")
    report = json.loads(output)
    assert code == 1 and report["verdict"] == "invalid"
    assert "alg: none" in json.dumps(report)


def test_a_vc_cose_reads_bare_enveloped_uploaded_and_on_the_command_line(
    client: TestClient,
    cli_env: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    key = EcdsaKey.generate("P-256")
    message = cose.sign(json.dumps(credential(key.did)).encode(), key, kid=key.verification_method)
    report = checks.verify(message)
    assert report.verdict == checks.Verdict.VALID and report.issuer == key.did, report.checks
    assert check(report, "PROOF").detail.startswith("ES256 COSE_Sign1 (application/vc+cose) by did:key:")
    url = "data:application/vc+cose;base64," + base64.b64encode(message).decode()
    enveloped = {"@context": [V2], "type": "EnvelopedVerifiableCredential", "id": url}
    answer = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert answer.status_code == 200 and answer.json()["verified"] is True, answer.json()
    changed = message.replace(b"Ada", b"Eve")
    assert checks.verify(changed).reason.startswith("The signature does not match")
    bad = {**enveloped, "id": "data:application/vc+cose;base64,!!!"}
    refused = client.post("/credentials/verify", json={"verifiableCredential": bad})
    assert refused.status_code == 400 and "not base64" in json.dumps(refused.json())

    csrf = csrf_from(client.get("/verify").text)
    uploaded = client.post(
        "/verify", data={"csrf_token": csrf}, files={"file": ("badge.cose", message, "application/vc+cose")}
    )
    assert uploaded.status_code == 200 and "Valid" in uploaded.text
    garbled = client.post(
        "/verify", data={"csrf_token": csrf}, files={"file": ("bad.cose", b"\xd2\x84\x40", "application/vc+cose")}
    )
    assert garbled.status_code == 200 and "Not valid" in garbled.text

    good = tmp_path / "badge.cose"
    good.write_bytes(message)
    code, output = run("verify", str(good), "--json")
    assert code == 0 and json.loads(output)["verified"] is True, output
    good.write_bytes(changed)
    code, output = run("verify", str(good), "--json")
    assert code == 1 and "changed after it was signed" in output
