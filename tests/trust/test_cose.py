"""COSE_Sign1: ours checked by Node (cborg and WebCrypto, from tests/node: an independent CBOR encoder and ECDSA),
Node's read by ours, and what must be refused refused with a sentence (HMAC, unknown algorithms, crit, detached
payloads, malformed or too deep CBOR, oversized messages)."""

from __future__ import annotations

import json
import shutil

import pytest

from microcred.trust import TrustError, cbor, cose, jose
from microcred.trust.multikey import EcdsaKey, Ed25519Key
from tests.trust.test_jose import node_jose

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
CBORG = "import * as cborg from 'cborg';\nconst {subtle} = globalThis.crypto;\n"


@needs_node
def test_node_verifies_our_cose_sign1() -> None:
    key = EcdsaKey.generate("P-256")
    payload = json.dumps({"issuer": key.did, "name": "Ada"}).encode()
    message = cose.sign(payload, key, kid=key.verification_method)
    tampered = message.replace(b"Ada", b"Eve")
    answer = node_jose(
        CBORG
        + """
        const key = await subtle.importKey('jwk', given.jwk, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify']);
        const results = [];
        for (const hex of given.messages) {
          const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
          if (bytes[0] !== 0xd2) throw new Error('not tagged 18');
          const [protectedHeader, unprotected, payload, signature] = cborg.decode(bytes.subarray(1), {useMaps: true});
          const header = cborg.decode(protectedHeader, {useMaps: true});
          const tbs = cborg.encode(['Signature1', protectedHeader, new Uint8Array(0), payload]);
          results.push({
            alg: header.get(1), kid: new TextDecoder().decode(header.get(4)), typ: header.get(16),
            ok: await subtle.verify({name: 'ECDSA', hash: 'SHA-256'}, key, signature, tbs),
          });
        }
        out(results);
        """,
        {"jwk": jose.jwk_of(key), "messages": [message.hex(), tampered.hex()]},
    )
    assert answer[0] == {"alg": -7, "kid": key.verification_method, "typ": "application/vc+cose", "ok": True}
    assert answer[1]["ok"] is False


@needs_node
def test_we_verify_a_cose_sign1_node_makes() -> None:
    made = node_jose(
        CBORG
        + """
        const pair = await subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign', 'verify']);
        const header = cborg.encode(new Map([[1, -7], [4, new TextEncoder().encode('did:example:issuer#key-1')],
          [3, 'application/vc'], [16, 'application/vc+cose']]));
        const payload = new TextEncoder().encode(JSON.stringify({name: 'made in Node'}));
        const tbs = cborg.encode(['Signature1', header, new Uint8Array(0), payload]);
        const signature = new Uint8Array(await subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, pair.privateKey, tbs));
        const body = cborg.encode([header, new Map(), payload, signature]);
        out({message: Buffer.concat([Buffer.from([0xd2]), body]).toString('hex'),
             jwk: await subtle.exportKey('jwk', pair.publicKey)});
        """,
    )
    message = cose.parse(bytes.fromhex(made["message"]))
    assert message.algorithm == "ES256" and message.kid == "did:example:issuer#key-1"
    assert json.loads(message.payload) == {"name": "made in Node"}
    public = {name: made["jwk"][name] for name in ("kty", "crv", "x", "y")}
    cose.verify(message, jose.key_from_jwk(public))
    with pytest.raises(TrustError, match="COSE message's signature does not match"):
        cose.verify(message, EcdsaKey.generate("P-256"))


def sign1(protected: dict[int, object], unprotected: dict[int, object] | None = None, payload: object = b"{}") -> bytes:
    return cbor.encode(cbor.Tag(18, [cbor.encode(protected), unprotected or {}, payload, b"sig"]))


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (b"\xff\x00", "not valid CBOR"),
        (cbor.encode(cbor.Tag(17, [b"", {}, b"", b""])), "tagged 17, not 18"),
        (cbor.encode([b"", {}, b""]), "an array of four"),
        (sign1({4: b"kid"}), "names no algorithm"),
        (sign1({1: 5}), "shared-secret \\(HMAC\\)"),
        (sign1({1: -47}), "COSE algorithm -47 is not accepted"),
        (sign1({1: -7, 2: [4]}), "critical"),
        (sign1({1: -7}, {4: b"kid"}), "must be in its protected header"),
        (sign1({1: -7}, payload=None), "payload is detached"),
        (cbor.encode(cbor.Tag(18, [cbor.encode([1]), {}, b"{}", b"s"])), "protected header is not a map"),
        (cbor.encode(cbor.Tag(18, [b"", {}, b"{}", b"s"])), "names no algorithm"),
        (b"\x81" * 100 + b"\x00", "COSE message is not valid CBOR: the CBOR value is nested too deeply"),
        (b"\xd2\x84" + b"\x5f" + b"\x41a\xff", "not valid CBOR: the CBOR value uses an indefinite length"),
        (sign1({1: -7}) + b"\x00", "not valid CBOR: the CBOR value is followed by extra bytes"),
        (b"\xd2\x84\x43\xa1\x01\x26\xa2\x04\x41a\x04\x41b\x42{}\x41s", "not valid CBOR: .*key 4 twice"),
        (b"\xd2\x84\x43\xa1\x01\xf9\xa0\x42{}\x41s", "protected header is not valid CBOR: .*float"),
        (b"\xd2\x84\x43\xa1\x01\x26\xa0\x5b" + b"\xff" * 8, "claims more bytes than the value holds"),
    ],
)
def test_malformed_cose_is_refused_saying_why(given: bytes, why: str) -> None:
    with pytest.raises(TrustError, match=why):
        cose.parse(given)


def test_size_and_key_type_are_checked() -> None:
    with pytest.raises(TrustError, match="larger than 2 MiB"):
        cose.parse(b"\x00" * (cose.MAX_BYTES + 1))
    key = Ed25519Key.generate()
    message = cose.parse(cose.sign(b"{}", key, kid=key.verification_method))
    assert message.algorithm == "EdDSA" and message.typ == "application/vc+cose"
    cose.verify(message, key)
    with pytest.raises(TrustError, match="says EdDSA, but the key that should verify it is P-256"):
        cose.verify(message, EcdsaKey.generate("P-256"))
