"""Verification speed: Open Badges 3.0 (`eddsa-rdfc-2022`) and sealed ELM credentials verified per second on
one core, beside Digital Bazaar's `@digitalbazaar/vc` verifying the same credentials in the same run, and
`POST /credentials/verify` under load from a second process on loopback.

    .venv/bin/python -m bench.verify_speed [--seconds 5] [--variants 50] [--no-node] [--no-load] [--quick]

An organisation on a fresh SQLite database publishes a specification with every Annex I element (the
issuing benchmark's `publish`), issues one credential by `issue_edition`, and signs VARIANTS other learners'
credentials with its key; then it imports an RSA 2048 and an EC P-256 seal certificate (a test CA's) and
issues one sealed ELM credential with each. Each rate is measured for a fixed time, one process on one core,
the credentials verified in turn:

- ours, the full pipeline: `checks.verify` (FORMAT, PROOF, REVOCATION, VALIDITY, ACCREDITATION) with
  `Sources` that hold the issuer's key in a dict and the signed status list credential fetched once before
  timing, so REVOCATION really verifies the list's own proof and reads the bit; no database in the loop;
- ours, the bare proof: `dataintegrity.verify_proof`;
- Node: `@digitalbazaar/vc`'s `verifyCredential` with `DataIntegrityProof` and the eddsa-rdfc-2022
  cryptosuite, its document loader serving our bundled contexts and the issuer's did:web controller
  document and verification method (static, so jsonld.js caches them); once with a `checkStatus` that does
  what our REVOCATION does (verifies the status list credential with `verifyCredential`, checks its issuer,
  inflates the bitstring and reads the bit), once with a `checkStatus` that says yes (the bare proof);
  before timing, Node must say verified for our credential and not verified for a tampered copy;
- ELM: `jades.verify` and the full pipeline on the sealed documents (RS256 2048-bit, ES256);
- the endpoint: the app under uvicorn (one worker) in a subprocess against the same database, driven from
  this process by 1, 10 and 50 concurrent clients (threads, keep-alive connections) posting the credentials
  in turn: requests per second, p50 and p99.

Target (issue 6): the full pipeline at least 4x the Node library's rate per core.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests import pki

from bench.issuing_speed import BASE_URL, NPM_PACKAGES, Issuer, publish, rate, unsigned_variants, verdict
from microcred.accounts.principal import Actor
from microcred.issuing import credentials, documents, seals
from microcred.issuing import sources as issuing_sources
from microcred.trust import dataintegrity, jades
from microcred.trust.loader import bundled, document_loader
from microcred.verify import anchors, checks

TARGET = 4.0  # the full pipeline at least 4x Node's verifyCredential per core
CLIENTS = (1, 10, 50)

# Verifies the credentials in credentials.json in turn for SECONDS after a warm-up, twice (with the status
# list checked as ours does, and with the bare proof), and prints {"withStatus", "proofOnly", ...} as JSON.
NODE_SCRIPT = """
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const read = name => JSON.parse(readFileSync(new URL(name, import.meta.url)));
const seconds = Number(process.argv[2]);
const [documents, signed, tampered, lists] =
  ['documents.json', 'credentials.json', 'tampered.json', 'lists.json'].map(read);
const documentLoader = async url => {
  const document = documents[url] ?? documents[url.split('#')[0]];
  if(document === undefined) throw new Error(`No such document: ${url}`);
  return {contextUrl: null, documentUrl: url, document, tag: 'static'};
};
const suite = new DataIntegrityProof({cryptosuite});
const issuerOf = credential => credential.issuer?.id ?? credential.issuer;
// What our REVOCATION check does: the list credential's own proof, its issuer, then the entry's bit.
const checkStatus = async ({credential}) => {
  for(const entry of [credential.credentialStatus].flat()) {
    const list = lists[entry.statusListCredential];
    if(list === undefined) return {verified: false, error: new Error('no status list')};
    const listResult = await vc.verifyCredential({credential: list, suite, documentLoader});
    if(!listResult.verified) return {verified: false, error: listResult.error};
    if(issuerOf(list) !== issuerOf(credential)) return {verified: false, error: new Error('other issuer')};
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    const index = Number(entry.statusListIndex);
    if((bits[index >> 3] >> (7 - (index & 7))) & 1) return {verified: false, error: new Error('revoked')};
  }
  return {verified: true};
};
const yes = async () => ({verified: true});
const verify = (credential, status) =>
  vc.verifyCredential({credential, suite, documentLoader, checkStatus: status});

const ours = await verify(signed[0], checkStatus);
const changed = await verify(tampered, checkStatus);
const timed = async status => {
  // jsonld.js needs its JIT warm: verify untimed first, as long as the timed run but at most 3 seconds
  const warm = performance.now();
  for(let n = 0; performance.now() - warm < Math.min(seconds, 3) * 1000; n++) {
    await verify(signed[n % signed.length], status);
  }
  let count = 0, failed = 0;
  const started = performance.now();
  while(performance.now() - started < seconds * 1000) {
    const result = await verify(signed[count % signed.length], status);
    if(!result.verified) failed += 1;
    count += 1;
  }
  return {rate: count / ((performance.now() - started) / 1000), count, failed};
};
const withStatus = await timed(checkStatus);
const proofOnly = await timed(yes);
console.log(JSON.stringify({
  withStatus, proofOnly, oursVerified: ours.verified, tamperedVerified: changed.verified,
  error: ours.verified ? null : String(ours.error?.errors ?? ours.error)
}));
"""


@dataclass
class Prepared:
    """The issuer's database (kept for the endpoint), the signed and sealed credentials, and their sources."""

    url: str
    issuer: Issuer
    signed: list[dict[str, Any]]
    sealed: dict[str, dict[str, Any]]  # algorithm -> sealed ELM document
    sources: checks.Sources


def prepare(url: str, variants: int) -> Prepared:
    issuer = publish(url)
    signed = [issuer.first]
    for credential in unsigned_variants(issuer.first, variants - 1):
        credential["validFrom"] = issuer.first["validFrom"]  # theirs spread over November: some would be future
        signed.append(
            dataintegrity.add_proof(
                credential,
                issuer.key,
                created=dataintegrity.now(),
                verification_method=issuer.verification_method,
                as_list=True,
            )
        )
    ca = pki.CA()
    sealed = {}
    with issuer.database.session() as db:
        organisation = db.merge(issuer.organisation)
        for kind in ("rsa", "p256"):
            certificate = seals.import_pkcs12(
                db, Actor.operator(), organisation, pki.seal_p12(ca, kind=kind), "secret", issuer.master
            )
            db.flush()
            issued = credentials.issue_edition(
                db,
                Actor.operator(),
                organisation,
                issuer.spec_id,
                1,
                documents.Learner(name="Bo Ng", email="bo@example.org"),
                documents.Result(awarded=date(2026, 11, 20), grade="Pass"),
                base_url=BASE_URL,
                master=issuer.master,
            )
            assert issued.elm_document is not None
            sealed[certificate.algorithm] = issued.elm_document
        # What a verifier fetches once and keeps: the status lists and award status answers, read through
        # the same sources the endpoint uses; the issuer's key by its verification method; its trust.
        here = issuing_sources.sources(db, base_url=BASE_URL, master=issuer.master)
        urls = {entry["statusListCredential"] for credential in signed for entry in _entries(credential)}
        urls |= {_award_status(json.loads(document["payload"])) for document in sealed.values()}
        lists = {url: here.status_list(url) for url in urls}
        answers = {url: here.award_status(url) for url in urls}
        loaded = here.anchors()  # our seal certificates, known by fingerprint
        trust = {issuer.did_document["id"]: here.trust(issuer.did_document["id"], issuer.first)}
        for document in sealed.values():  # a seal's issuer is its certificate (a Sealer), as the pipeline reads it
            sealer = checks.verify(document, here).issuer
            assert sealer is not None
            trust[sealer] = here.trust(sealer, json.loads(document["payload"]))
    keys = {issuer.verification_method: issuer.key}
    sources = checks.Sources(
        key_for=lambda method, _relationship: keys.get(method),
        status_list=lists.get,
        award_status=answers.get,
        trust=lambda issuer_id, _credential: trust.get(issuer_id),
        anchors=lambda: loaded,
    )
    return Prepared(url, issuer, signed, sealed, sources)


def _entries(credential: dict[str, Any]) -> list[dict[str, Any]]:
    status = credential.get("credentialStatus")
    return status if isinstance(status, list) else [status] if isinstance(status, dict) else []


def _award_status(credential: dict[str, Any]) -> str:
    """The ELM credential's one status URL (plain, or as a JSON-LD value object)."""
    status = credential["credentialStatus"]
    return str(status["@value"] if isinstance(status, dict) else status)


def tampered(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with the achievement's name changed after signing."""
    changed = json.loads(json.dumps(credential))
    changed["credentialSubject"]["achievement"]["name"] += " (forged)"
    return changed


def outcomes(report: checks.Report) -> str:
    return " ".join(f"{check.name} {check.outcome.value}" for check in report.checks)


def pipeline_rate(documents_: list[dict[str, Any]], sources: checks.Sources, seconds: float) -> float:
    def verify(n: int) -> object:
        report = checks.verify(documents_[n % len(documents_)], sources)
        assert report.valid, outcomes(report)
        return report

    return rate(verify, seconds)


def proof_rate(signed: list[dict[str, Any]], prepared: Prepared, seconds: float) -> float:
    pairs = [({k: v for k, v in credential.items() if k != "proof"}, credential["proof"][0]) for credential in signed]
    key = prepared.issuer.key

    def verify(n: int) -> object:
        unsecured, proof = pairs[n % len(pairs)]
        result = dataintegrity.verify_proof(unsecured, proof, key, document_loader())
        assert result.verified
        return result

    return rate(verify, seconds)


def anchored_rates(prepared: Prepared, count: int, seconds: float) -> tuple[float, float]:
    """The sealed ELM pipeline with the database's own sources, made anew for each verification as the endpoint
    makes them per request (anchors read from the tables, our seal known by its fingerprint), before and after
    `count` trusted-list-sized anchors are added: what thousands of anchors cost a verification."""
    document = next(iter(prepared.sealed.values()))

    def measure() -> float:
        with prepared.issuer.database.session() as db:

            def verify(_n: int) -> object:
                report = checks.verify(
                    document, issuing_sources.sources(db, base_url=BASE_URL, master=prepared.issuer.master)
                )
                assert report.valid, outcomes(report)
                return report

            return rate(verify, seconds)

    before = measure()
    with prepared.issuer.database.session() as db:
        for n in range(count):
            key = ec.generate_private_key(ec.SECP256R1())
            certificate = pki.self_signed(key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"CA {n}")]))
            db.add(anchors._row(certificate, anchors.OPERATOR, "CA", "granted", False))
        db.commit()
    return before, measure()


def seal_rate(document: dict[str, Any], seconds: float) -> float:
    return rate(lambda _n: jades.verify(document), seconds)


@dataclass
class NodeResult:
    with_status: float = 0.0
    proof_only: float = 0.0
    versions: str = ""
    ours_verified: bool = False
    tampered_verified: bool = True
    failed: int = 0
    problem: str = ""


def node(prepared: Prepared, seconds: float) -> NodeResult:
    """Install the Node library into a throwaway folder, cross-check it on ours and a tampered copy, time it."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return NodeResult(problem=f"{missing[0]} is not installed")
    folder = Path(tempfile.mkdtemp(prefix="microcred-node-verify-"))
    try:
        (folder / "package.json").write_text(json.dumps({"private": True, "type": "module"}))
        install = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES]
        subprocess.run(install, cwd=folder, check=True, capture_output=True, timeout=600)  # noqa: S603
        did = prepared.issuer.did_document
        served = {**bundled(), did["id"]: did} | {method["id"]: method for method in did["verificationMethod"]}
        lists = {url: prepared.sources.status_list(url) for e in map(_entries, prepared.signed) for url in _urls(e)}
        inputs = {
            "documents.json": served,
            "credentials.json": prepared.signed,
            "tampered.json": tampered(prepared.signed[0]),
            "lists.json": lists,
        }
        for name, content in inputs.items():
            (folder / name).write_text(json.dumps(content))
        (folder / "verify.mjs").write_text(NODE_SCRIPT)
        command = ["node", "verify.mjs", str(seconds)]
        run = subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True, timeout=seconds * 2 + 300)  # noqa: S603
        result = json.loads(run.stdout.strip().splitlines()[-1])
        modules = folder / "node_modules"
        versions = [subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()]  # noqa: S607
        versions += [
            f"{name} {json.loads((modules / name / 'package.json').read_text())['version']}"
            for name in ("@digitalbazaar/vc", "@digitalbazaar/eddsa-rdfc-2022-cryptosuite", "jsonld")
        ]
        return NodeResult(
            with_status=float(result["withStatus"]["rate"]),
            proof_only=float(result["proofOnly"]["rate"]),
            versions="node " + ", ".join(versions),
            ours_verified=bool(result["oursVerified"]),
            tampered_verified=bool(result["tamperedVerified"]),
            failed=int(result["withStatus"]["failed"]) + int(result["proofOnly"]["failed"]),
            problem=result.get("error") or "",
        )
    except (subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        detail = getattr(error, "stderr", "") or ""
        return NodeResult(problem=f"{error} {str(detail)[-500:]}".strip())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _urls(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["statusListCredential"] for entry in entries]


# The endpoint under load --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SERVER = (
    "import sys, uvicorn; "
    "uvicorn.run('microcred.web.app:create_app', factory=True, host='127.0.0.1', port=int(sys.argv[1]), "
    "log_level='warning', access_log=False)"
)


@contextmanager
def served(prepared: Prepared, scratch: str) -> Iterator[int]:
    """The app under uvicorn in a subprocess on a free loopback port, on the prepared database: its port."""
    port = _free_port()
    master = base64.urlsafe_b64encode(prepared.issuer.master).decode().rstrip("=")
    env = {
        **os.environ,
        "MICROCRED_DATABASE_URL": prepared.url,
        "MICROCRED_DATA_DIR": scratch,
        "MICROCRED_BASE_URL": BASE_URL,
        "MICROCRED_MASTER_KEY": master,
        "MICROCRED_EMBEDDINGS": "off",
        "MICROCRED_VERIFY_RATE_PER_MINUTE": "1000000",  # the load comes from one address: measure, not throttle
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SERVER, str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: {process.stderr.read().decode()[-1000:]}")  # type: ignore[union-attr]
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 seconds")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Load:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


def load(port: int, bodies: list[bytes], clients: int, seconds: float) -> Load:
    """CLIENTS threads, each on its own keep-alive connection, posting the bodies in turn for SECONDS."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    headers = {"Content-Type": "application/json"}

    def client(offset: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        mine, failed = [], 0
        start.wait()
        n = offset
        while time.perf_counter() < stop:
            began = time.perf_counter()
            try:
                connection.request("POST", "/credentials/verify", body=bodies[n % len(bodies)], headers=headers)
                answer = connection.getresponse()
                answer.read()
                failed += answer.status != 200
            except OSError:
                failed += 1
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - began)
            n += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return Load(clients, len(latencies), errors[0], time.perf_counter() - began, latencies)


def endpoint(prepared: Prepared, scratch: str, seconds: float) -> list[Load]:
    bodies = [json.dumps({"verifiableCredential": credential}).encode() for credential in prepared.signed]
    with served(prepared, scratch) as port:
        load(port, bodies, 4, min(seconds, 2.0))  # warm the worker: the contexts, the templates, the pool
        return [load(port, bodies, clients, seconds) for clients in CLIENTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Time each rate is measured for.")
    parser.add_argument("--variants", type=int, default=50, help="Different learners' credentials verified in turn.")
    parser.add_argument("--load-seconds", type=float, default=None, help="Time per client count (--seconds).")
    parser.add_argument("--no-node", action="store_true", help="Without the Node baseline.")
    parser.add_argument("--no-load", action="store_true", help="Without the endpoint under load.")
    parser.add_argument("--anchors", type=int, default=3000, help="Trust anchors loaded for the anchored rate.")
    parser.add_argument("--quick", action="store_true", help="A smoke run: 0.2 s per rate, 5 credentials.")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.variants, args.anchors = 0.2, 5, 100
    load_seconds = args.load_seconds if args.load_seconds is not None else args.seconds

    with tempfile.TemporaryDirectory() as scratch:
        prepared = prepare(f"sqlite:///{scratch}/verify.db", max(args.variants, 1))
        try:
            check = checks.verify(prepared.signed[0], prepared.sources)
            forged = checks.verify(tampered(prepared.signed[0]), prepared.sources)
            full = pipeline_rate(prepared.signed, prepared.sources, args.seconds)
            bare = proof_rate(prepared.signed, prepared, args.seconds)
            elm = {
                algorithm: (
                    seal_rate(document, args.seconds),
                    pipeline_rate([document], prepared.sources, args.seconds),
                )
                for algorithm, document in prepared.sealed.items()
            }
            anchored = anchored_rates(prepared, args.anchors, args.seconds)
            baseline = None if args.no_node else node(prepared, args.seconds)
            loads = [] if args.no_load else endpoint(prepared, scratch, load_seconds)
        finally:
            prepared.issuer.database.dispose()

    size = len(json.dumps(prepared.signed[0]).encode())
    lines = [
        f"Verifying an Open Badges 3.0 micro-credential ({size:,} bytes of JSON, eddsa-rdfc-2022), one process on "
        f"one core, {args.seconds:g} s per rate, {len(prepared.signed)} learners' credentials in turn",
        f"  {'':<52}{'per second':>12}   ratio",
    ]
    if baseline is not None and baseline.with_status > 0:
        ratio = full / baseline.with_status
        lines += [
            f"  {'ours, full pipeline (proof + status list + dates)':<52}{full:>12,.0f}   {ratio:.2f}x Node's "
            f"(target at least {TARGET:g}x: {verdict(ratio, TARGET)})",
            f"  {'Node @digitalbazaar/vc verifyCredential + status':<52}{baseline.with_status:>12,.0f}   1.00x   "
            f"({baseline.versions})",
            f"  {'ours, bare dataintegrity.verify_proof':<52}{bare:>12,.0f}   "
            f"{bare / baseline.proof_only:.2f}x Node's proof only",
            f"  {'Node @digitalbazaar/vc verifyCredential, proof only':<52}{baseline.proof_only:>12,.0f}   1.00x",
        ]
    else:
        problem = "skipped" if baseline is None else f"failed: {baseline.problem}"
        lines += [
            f"  {'ours, full pipeline (proof + status list + dates)':<52}{full:>12,.0f}",
            f"  {'ours, bare dataintegrity.verify_proof':<52}{bare:>12,.0f}   the pipeline: {full / bare:.2f}x it",
            f"  Node @digitalbazaar/vc: {problem} (target {TARGET:g}x: not measured)",
        ]
    for algorithm, (seal, pipeline) in elm.items():
        document = prepared.sealed[algorithm]
        label = f"ELM sealed, {algorithm}{' 2048-bit' if algorithm.startswith(('RS', 'PS')) else ''}"
        lines.append(
            f"  {label + ', jades.verify':<52}{seal:>12,.0f}   ({len(json.dumps(document).encode()):,} bytes sealed)"
        )
        lines.append(f"  {label + ', full pipeline':<52}{pipeline:>12,.0f}   {pipeline / seal:.2f}x jades.verify")
    before, after = anchored
    lines.append(f"  {'ELM sealed, pipeline with sources from the database':<52}{before:>12,.0f}   1.00x")
    lines.append(
        f"  {f'  the same with {args.anchors:,} trust anchors loaded':<52}{after:>12,.0f}   {after / before:.2f}x"
    )
    lines.append(f"  Our pipeline on the first credential: {outcomes(check)}; on a tampered copy: {outcomes(forged)}")
    for algorithm, document in prepared.sealed.items():
        report = checks.verify(document, prepared.sources)
        lines.append(f"  Our pipeline on the {algorithm} sealed ELM credential: {outcomes(report)}")
    if baseline is not None and baseline.with_status > 0:
        lines.append(
            f"  Cross-check: Node says verified={str(baseline.ours_verified).lower()} for ours and "
            f"verified={str(baseline.tampered_verified).lower()} for the tampered copy; "
            f"{baseline.failed} of its timed verifications failed"
            + (f" ({baseline.problem})" if baseline.problem else "")
        )
    if loads:
        lines.append(
            f"POST /credentials/verify under load: uvicorn, one worker, SQLite; clients in a second process on "
            f"loopback, {load_seconds:g} s each (this machine: {os.cpu_count()} cores shared by both)"
        )
        lines.append(f"  {'clients':<12}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}   ratio")
        for result in loads:
            lines.append(
                f"  {result.clients:<12}{result.rate:>12,.0f}"
                f"{result.percentile(0.5):>10.1f}{result.percentile(0.99):>10.1f}"
                f"{result.errors:>8}   {result.rate / full:.2f}x the in-process pipeline"
            )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
