"""JWT verification speed: VC-JOSE-COSE `vc+jwt` credentials (ES256 with P-256, EdDSA with Ed25519) verified per
second on one core, beside Node's `jose` (6.2.19, from tests/node) verifying the same tokens in the same run.

    .venv/bin/python -m bench.jwt_speed [--seconds 3] [--variants 50] [--no-node] [--quick]

For each algorithm, VARIANTS learners' credentials (a VC 2.0 credential of about 600 bytes, its issuer the
signing key's did:key) are signed by us; each rate is measured for a fixed time, the tokens verified in turn:

- ours, bare: `trust.jose.parse` (size bound, strict base64url, header checks, JSON without duplicates and with a
  depth bound) and `trust.jose.verify` with the key in hand: the work `jose.jwtVerify` does;
- ours, full pipeline: `checks.verify` on the compact token: the key resolved from the kid (did:key), the claims
  checked against the credential, FORMAT, PROOF, REVOCATION, VALIDITY, ACCREDITATION;
- Node: `jose.jwtVerify(token, key, {algorithms: [alg]})` with the key imported once (a CryptoKey), after Node
  has said yes to one of our tokens and no to a tampered copy.

Ratios are ours over Node's (above 1: we are faster).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from microcred.trust import jose
from microcred.trust.multikey import EcdsaKey, Ed25519Key, Key
from microcred.verify import checks

NODE_DIR = Path(__file__).resolve().parents[1] / "tests" / "node"
ALGORITHMS = ("ES256", "EdDSA")
NODE_SCRIPT = """
import * as jose from 'jose';
import {readFileSync} from 'node:fs';
const given = JSON.parse(readFileSync(0, 'utf8'));
const results = {};
for (const [alg, job] of Object.entries(given.jobs)) {
  const key = await jose.importJWK(job.jwk, alg);
  await jose.jwtVerify(job.tokens[0], key, {algorithms: [alg]});
  let refused = false;
  try { await jose.jwtVerify(job.tampered, key, {algorithms: [alg]}); } catch { refused = true; }
  if (!refused) throw new Error('jose accepted a tampered token');
  for (let n = 0; n < 200; n++) await jose.jwtVerify(job.tokens[n % job.tokens.length], key, {algorithms: [alg]});
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < given.seconds * 1000) {
    await jose.jwtVerify(job.tokens[count % job.tokens.length], key, {algorithms: [alg]});
    count += 1;
  }
  results[alg] = count / ((performance.now() - started) / 1000);
}
console.log(JSON.stringify({results, version: process.version}));
"""


@dataclass
class Prepared:
    alg: str
    key: Key
    tokens: list[str]
    tampered: str


def prepare(alg: str, variants: int) -> Prepared:
    key: Key = Ed25519Key.generate() if alg == "EdDSA" else EcdsaKey.generate("P-256")
    tokens = [
        jose.sign(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": ["VerifiableCredential"],
                "issuer": key.did,
                "validFrom": "2026-01-01T00:00:00Z",
                "name": "Welding basics",
                "credentialSubject": {"id": f"did:example:learner-{n}", "name": f"Learner {n}", "grade": "B+"},
            },
            key,
            {"typ": "vc+jwt", "kid": key.verification_method},
        )
        for n in range(variants)
    ]
    head, payload, signature = tokens[0].split(".")
    changed = json.loads(jose.b64url_decode(payload, "payload"))
    changed["credentialSubject"]["grade"] = "A"
    tampered = f"{head}.{jose.b64url(json.dumps(changed).encode())}.{signature}"
    return Prepared(alg, key, tokens, tampered)


def rate(function: Callable[[int], object], seconds: float) -> float:
    for n in range(3):
        function(n)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        function(count)
        count += 1
    return count / (time.perf_counter() - started)


def bare_rate(prepared: Prepared, seconds: float) -> float:
    tokens, key = prepared.tokens, prepared.key

    def verify(n: int) -> object:
        jws = jose.parse(tokens[n % len(tokens)])
        jose.verify(jws, key)
        return jws.payload

    return rate(verify, seconds)


def pipeline_rate(prepared: Prepared, seconds: float) -> float:
    tokens, sources = prepared.tokens, checks.Sources()

    def verify(n: int) -> object:
        report = checks.verify(tokens[n % len(tokens)], sources)
        if not report.intact:
            raise AssertionError(report.reason)
        return report

    return rate(verify, seconds)


def node(prepared: list[Prepared], seconds: float) -> tuple[dict[str, float], str] | str:
    """jose's rates and Node's version, or why there are none."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_DIR / "node_modules" / "jose").is_dir():
        return f"jose is not installed in {NODE_DIR} (npm ci there)"
    jobs = {p.alg: {"jwk": jose.jwk_of(p.key), "tokens": p.tokens, "tampered": p.tampered} for p in prepared}
    try:
        run = subprocess.run(  # noqa: S603 (our script, our tokens)
            ["node", "--input-type=module", "-e", NODE_SCRIPT],  # noqa: S607
            input=json.dumps({"jobs": jobs, "seconds": seconds}),
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=seconds * len(prepared) * 3 + 120,
            check=True,
        )
        answer = json.loads(run.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as error:
        return f"the Node run failed: {error}"
    return answer["results"], f"node {answer['version']}, jose 6.2.19"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="Time each rate is measured for.")
    parser.add_argument("--variants", type=int, default=50, help="Different learners' tokens verified in turn.")
    parser.add_argument("--no-node", action="store_true", help="Without the Node baseline.")
    parser.add_argument("--quick", action="store_true", help="A smoke run: 0.2 s per rate, 5 tokens.")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.variants = 0.2, 5
    prepared = [prepare(alg, max(args.variants, 1)) for alg in ALGORITHMS]
    for p in prepared:  # our verifier must say yes to ours and no to a tampered copy before anything is timed
        if not checks.verify(p.tokens[0]).valid or checks.verify(p.tampered).intact:
            raise SystemExit(f"{p.alg}: our verifier does not tell a good token from a tampered one")
    ours = {p.alg: (bare_rate(p, args.seconds), pipeline_rate(p, args.seconds)) for p in prepared}
    baseline = None if args.no_node else node(prepared, args.seconds)
    size = len(prepared[0].tokens[0])
    lines = [
        f"Verifying a vc+jwt credential ({size:,} characters), one process on one core, {args.seconds:g} s per rate, "
        f"{len(prepared[0].tokens)} tokens in turn",
        f"  {'':<44}{'per second':>12}   ratio to jose",
    ]
    for alg in ALGORITHMS:
        node_rate = baseline[0].get(alg) if isinstance(baseline, tuple) else None
        bare, full = ours[alg]
        for label, value in ((f"{alg}: ours, bare parse + verify", bare), (f"{alg}: ours, full pipeline", full)):
            ratio = f"{value / node_rate:6.2f}x" if node_rate else "     -"
            lines.append(f"  {label:<44}{value:>12,.0f}   {ratio}")
        if node_rate:
            lines.append(f"  {alg + ': jose.jwtVerify (Node)':<44}{node_rate:>12,.0f}")
    if isinstance(baseline, tuple):
        lines.append(f"  Node baseline: {baseline[1]}")
    elif isinstance(baseline, str):
        lines.append(f"  Node baseline: none ({baseline})")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
