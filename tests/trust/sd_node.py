"""Digital Bazaar's ecdsa-sd-2023 (`@digitalbazaar/vc` 7.3 with `@digitalbazaar/ecdsa-sd-2023-cryptosuite`
3.4) as an independent implementation, run in Node from tests/node: issue a base proof, derive a disclosure,
verify a derived credential, or time the three (for bench/sd_speed.py). Its document loader serves exactly the
contexts it is given and did:key verification methods; it never reaches the network."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from microcred.trust.loader import bundled

NODE_FOLDER = Path(__file__).resolve().parents[1] / "node"

SCRIPT = r"""
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {
  createSignCryptosuite, createDiscloseCryptosuite, createVerifyCryptosuite
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';

const input = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
const contexts = input.contexts;

async function documentLoader(url) {
  if(contexts[url]) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  if(url.startsWith('did:key:')) {
    const [did] = url.split('#');
    const key = did.slice('did:key:'.length);
    const method = {
      '@context': 'https://w3id.org/security/multikey/v1',
      id: `${did}#${key}`, type: 'Multikey', controller: did, publicKeyMultibase: key
    };
    if(url.includes('#')) {
      return {contextUrl: null, documentUrl: url, document: method};
    }
    const document = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did, verificationMethod: [method], assertionMethod: [method.id], authentication: [method.id]
    };
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`Unknown document ${url}`);
}

async function issue(credential, pointers) {
  const key = await EcdsaMultikey.from({...input.key, '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey', id: `did:key:${input.key.publicKeyMultibase}#${input.key.publicKeyMultibase}`,
    controller: `did:key:${input.key.publicKeyMultibase}`});
  const suite = new DataIntegrityProof({
    signer: key.signer(), cryptosuite: createSignCryptosuite({mandatoryPointers: pointers})
  });
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

async function derive(credential, pointers) {
  const suite = new DataIntegrityProof({
    cryptosuite: createDiscloseCryptosuite({selectivePointers: pointers})
  });
  return vc.derive({verifiableCredential: credential, suite, documentLoader});
}

async function verify(credential) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  // the proof only: a status entry is not fetched (our side times the proof alone too)
  const checkStatus = async () => ({verified: true});
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const errors = [];
  for(const item of result.results || []) {
    if(item.error) errors.push(String(item.error.message || item.error));
  }
  if(result.error) errors.push(String(result.error.message || result.error));
  return {verified: result.verified, errors};
}

async function timed(seconds, work) {
  // jsonld.js needs its JIT warm: run untimed first, as long as the timed run but at most 2 seconds
  const warm = performance.now() + Math.min(seconds, 2) * 1000;
  while(performance.now() < warm) {
    await work();
  }
  let count = 0;
  const started = performance.now();
  while(performance.now() - started < seconds * 1000) {
    await work();
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

let output;
if(input.op === 'issue') {
  output = await issue(input.credential, input.pointers);
} else if(input.op === 'derive') {
  output = await derive(input.credential, input.pointers);
} else if(input.op === 'verify') {
  output = await verify(input.credential);
} else if(input.op === 'bench') {
  const base = await issue(input.credential, input.mandatory);
  const derived = await derive(base, input.selective);
  const check = await verify(derived);
  if(!check.verified) throw new Error('Node does not verify its own derived credential');
  output = {
    base: await timed(input.seconds, () => issue(input.credential, input.mandatory)),
    derive: await timed(input.seconds, () => derive(base, input.selective)),
    verify: await timed(input.seconds, () => verify(derived)),
  };
}
process.stdout.write(JSON.stringify(output));
"""


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_FOLDER / "node_modules" / "@digitalbazaar").is_dir()


def run(op: str, extra_contexts: dict[str, Any] | None = None, timeout: float = 120, **payload: Any) -> Any:
    """The Node library's answer to `op` ("issue", "derive", "verify" or "bench") on `payload`."""
    contexts = {**bundled(), **(extra_contexts or {})}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"op": op, "contexts": contexts, **payload}, handle)
        path = handle.name
    try:
        done = subprocess.run(
            ["node", "--input-type=module", "-", path],
            input=SCRIPT,
            cwd=NODE_FOLDER,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        Path(path).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"node {op} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)
