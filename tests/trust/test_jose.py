"""Compact JWS, JWK and did:jwk: ours checked by `jose` (Node, tests/node), jose's read by ours, and every header
or token that must be refused refused with a sentence (alg none, HMAC with a public key, crit, b64, oversized,
too deep, malformed)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from microcred.trust import TrustError, jose
from microcred.trust.multikey import EcdsaKey, Ed25519Key, Key

NODE_DIR = Path(__file__).parents[1] / "node"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
READ_STDIN = (
    "import * as jose from 'jose';\n"
    "const given = JSON.parse(await new Promise((done) => { let text = ''; process.stdin.on('data', (d) => "
    "{ text += d; }); process.stdin.on('end', () => done(text)); }));\n"
    "const bytes = (text) => new TextEncoder().encode(text);\n"
    "const out = (value) => console.log(JSON.stringify(value));\n"
)


def node_jose(script: str, given: Any = None) -> Any:
    """Run `script` (an ES module body with `jose`, `given`, `bytes` and `out` in scope) with jose 6.2.19 from
    tests/node; what it `out`s, as JSON."""
    run = subprocess.run(  # noqa: S603
        ["node", "--input-type=module", "-e", READ_STDIN + script],  # noqa: S607
        input=json.dumps(given),
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token(header: Any, payload: Any, signature: bytes = b"sig") -> str:
    return f"{b64(header)}.{b64(payload)}.{b64(signature)}"


DUPLICATE = b64(b'{"alg":"ES256","alg":"none"}') + "." + b64({}) + "." + b64(b"x")
NOT_UTF8 = b64({"alg": "ES256"}) + "." + b64(b"\xff\xfe") + "." + b64(b"x")
KEYS = {"EdDSA": lambda: Ed25519Key.generate(), "ES256": lambda: EcdsaKey.generate("P-256")}
KEYS["ES384"] = lambda: EcdsaKey.generate("P-384")


@needs_node
@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384"])
def test_jose_verifies_what_we_sign_and_refuses_it_changed(alg: str) -> None:
    key: Key = KEYS[alg]()
    signed = jose.sign({"iss": key.did, "n": "café"}, key, {"typ": "vc+jwt", "kid": key.verification_method})
    head, payload, signature = signed.split(".")
    forged = f"{head}.{b64({'iss': key.did, 'n': 'cafe'})}.{signature}"
    answers = node_jose(
        """
        const key = await jose.importJWK(given.jwk, given.alg);
        const results = [];
        for (const token of given.tokens) {
          try {
            const {payload, protectedHeader} = await jose.compactVerify(token, key, {algorithms: [given.alg]});
            results.push({ok: true, header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload))});
          } catch (error) { results.push({ok: false, code: error.code}); }
        }
        out(results);
        """,
        {"jwk": jose.jwk_of(key), "alg": alg, "tokens": [signed, forged]},
    )
    assert answers[0] == {
        "ok": True,
        "header": {"alg": alg, "typ": "vc+jwt", "kid": key.verification_method},
        "payload": {"iss": key.did, "n": "café"},
    }
    assert answers[1] == {"ok": False, "code": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}


@needs_node
@pytest.mark.parametrize(
    ("alg", "options"),
    [
        ("ES256", {}),
        ("ES384", {}),
        ("EdDSA", {"crv": "Ed25519"}),
        ("RS256", {"modulusLength": 2048}),
        ("PS256", {"modulusLength": 3072}),
    ],
)
def test_we_verify_what_jose_signs(alg: str, options: dict[str, Any]) -> None:
    made = node_jose(
        """
        const {publicKey, privateKey} = await jose.generateKeyPair(given.alg, {...given.options, extractable: true});
        const jwt = await new jose.SignJWT({vc: {type: ['VerifiableCredential']}})
          .setProtectedHeader({alg: given.alg, typ: 'JWT'}).setIssuer('did:example:x').sign(privateKey);
        out({jwt, jwk: await jose.exportJWK(publicKey)});
        """,
        {"alg": alg, "options": options},
    )
    read = jose.parse(made["jwt"])
    key = jose.key_from_jwk(made["jwk"])
    jose.verify(read, key)
    assert read.payload["iss"] == "did:example:x" and read.header == {"alg": alg, "typ": "JWT"}
    other = jose.key_from_jwk(
        node_jose(
            "out(await jose.exportJWK((await jose.generateKeyPair(given.alg, "
            "{...given.options, extractable: true})).publicKey));",
            {"alg": alg, "options": options},
        )
    )
    with pytest.raises(TrustError, match="does not match"):
        jose.verify(read, other)


@needs_node
def test_jose_made_unsecured_and_hmac_confusion_tokens_are_refused() -> None:
    """alg none; and HS256 keyed with the issuer's public key (as a naive verifier that hands its public key to
    any algorithm would accept): both refused before any key is looked at."""
    key = EcdsaKey.generate("P-256")
    public = json.dumps(jose.jwk_of(key))
    made = node_jose(
        """
        const claims = {iss: 'did:example:x', vc: {type: ['VerifiableCredential']}};
        out({
          none: new jose.UnsecuredJWT(claims).encode(),
          hs256: await new jose.SignJWT(claims).setProtectedHeader({alg: 'HS256', jwk: JSON.parse(given.public)})
            .sign(bytes(given.public)),
          hs512: await new jose.SignJWT(claims).setProtectedHeader({alg: 'HS512', kid: 'did:example:x#key-1'})
            .sign(bytes(given.public + given.public)),
        });
        """,
        {"public": public},
    )
    with pytest.raises(TrustError, match=r"unsecured \(alg: none\)"):
        jose.parse(made["none"])
    for name in ("hs256", "hs512"):
        with pytest.raises(TrustError, match="shared-secret \\(HMAC\\)"):
            jose.parse(made[name])


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("abc", "three parts separated by dots; this has 1"),
        ("a.b.c.d.e", "encrypted JWE"),
        (f"{b64({'alg': 'ES256'})}.{b64({})}", "this has 2"),
        (f"{b64({'alg': 'ES256'})}=.{b64({})}.{b64(b'x')}", "header is not base64url"),
        (f"{b64({'alg': 'ES256'})}.{b64({})}.ab+c", "signature is not base64url"),
        (f"{b64(b'not json')}.{b64({})}.{b64(b'x')}", "header is not JSON"),
        (f"{b64(b'[1]')}.{b64({})}.{b64(b'x')}", "header is not a JSON object"),
        (DUPLICATE, "given twice \\('alg'\\)"),
        (token({"typ": "JWT"}, {}), "names no algorithm"),
        (token({"alg": "NONE"}, {}), "unsecured"),
        (token({"alg": "RS512"}, {}), "'RS512' is not accepted"),
        (token({"alg": "ES256", "crit": ["exp"], "exp": 1}, {}), "critical \\(crit\\)"),
        (token({"alg": "ES256", "b64": False}, {}), "unencoded payload"),
        (token({"alg": "ES256", "kid": 7}, {}), "kid is not a string"),
        (token({"alg": "ES256"}, [1, 2]), "payload is not a JSON object"),
        (NOT_UTF8, "payload is not JSON"),
        (token({"alg": "ES256"}, {}, b""), "signature is empty"),
        (f"{b64({'alg': 'ES256'})}.{b64({})}.{b64(b'x')[:-1]}B", "not canonical base64url"),
    ],
)
def test_malformed_tokens_are_refused_saying_why(given: str, why: str) -> None:
    with pytest.raises(TrustError, match=why):
        jose.parse(given)


def test_size_and_depth_are_bounded_before_anything_is_trusted() -> None:
    huge = token({"alg": "ES256"}, {"pad": "x" * (jose.MAX_TOKEN)})
    with pytest.raises(TrustError, match="larger than 2 MiB"):
        jose.parse(huge)
    deep: Any = "bottom"
    for _ in range(jose.MAX_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(TrustError, match="nested more than 64 levels"):
        jose.parse(token({"alg": "ES256"}, deep))
    very_deep = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit: still a sentence
    with pytest.raises(TrustError, match="payload is not JSON|nested more than"):
        jose.parse(f"{b64({'alg': 'ES256'})}.{b64(very_deep.encode())}.{b64(b'x')}")
    with pytest.raises(TrustError, match="header is longer than"):
        jose.parse(token({"alg": "ES256", "pad": "x" * 20_000}, {}))


def test_keys_must_fit_the_algorithm() -> None:
    ed, p256, p384 = Ed25519Key.generate(), EcdsaKey.generate("P-256"), EcdsaKey.generate("P-384")
    signed = jose.parse(jose.sign({"a": 1}, p256))
    jose.verify(signed, p256)
    for wrong in (ed, p384):
        with pytest.raises(TrustError, match="says ES256, but the key"):
            jose.verify(signed, wrong)
    relabelled = jose.parse(token({"alg": "EdDSA"}, {"a": 1}, signed.signature))
    with pytest.raises(TrustError, match="says EdDSA, but the key that should verify it is P-256"):
        jose.verify(relabelled, p256)
    rsa_key = jose.key_from_jwk(jose.jwk_of(jose.RsaKey(rsa.generate_private_key(65537, 2048).public_key())))
    with pytest.raises(TrustError, match="says ES256, but the key that should verify it is RSA"):
        jose.verify(signed, rsa_key)


def test_jwks_must_be_public_asymmetric_and_whole() -> None:
    key = EcdsaKey.generate("P-256")
    public = jose.jwk_of(key)
    assert jose.key_from_jwk(public).public_multibase == key.public_multibase  # type: ignore[union-attr]
    with pytest.raises(TrustError, match="holds a private key \\(it has 'd'\\)"):
        jose.key_from_jwk({**public, "d": "AAAA"})
    with pytest.raises(TrustError, match="shared secret \\(oct\\)|holds a private key"):
        jose.key_from_jwk({"kty": "oct", "k": "c2VjcmV0"})
    with pytest.raises(TrustError, match="shared secret \\(oct\\)"):
        jose.key_from_jwk({"kty": "oct"})
    with pytest.raises(TrustError, match="does not describe a valid public key"):
        jose.key_from_jwk({**public, "y": public["x"]})  # not a point of the curve
    with pytest.raises(TrustError, match="coordinates are not 32 bytes"):
        jose.key_from_jwk({**public, "x": jose.b64url(b"\x01" * 31)})
    small = rsa.generate_private_key(65537, 1024).public_key().public_numbers()
    with pytest.raises(TrustError, match="1024 bits: at least 2048"):
        jose.key_from_jwk(
            {"kty": "RSA", "n": jose.b64url(small.n.to_bytes(128, "big")), "e": jose.b64url(b"\x01\x00\x01")}
        )
    with pytest.raises(TrustError, match="kty 'EC', crv 'secp256k1'"):
        jose.key_from_jwk({**public, "crv": "secp256k1"})


@pytest.mark.parametrize("make", [Ed25519Key.generate, lambda: EcdsaKey.generate("P-256")])
def test_did_jwk_names_its_own_key(make: Any) -> None:
    key = make()
    did = jose.did_jwk(key)
    assert json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "==")) == jose.jwk_of(key)
    for url in (did, f"{did}#0"):
        assert jose.key_from_did_jwk(url).public_multibase == key.public_multibase  # type: ignore[union-attr]
    with pytest.raises(TrustError, match="is not a did:jwk key"):
        jose.key_from_did_jwk(f"{did}#1")
    private = {**jose.jwk_of(key), "d": "AAAA"}
    with pytest.raises(TrustError, match="holds a private key"):
        jose.key_from_did_jwk("did:jwk:" + b64(private))
