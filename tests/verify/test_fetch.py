"""Other issuers' did:web keys and status lists, fetched over real TLS from a server the test runs, and every
way a fetch is refused: plain http, private addresses, redirects, oversized, slow or non-JSON answers."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from microcred.issuing import sources as issuing_sources
from microcred.trust import dataintegrity, jose, statuslist
from microcred.trust.loader import document_loader
from microcred.trust.multikey import EcdsaKey, Ed25519Key
from microcred.verify import checks
from microcred.verify.checks import MAX_BYTES
from microcred.verify.fetch import BudgetSpent, Fetcher, FetchError
from tests.pki import CA, new_key


@dataclass
class Site:
    """An issuer's web site on https://localhost:<port>: what it serves and how often it was asked."""

    port: int = 0
    pages: dict[str, tuple[int, bytes, float]] = field(default_factory=dict)  # path: (status, body, delay)
    asked: Counter[str] = field(default_factory=Counter)
    context: ssl.SSLContext | None = None

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def serve(self, path: str, body: Any, *, status: int = 200, delay: float = 0.0) -> str:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.pages[path] = (status, raw, delay)
        return f"{self.origin}{path}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    ca = CA("fetch test CA")
    key = new_key("ec")
    certificate = ca.issue(key, "localhost", usage="tls")
    here = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            here.asked[self.path] += 1
            status, body, delay = here.pages.get(self.path, (404, b"not here", 0.0))
            time.sleep(delay)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):  # the client gave up
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with tempfile.TemporaryDirectory() as folder:
        chain, private = Path(folder) / "chain.pem", Path(folder) / "key.pem"
        chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(chain, private)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        here.port = server.server_address[1]
        client_context = ssl.create_default_context()
        client_context.load_verify_locations(cadata=ca.certificate.public_bytes(serialization.Encoding.PEM).decode())
        here.context = client_context
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield here
        finally:
            server.shutdown()
            server.server_close()


def fetcher(site: Site, **options: Any) -> Fetcher:
    """A fetcher that trusts the test CA and, unlike production, may reach loopback."""
    return Fetcher(allow_private=True, context=site.context, **options)


@dataclass
class Issuer:
    did: str
    key: Ed25519Key
    list_url: str
    path: str  # where on the site: a new one per issuer, as the site outlives each test

    @property
    def method(self) -> str:
        return f"{self.did}#{self.key.public_multibase}"

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return dataintegrity.add_proof(
            document, self.key, verification_method=self.method, created=dataintegrity.now(), loader=document_loader()
        )

    def credential(self, index: int, name: str = "Welding basics") -> dict[str, Any]:
        return self.sign(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
                "type": ["VerifiableCredential"],
                "issuer": self.did,
                "validFrom": "2026-01-01T00:00:00Z",
                "name": name,
                "credentialSubject": {"name": "Ada"},
                "credentialStatus": statuslist.entry(list_url=self.list_url, index=index, purpose="revocation"),
            }
        )


def publish_issuer(site: Site, name: str, *, revoked: int) -> Issuer:
    """An issuer whose did:web document and revocation list (bit `revoked` set) are on the site."""
    key = Ed25519Key.generate()
    path = f"{name}-{secrets.token_hex(4)}"
    did = f"did:web:localhost%3A{site.port}:{path}"
    issuer = Issuer(did, key, f"{site.origin}/{path}/lists/1", path)
    site.serve(
        f"/{path}/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "verificationMethod": [
                {"id": issuer.method, "type": "Multikey", "controller": did, "publicKeyMultibase": key.public_multibase}
            ],
            "assertionMethod": [issuer.method],
        },
    )
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, revoked, True)
    unsigned = statuslist.list_credential(
        list_url=issuer.list_url, issuer=did, purpose="revocation", bits=bits, valid_from="2026-01-01T00:00:00Z"
    )
    site.serve(f"/{path}/lists/1", issuer.sign(unsigned))
    return issuer


def outcomes(report: checks.Report) -> dict[str, str]:
    return {check.name: check.outcome.value for check in report.checks}


def test_a_credential_from_elsewhere_is_checked_with_its_issuers_did_web_key_and_status_list(
    db: Session, site: Site
) -> None:
    issuer = publish_issuer(site, "college", revoked=7)
    sources = issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
    valid = checks.verify(issuer.credential(8), sources)
    revoked = checks.verify(issuer.credential(7), sources)
    assert outcomes(valid)["PROOF"] == "OK" and outcomes(valid)["REVOCATION"] == "OK", valid.as_dict()
    assert outcomes(revoked)["REVOCATION"] == "ERROR" and "revoked" in revoked.checks[2].sentence
    assert site.asked[f"/{issuer.path}/lists/1"] == 1 and site.asked[f"/{issuer.path}/did.json"] == 1  # cached
    forged = {**issuer.credential(8), "name": "Rocket science"}
    forged["proof"] = issuer.credential(8)["proof"]
    assert outcomes(checks.verify(forged, sources))["PROOF"] == "ERROR"


def test_a_status_list_signed_by_someone_else_is_not_believed(db: Session, site: Site) -> None:
    issuer = publish_issuer(site, "academy", revoked=3)
    impostor = publish_issuer(site, "impostor", revoked=99)
    bits = statuslist.new_bitstring()  # nothing revoked, "published" at the academy's address by the impostor
    unsigned = statuslist.list_credential(
        list_url=issuer.list_url, issuer=issuer.did, purpose="revocation", bits=bits, valid_from="2026-01-01T00:00:00Z"
    )
    site.serve(f"/{issuer.path}/lists/1", impostor.sign(unsigned))
    sources = issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
    report = checks.verify(issuer.credential(3), sources)
    assert outcomes(report)["REVOCATION"] == "ERROR" and "cannot be trusted" in report.checks[2].sentence


def test_with_fetching_switched_off_the_revocation_is_unknown_and_says_why(db: Session, site: Site) -> None:
    issuer = publish_issuer(site, "offline", revoked=1)
    sources = issuing_sources.sources(
        db, base_url="https://mc.example", master=b"\0" * 32, fetcher=Fetcher(enabled=False)
    )
    report = checks.verify(issuer.credential(1), sources)
    revocation = report.checks[2]
    assert revocation.name == "REVOCATION" and revocation.outcome == checks.Outcome.WARNING
    assert "switched off" in revocation.detail
    assert site.asked[f"/{issuer.path}/lists/1"] == 0


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://localhost:{port}/page", "Only https"),
        ("ftp://localhost/x", "Only https"),
        ("https://user:pw@localhost:{port}/page", "password"),
        ("https://no-such-host.invalid/x", "no-such-host.invalid is not reachable"),
        ("https://localhost:{port}/page", "not reachable on port [0-9]+: only port 443"),
    ],
)
def test_addresses_that_are_never_fetched(site: Site, url: str, problem: str) -> None:
    with pytest.raises(FetchError, match=problem):
        Fetcher(context=site.context).json(url.format(port=site.port))


def test_production_fetchers_refuse_loopback_and_other_private_addresses(site: Site) -> None:
    url = site.serve("/private", {"secret": True})
    with pytest.raises(FetchError, match="not reachable"):
        Fetcher(context=site.context, ports=[site.port]).json(url)
    assert site.asked["/private"] == 0


def test_bad_answers_are_named_and_cached_briefly(site: Site) -> None:
    big = site.serve("/big", b"[" + b"0," * (MAX_BYTES // 2) + b"0]")
    cases = {
        site.serve("/gone", b"", status=404): "answered 404",
        site.serve("/moved", b"", status=302): "answered 302",  # redirects are not followed (to metadata, here)
        site.serve("/text", b"<html>hello</html>"): "not JSON",
        big: "larger than",
        site.serve("/deep", b"[" * 100 + b"]" * 100): "nested",
    }
    remote = fetcher(site)
    for url, problem in cases.items():
        with pytest.raises(FetchError, match=problem):
            remote.json(url)
        with pytest.raises(FetchError, match=problem):
            remote.json(url)  # from the cache
    assert site.asked["/gone"] == 1 and site.asked["/big"] == 1


def test_a_slow_site_is_given_up_on_at_the_deadline(site: Site) -> None:
    url = site.serve("/slow", {"late": True}, delay=3.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than"):
        fetcher(site, deadline=0.5).json(url)
    assert time.monotonic() - started < 1.5


@contextlib.contextmanager
def dripping(answer: bytes, every: float = 0.3) -> Iterator[int]:
    """A site on loopback that answers each connection with `answer`, one byte every `every` seconds: each read
    gets a byte well inside any per-read timeout, so only a deadline on the whole fetch ends it. Yields its port."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(4096)  # the request (unread, it would turn the server's close into a reset)
                if not every:
                    with contextlib.suppress(OSError):
                        connection.sendall(answer)
                    continue
                for byte in answer:
                    if stop.wait(every):
                        break
                    try:
                        connection.send(bytes([byte]))
                    except OSError:
                        break  # the fetcher hung up

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        server.join()
        listener.close()


DRIPS = {
    "response headers": ("http", b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200),
    "a chunk-size line": ("http", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n" + b"0" * 200),
    "the TLS handshake": ("https", b"\x16\x03\x03\x40\x00" + b"\x02" * 200),
    "'100 Continue' answers": ("http", b"HTTP/1.1 100 Continue\r\n\r\n" * 20),
}


@pytest.mark.parametrize(("scheme", "answer"), DRIPS.values(), ids=DRIPS.keys())
def test_a_site_dripping_its_answer_is_given_up_on_at_the_deadline(site: Site, scheme: str, answer: bytes) -> None:
    """A byte every 0.3 s never trips a per-read timeout: the attack held a 1 s fetch for 20 s (and could for
    hours). The fetch's whole time is kept, and the watchdog that keeps it is gone once the fetch is over."""
    with dripping(answer) as port:
        threads = set(threading.enumerate())  # the slow handlers of earlier tests may end meanwhile: not counted
        remote = fetcher(site, deadline=1.0, budget=2.0)
        started = time.monotonic()
        with remote.budget(), pytest.raises(FetchError) as late:
            remote.json(f"{scheme}://127.0.0.1:{port}/status/1")
        assert time.monotonic() - started < 1.4
        assert str(late.value) == "The site took longer than 1 s to answer."
        with remote.budget(0.5), pytest.raises(BudgetSpent, match="time budget of 0.5 s"):
            remote.json(f"{scheme}://127.0.0.1:{port}/status/2")
        assert time.monotonic() - started < 2.0
        assert set(threading.enumerate()) <= threads  # no watchdog outlives its fetch


def test_no_watchdog_outlives_a_fetch_that_ends_in_time(site: Site) -> None:
    with dripping(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", every=0) as port:
        threads = set(threading.enumerate())
        remote = fetcher(site, deadline=30.0)
        assert remote.json(f"http://127.0.0.1:{port}/ok") == {}
        with pytest.raises(FetchError, match="answered 404"), dripping(b"HTTP/1.1 404 Gone\r\n\r\n", every=0) as gone:
            remote.json(f"http://127.0.0.1:{gone}/gone")
        assert set(threading.enumerate()) <= threads  # each timer was stopped, not left to run out its 30 s


def test_the_headers_of_an_answer_are_capped_in_size(site: Site) -> None:
    """http.client caps a header line (64 KiB) and their count (100), not their sum, nor the '100 Continue's."""
    line = b"X-Big: " + b"a" * 60_000 + b"\r\n"
    with dripping(b"HTTP/1.1 200 OK\r\n" + line * 3 + b"\r\n{}", every=0) as port, pytest.raises(FetchError) as refused:
        fetcher(site).json(f"http://127.0.0.1:{port}/status/1")
    assert str(refused.value) == "The site 127.0.0.1 is not reachable."


EMBEDDING_LOOPBACK_OR_PRIVATE = {
    "IPv4-mapped": "::ffff:127.0.0.1",
    "IPv4-mapped, private": "::ffff:10.0.0.1",
    "IPv4-compatible": "::127.0.0.1",
    "IPv4-compatible, metadata": "::169.254.169.254",
    "IPv4-translated": "::ffff:0:7f00:1",
    "NAT64": "64:ff9b::7f00:1",
    "NAT64, private": "64:ff9b::c0a8:101",
    "NAT64, local use": "64:ff9b:1::808:808",
    "6to4": "2002:7f00:1::1",
    "6to4, private": "2002:a00:1::1",
    "Teredo, loopback client": "2001:0:4136:e378:8000:63bf:80ff:fffe",
    "Teredo, private server": "2001:0:a00:1:8000:63bf:3fff:fdd2",
}


@pytest.mark.parametrize("address", EMBEDDING_LOOPBACK_OR_PRIVATE.values(), ids=EMBEDDING_LOOPBACK_OR_PRIVATE.keys())
def test_an_ipv6_address_that_embeds_a_private_ipv4_is_not_reachable(site: Site, address: str) -> None:
    remote = Fetcher(context=site.context)
    with pytest.raises(FetchError) as refused:
        remote.json(f"https://[{address}]/status/1")
    assert str(refused.value) == f"The site {address} is not reachable."  # nothing of what was found


def test_the_ipv4_inside_an_ipv6_address_is_judged_as_that_ipv4() -> None:
    from microcred.verify.fetch import public

    teredo = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:80ff:fffe")
    assert teredo.teredo is not None and str(teredo.teredo[1]) == "127.0.0.1"  # the client, de-obfuscated
    assert not public(teredo)
    assert public(ipaddress.ip_address("2606:4700::1111"))
    assert public(ipaddress.ip_address("64:ff9b::808:808")) and public(ipaddress.ip_address("2002:808:808::1"))


def test_a_refused_connection_is_not_named(site: Site) -> None:
    """Which network error a fetch met (refused, reset, TLS) would let anyone map the ports behind the server."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(FetchError) as refused:
        fetcher(site).json(f"https://localhost:{port}/status/1")
    assert str(refused.value) == "The site localhost is not reachable."


def test_many_slow_sites_cannot_hold_a_request_longer_than_its_budget(site: Site) -> None:
    """A presentation's credentials pointing at ten slow status lists: the request gives up after its budget."""
    urls = [site.serve(f"/slow-{secrets.token_hex(4)}", {"late": True}, delay=1.5) for _ in range(10)]
    remote = fetcher(site, deadline=3.0)
    started = time.monotonic()
    failures = []
    with remote.budget(1.0):
        for url in urls:
            with pytest.raises(FetchError) as failed:
                remote.json(url)
            failures.append(failed.value)
    assert time.monotonic() - started < 1.6
    assert isinstance(failures[-1], BudgetSpent) and "time budget of 1 s" in str(failures[-1])
    assert sum(site.asked[urlsplit_path(url)] for url in urls) == 1  # the rest failed at once, unasked
    with remote.budget(3.0):  # a budget's end is not remembered as the site's failure
        assert remote.json(urls[-1]) == {"late": True}


def test_a_slow_name_lookup_is_inside_the_budget(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    lookup = socket.getaddrinfo

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.0)
        return lookup(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    remote = fetcher(site)
    started = time.monotonic()
    with remote.budget(0.5), pytest.raises(BudgetSpent, match="time budget"):
        remote.json(f"{site.origin}/anything")
    assert time.monotonic() - started < 1.0


def urlsplit_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_did_web_key_published_as_a_json_web_key_verifies_and_a_private_or_rsa_one_is_no_key(
    db: Session, site: Site
) -> None:
    """did:web documents often give keys as `publicKeyJwk` (JsonWebKey2020): an EC key so given is the issuer's key;
    a JWK with its private part, or an RSA key (no Data Integrity suite uses one), is no key at all."""
    key = EcdsaKey.generate("P-256")
    path = f"jwk-{secrets.token_hex(4)}"
    did = f"did:web:localhost%3A{site.port}:{path}"
    method = f"{did}#key-1"

    def publish(jwk: dict[str, Any]) -> None:
        site.serve(
            f"/{path}/did.json",
            {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "verificationMethod": [
                    {"id": method, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
                ],
                "assertionMethod": [method],
            },
        )

    credential = dataintegrity.add_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"name": "Ada"},
        },
        key,
        suite="ecdsa-rdfc-2019",
        verification_method=method,
        created=dataintegrity.now(),
        loader=document_loader(),
    )
    publish(jose.jwk_of(key))
    found = checks.verify(
        credential, issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
    )
    assert outcomes(found)["PROOF"] == "OK", found.as_dict()
    for refused in ({**jose.jwk_of(key), "d": "AAAA"}, jose.jwk_of(jose.key_from_jwk(RSA_JWK))):
        publish(refused)
        sources = issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
        assert outcomes(checks.verify(credential, sources))["PROOF"] == "ERROR"


RSA_JWK = {
    "kty": "RSA",
    "e": "AQAB",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
        "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZ"
        "Hzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
        "kEgU8awapJzKnqDKgw"
    ),
}
