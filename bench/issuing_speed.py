"""Issuing speed: Open Badges 3.0 micro-credentials signed per second on one core, beside Digital Bazaar's
`@digitalbazaar/vc` signing the same credentials in the same run, and batch runs on both databases.

    .venv/bin/python -m bench.issuing_speed [--batch 10000] [--seconds 5] [--no-pg] [--no-node]

A specification with every Annex I element is published by the design service on a fresh SQLite database,
and one credential is issued from it by `issue_edition`; with it as the template, credentials for other
learners (their own id, name, hashed email, status entry and date) are signed for a fixed time each, one
process on one core:

- ours: `dataintegrity.add_proof` with `eddsa-rdfc-2022` and with `eddsa-jcs-2022`, as `credentials.sign`
  calls it (the organisation's key from the database, its did:web verification method);
- Node: `@digitalbazaar/vc`'s `issue` with `DataIntegrityProof` and `@digitalbazaar/eddsa-rdfc-2022-cryptosuite`
  (npm-installed into a throwaway folder), its document loader serving the same bundled contexts as
  static documents, so that jsonld.js caches them as Digital Bazaar's own loaders let it;
- the ceiling: raw Ed25519 signatures of a 64-byte hash (`cryptography`), what signing costs without any
  canonicalization.

Before timing, both sides sign the same credential with the same key and date: Ed25519 is deterministic,
so equal proofValues mean both canonicalized the same bytes; each side also verifies the other's.

Then a batch of BATCH rows goes through `batch.run` (CSV rows parsed by `batch.parse`, each row issued by
`issue_edition` and committed) on a fresh SQLite file and a fresh PostgreSQL database, and its rate is set
beside the single-credential rdfc rate measured between its chunks (`run_batch`), with the share of the
batch's time spent signing.

Targets (issue 5): eddsa-rdfc-2022 at least 4x the Node library's rate; batch issuance at the
single-credential rate within 20%.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.design.fixtures import full

from bench.catalogue_speed import fresh_postgres
from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.issuing import batch, credentials, documents, keys
from microcred.store import Database
from microcred.store.migrate import upgrade
from microcred.trust import dataintegrity
from microcred.trust.keystore import new_master_key, parse_master_key
from microcred.trust.loader import bundled, document_loader
from microcred.trust.multikey import Ed25519Key

BASE_URL = "https://mc.example"
CREATED = "2026-11-23T10:00:00Z"
NPM_PACKAGES = [
    "@digitalbazaar/vc@7",
    "@digitalbazaar/data-integrity@2",
    "@digitalbazaar/eddsa-rdfc-2022-cryptosuite@1",
    "@digitalbazaar/ed25519-multikey@1",
]
RDFC_TARGET = 4.0  # ours at least 4x Node's rate
BATCH_TARGET = 0.8  # a batch at the single-credential rate within 20%
NAMES = ["Ana Andromeda", "Bo Ng", "Ciarán Ó Briain", "Dóra Kovács", "Émile Zola-Martin", "Fatima Al-Sayed"]

# Signs the credentials in unsigned.json in turn for SECONDS after a warm-up, prints {"rate", ...} as JSON.
# First it signs check.json with the same key and date as ours and verifies ours.json: the cross-checks.
NODE_SCRIPT = """
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const read = name => JSON.parse(readFileSync(new URL(name, import.meta.url)));
const seconds = Number(process.argv[2]);
const [documents, unsigned, check, ours, key] =
  ['documents.json', 'unsigned.json', 'check.json', 'ours.json', 'key.json'].map(read);
const documentLoader = async url => {
  const document = documents[url] ?? documents[url.split('#')[0]];
  if(document === undefined) throw new Error(`No such document: ${url}`);
  return {contextUrl: null, documentUrl: url, document, tag: 'static'};
};
const keyPair = await Ed25519Multikey.from({
  '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', id: key.id, controller: key.controller,
  publicKeyMultibase: key.publicKeyMultibase, secretKeyMultibase: key.secretKeyMultibase
});
const issue = (credential, date) => vc.issue({
  credential: structuredClone(credential),
  suite: new DataIntegrityProof({signer: keyPair.signer(), date, cryptosuite}),
  documentLoader
});
const signedCheck = await issue(check, key.created);
const verifiedOurs = await vc.verifyCredential({
  credential: ours, suite: new DataIntegrityProof({cryptosuite}), documentLoader,
  checkStatus: async () => ({verified: true})
});
// jsonld.js needs its JIT warm: sign untimed first, as long as the timed run but at most 3 seconds
const warm = performance.now();
for(let n = 0; performance.now() - warm < Math.min(seconds, 3) * 1000; n++) {
  await issue(unsigned[n % unsigned.length], new Date());
}
let count = 0;
const started = performance.now();
while(performance.now() - started < seconds * 1000) {
  await issue(unsigned[count % unsigned.length], new Date());
  count += 1;
}
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  rate: count / elapsed, count, seconds: elapsed, signedCheck,
  verifiedOurs: verifiedOurs.verified, verifyError: verifiedOurs.verified ? null : String(verifiedOurs.error)
}));
"""


@dataclass
class Issuer:
    """A published edition and the organisation's signing key, on a fresh database."""

    database: Database
    organisation: Organisation
    spec_id: uuid.UUID
    master: bytes
    key: Ed25519Key
    verification_method: str
    did_document: dict[str, Any]
    first: dict[str, Any]  # one credential issued by issue_edition


def publish(url: str) -> Issuer:
    upgrade(url)
    database = Database(url)
    master = parse_master_key(new_master_key())
    with database.session() as db:
        operator = Actor.operator()
        organisation = accounts.create_organisation(
            db, operator, legal_name="University of Zed", country="IE", slug="zed"
        )
        content = full()  # every Annex I element and the optional ones a provider fills in
        spec = design.create(db, operator, organisation, content)
        design.publish(db, operator, organisation, spec.id)
        db.flush()
        issued = credentials.issue_edition(
            db,
            operator,
            organisation,
            spec.id,
            1,
            documents.Learner(name=NAMES[0], email="ana@example.org"),
            documents.Result(awarded=date(2026, 11, 20), grade="Pass"),
            base_url=BASE_URL,
            master=master,
        )
        row = keys.active(db, operator, organisation, "Ed25519", master)
        key = keys.private_key(row, master)
        assert isinstance(key, Ed25519Key)
        method = keys.verification_method(organisation, row, BASE_URL)
        did = keys.did_document(db, organisation, BASE_URL)
        db.expunge(organisation)
        return Issuer(database, organisation, spec.id, master, key, method, did, issued.document)


def unsigned_variants(first: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Credentials as issue_edition makes them for other learners: their own id, name, salted email hash,
    status entry and date; the achievement, issuer and shape as in the first."""
    variants = []
    for n in range(count):
        credential = json.loads(json.dumps({k: v for k, v in first.items() if k != "proof"}))
        credential["id"] = f"urn:uuid:{uuid.uuid4()}"
        credential["validFrom"] = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
        subject = credential["credentialSubject"]
        for identifier in subject["identifier"]:
            if identifier["identityType"] == "name":
                identifier["identityHash"] = f"{NAMES[n % len(NAMES)]} {n}"
            elif identifier["hashed"]:
                salt = secrets.token_hex(8)
                email = f"learner{n}@example.org"
                identifier["identityHash"] = "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()
                identifier["salt"] = salt
        status = credential["credentialStatus"]
        status["statusListIndex"] = str(secrets.randbelow(131_072))
        status["id"] = f"{status['statusListCredential']}#{status['statusListIndex']}"
        variants.append(credential)
    return variants


def rate(function: Callable[[int], object], seconds: float) -> float:
    """Calls per second of function(n), n = 0, 1, 2, ..., for about `seconds` after a few warm-up calls
    (the first credential of a shape is expanded by pyld, the second makes its template)."""
    for n in range(3):
        function(n)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        function(count)
        count += 1
    return count / (time.perf_counter() - started)


def signer(issuer: Issuer, variants: list[dict[str, Any]], suite: str) -> Callable[[int], object]:
    """Sign the n-th learner's credential as `credentials.sign` does (with `add_proof` as it is now, so that
    `timed_signing` does not count this signing as the batch's)."""
    loader = document_loader()
    add_proof = dataintegrity.add_proof

    def sign(n: int) -> object:
        return add_proof(
            variants[n % len(variants)],
            issuer.key,
            suite=suite,
            created=dataintegrity.now(),
            verification_method=issuer.verification_method,
            loader=loader,
            as_list=True,
        )

    return sign


def ours(issuer: Issuer, variants: list[dict[str, Any]], suite: str, seconds: float) -> float:
    return rate(signer(issuer, variants, suite), seconds)


def raw_ed25519(seconds: float) -> float:
    private = Ed25519PrivateKey.generate()
    message = secrets.token_bytes(64)  # the size of the two SHA-256 hashes a proof signs
    return rate(lambda _n: private.sign(message), seconds)


@dataclass
class NodeResult:
    rate: float
    versions: str
    same_proof: bool
    node_verified_by_ours: bool
    ours_verified_by_node: bool
    problem: str = ""


def node(issuer: Issuer, variants: list[dict[str, Any]], seconds: float) -> NodeResult:
    """Install the Node library into a throwaway folder, cross-check it with ours, and time it."""
    folder = Path(tempfile.mkdtemp(prefix="microcred-node-"))
    try:
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                return NodeResult(0.0, "", False, False, False, f"{tool} is not installed")
        (folder / "package.json").write_text('{"private": true, "type": "module"}')
        subprocess.run(  # noqa: S603
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES],  # noqa: S607
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=600,
        )
        check = variants[0]
        ours_signed = dataintegrity.add_proof(
            check, issuer.key, created=CREATED, verification_method=issuer.verification_method, as_list=True
        )
        did = issuer.did_document
        served = {**bundled(), str(did["id"]): did}
        served.update({str(method["id"]): method for method in did.get("verificationMethod", [])})
        files = {
            "documents.json": served,
            "unsigned.json": variants,
            "check.json": check,
            "ours.json": ours_signed,
            "key.json": {
                "id": issuer.verification_method,
                "controller": did["id"],
                "publicKeyMultibase": issuer.key.public_multibase,
                "secretKeyMultibase": issuer.key.private_multibase,
                "created": CREATED,
            },
        }
        for name, content in files.items():
            (folder / name).write_text(json.dumps(content))
        (folder / "sign.mjs").write_text(NODE_SCRIPT)
        run = subprocess.run(  # noqa: S603
            ["node", "sign.mjs", str(seconds)],  # noqa: S607
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 300,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        signed = result["signedCheck"]
        proof = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        verified = dataintegrity.verify_proof(unsecured, proof, issuer.key, document_loader()).verified
        versions = ", ".join(
            f"{name} {json.loads((folder / 'node_modules' / name / 'package.json').read_text())['version']}"
            for name in ("@digitalbazaar/vc", "@digitalbazaar/eddsa-rdfc-2022-cryptosuite", "jsonld")
        )
        return NodeResult(
            rate=float(result["rate"]),
            versions=f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "  # noqa: S603,S607
            + versions,
            same_proof=proof["proofValue"] == ours_signed["proof"][0]["proofValue"],
            node_verified_by_ours=verified,
            ours_verified_by_node=bool(result["verifiedOurs"]),
            problem=result.get("verifyError") or "",
        )
    except (subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        detail = getattr(error, "stderr", "") or ""
        return NodeResult(0.0, "", False, False, False, f"{error} {str(detail)[-500:]}".strip())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class BatchResult:
    name: str
    rows: int
    issued: int
    seconds: float
    signing_seconds: float
    single: float = 0.0  # the single-credential rdfc rate, measured just before and just after the batch

    @property
    def ratio(self) -> float:
        return self.rate / self.single

    @property
    def rate(self) -> float:
        return self.issued / self.seconds


@contextmanager
def timed_signing() -> Iterator[list[float]]:
    """Adds up the time `add_proof` takes while the block runs (credentials.sign calls it by module)."""
    spent = [0.0]
    original = dataintegrity.add_proof

    def add_proof(*args: Any, **kwargs: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    dataintegrity.add_proof = add_proof
    try:
        yield spent
    finally:
        dataintegrity.add_proof = original


def run_batch(
    name: str, url: str, rows: int, single: Callable[[int], object] | None = None, window: float = 0.25
) -> BatchResult:
    """A batch of `rows` on a fresh database. With `single`, the single-credential rate is measured between the
    batch's chunks, `window` seconds each time, outside the batch's own time: that is its baseline, measured in
    the same minutes, since the speed of a shared virtual machine drifts by tens of percent from one minute to
    the next and a ratio to a rate measured earlier would mostly measure that drift."""
    issuer = publish(url)
    baseline = [0, 0.0]  # credentials signed, seconds

    def between_chunks(_done: int, _total: int) -> None:
        if single is None:
            return
        if issuer.database.engine.dialect.name == "sqlite":
            # The chunk's checkpoint (on SQLite's own thread since its commit) ends first, in the batch's time:
            # the batch pays for all its writing, and the single rate is measured on a quiet machine.
            with issuer.database.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        started = time.perf_counter()
        while time.perf_counter() - started < window:
            single(int(baseline[0]))
            baseline[0] += 1
        baseline[1] += time.perf_counter() - started

    try:
        lines = ["name,email,awarded,grade"]
        lines += [f"{NAMES[n % len(NAMES)]} {n},learner{n}@example.org,2026-11-20,Pass" for n in range(rows)]
        parsed = batch.parse("\n".join(lines).encode(), spec_id=issuer.spec_id, edition=1)
        with issuer.database.sessions() as db:
            organisation = db.merge(issuer.organisation)
            between_chunks(0, rows)  # the single rate before the first chunk too (a warm-up of its own)
            with timed_signing() as signing:
                started = time.perf_counter()
                outcomes = batch.run(
                    db,
                    Actor.operator(),
                    organisation,
                    issuer.spec_id,
                    1,
                    parsed,
                    base_url=BASE_URL,
                    master=issuer.master,
                    progress=between_chunks,
                )
                elapsed = time.perf_counter() - started - baseline[1]
        issued = sum(outcome.status == "issued" for outcome in outcomes)
        return BatchResult(
            name, rows, issued, elapsed, signing[0], single=baseline[0] / baseline[1] if baseline[1] else 0.0
        )
    finally:
        issuer.database.dispose()


def verdict(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000, help="Rows in the batch run on each database.")
    parser.add_argument("--seconds", type=float, default=5.0, help="Time each signing rate is measured for.")
    parser.add_argument("--variants", type=int, default=200, help="Different learners' credentials signed in turn.")
    parser.add_argument("--no-pg", action="store_true", help="The batch on SQLite only.")
    parser.add_argument("--no-node", action="store_true", help="Without the Node baseline.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        issuer = publish(f"sqlite:///{scratch}/issuing.db")
        issuer.database.dispose()
    variants = unsigned_variants(issuer.first, args.variants)
    ceiling = raw_ed25519(args.seconds)
    jcs = ours(issuer, variants, "eddsa-jcs-2022", args.seconds)
    rdfc = ours(issuer, variants, "eddsa-rdfc-2022", args.seconds)
    baseline = None if args.no_node else node(issuer, variants, args.seconds)
    batches = []
    if args.batch > 0:
        single = signer(issuer, variants, "eddsa-rdfc-2022")
        with tempfile.TemporaryDirectory() as scratch:
            batches.append(run_batch("SQLite", f"sqlite:///{scratch}/batch.db", args.batch, single))
        if not args.no_pg:
            with fresh_postgres() as url:
                batches.append(run_batch("PostgreSQL", url, args.batch, single))

    size = len(json.dumps(issuer.first).encode())
    lines = [
        f"Issuing an Open Badges 3.0 micro-credential ({size:,} bytes of JSON signed), one process on one core, "
        f"{args.seconds:g} s per rate, {len(variants)} learners' credentials in turn",
        f"  {'':<44}{'per second':>12}   ratio",
        f"  {'raw Ed25519 signing (the ceiling)':<44}{ceiling:>12,.0f}",
        f"  {'ours, eddsa-jcs-2022':<44}{jcs:>12,.0f}   {jcs / ceiling:.3f}x the ceiling",
    ]
    if baseline is not None and baseline.rate > 0:
        lines += [
            f"  {'ours, eddsa-rdfc-2022':<44}{rdfc:>12,.0f}   {rdfc / baseline.rate:.2f}x Node's rate "
            f"(target at least {RDFC_TARGET:g}x: {verdict(rdfc / baseline.rate, RDFC_TARGET)}); "
            f"{rdfc / ceiling:.3f}x the ceiling",
            f"  {'Node @digitalbazaar/vc, eddsa-rdfc-2022':<44}{baseline.rate:>12,.0f}   1.00x   ({baseline.versions})",
        ]
    else:
        problem = "skipped" if baseline is None else f"failed: {baseline.problem}"
        lines += [
            f"  {'ours, eddsa-rdfc-2022':<44}{rdfc:>12,.0f}   {rdfc / ceiling:.3f}x the ceiling",
            f"  Node @digitalbazaar/vc: {problem} (target {RDFC_TARGET:g}x: not measured)",
        ]
    for result in batches:
        label = f"batch of {result.rows:,} rows, {result.name}"
        lines.append(
            f"  {label:<44}{result.rate:>12,.0f}   {result.ratio:.2f}x the single-credential rdfc rate "
            f"({result.single:,.0f}/s between its chunks; target at least {BATCH_TARGET:g}x: "
            f"{verdict(result.ratio, BATCH_TARGET)}); "
            f"{result.issued:,} issued in {result.seconds:.1f} s, {result.signing_seconds / result.seconds:.0%} "
            "of it signing"
        )
    if baseline is not None and baseline.rate > 0:
        lines.append(
            "  Cross-check, same key and date: Node's proofValue equals ours "
            f"{'byte for byte' if baseline.same_proof else 'NOT (they canonicalize differently)'}; "
            f"Node's proof {'verifies' if baseline.node_verified_by_ours else 'does NOT verify'} with ours; "
            f"ours {'verifies' if baseline.ours_verified_by_node else 'does NOT verify'} with Node's"
            + (f" ({baseline.problem})" if baseline.problem else "")
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
