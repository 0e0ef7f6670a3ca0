"""Fetching what other issuers publish: their status lists, their did:web documents, a credential's link.

A public verifier that fetches URLs found in documents anyone can submit is an open door into the network
it runs in, so a fetch goes only to https, only to public addresses (each address the name resolves to is
checked, an IPv4 embedded in an IPv6 address too, and the connection is made to the checked address, so a
name cannot resolve twice to different places), only to port 443 (unless configured), follows no redirects,
stops at MAX_BYTES and at a total deadline (kept by a watchdog that cuts the connection, so a site dripping its
answer a byte at a time is given up on in time, whatever step it drips in), and answers JSON or a FetchError
naming why not (never which network error it met: that would map the network behind us). A request's fetches
and name lookups share one time budget (`Fetcher.budget`), so a document pointing at many slow sites cannot hold
the server. Answers are cached per URL for TTL seconds (failures for a shorter while), so a status list is fetched
once for all the credentials that point at it. Switched off (`MICROCRED_FETCH`), every fetch is a FetchError:
the tests run so, and so can an air-gapped verifier.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from microcred.trust import TrustError, jose
from microcred.trust.multikey import Key, key_from_multibase
from microcred.verify.checks import MAX_BYTES, Unreachable, parse

TTL = 300.0
FAILURE_TTL = 30.0
DEADLINE = 3.0
BUDGET = 5.0  # the seconds one request may spend on all its fetches and name lookups together
PORTS = (443,)
MAX_ENTRIES = 512
MAX_HEADER_BYTES = 64 * 1024  # a status line and headers together (a JSON document needs a few hundred bytes)
# Ranges whose addresses carry an IPv4 address in their last 32 bits (IPv4-compatible, IPv4-translated, NAT64):
# the IPv4 inside is where a packet ends up, so it is judged too.
_EMBEDDING = tuple(ipaddress.ip_network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# Local-use NAT64 (RFC 8215) places the IPv4 by prefix length, which a verifier cannot know: never public.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


class FetchError(Unreachable):
    """Why a URL's JSON could not be had: the sentence names it."""


class BudgetSpent(FetchError):
    """The request's time budget ran out: said to this request only, never cached for others."""


class Budget:
    """The time one request may spend fetching, shared by all its fetches and name lookups."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    def spent(self) -> BudgetSpent:
        return BudgetSpent(
            f"The verification's time budget of {self.seconds:g} s for fetching from other sites was spent."
        )


_budget: ContextVar[Budget | None] = ContextVar("microcred_fetch_budget", default=None)


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet, judging an IPv4 embedded in an IPv6 one as that IPv4."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return True
    if address in _LOCAL_NAT64:
        return False
    inside: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        inside.append(address.ipv4_mapped)
    if any(address in network for network in _EMBEDDING):
        inside.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        inside.append(address.sixtofour)
    if address.teredo is not None:
        inside.extend(address.teredo)  # the Teredo server and the client (de-obfuscated)
    return all(public(v4) for v4 in inside)


class Fetcher:
    def __init__(
        self,
        *,
        enabled: bool = True,
        allow_private: bool = False,
        deadline: float = DEADLINE,
        budget: float = BUDGET,
        ports: Collection[int] = PORTS,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.enabled = enabled
        self.allow_private = allow_private  # only for tests, which serve from loopback (on any port)
        self.deadline = deadline
        self.request_budget = budget
        self.ports = frozenset(ports)
        self._context = context  # made on first use: loading the system's CA bundle takes about 30 ms
        self._cache: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    @contextmanager
    def budget(self, seconds: float | None = None) -> Iterator[Budget]:
        """Within this block (one request), all fetches together take at most `seconds` (the fetcher's budget)."""
        budget = Budget(self.request_budget if seconds is None else seconds)
        token = _budget.set(budget)
        try:
            yield budget
        finally:
            _budget.reset(token)

    def json(self, url: str) -> Any:
        """The JSON at `url` (cached), or FetchError."""
        return self._cached(url, raw=False)

    def raw(self, url: str) -> bytes:
        """The bytes at `url` as served (cached; for digests such as a relatedResource's), or FetchError."""
        found: bytes = self._cached(url, raw=True)
        return found

    def _cached(self, url: str, *, raw: bool) -> Any:
        if not self.enabled:
            raise FetchError("Fetching from other sites is switched off on this server.")
        now = time.monotonic()
        answer: Any
        key = f"raw {url}" if raw else url
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                self._cache.move_to_end(key)
                answer = cached[1]
                if isinstance(answer, FetchError):
                    raise answer
                return answer
        budget = _budget.get()
        if budget is not None and budget.left() <= 0:
            raise budget.spent()
        try:
            answer = self._get(url, budget, raw=raw)
            expires = now + TTL
        except BudgetSpent:
            raise  # this request's lack of time says nothing of the site
        except FetchError as error:
            answer, expires = error, now + FAILURE_TTL
        with self._lock:
            self._cache[key] = (expires, answer)
            while len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)
        if isinstance(answer, FetchError):
            raise answer
        return answer

    def _get(self, url: str, budget: Budget | None = None, *, raw: bool = False) -> Any:
        parts = urlsplit(url)
        plain = parts.scheme == "http" and self.allow_private
        if parts.scheme != "https" and not plain:
            raise FetchError("Only https addresses are fetched.")
        if not parts.hostname or parts.username or parts.password:
            raise FetchError("The address names no host (or carries a password).")
        try:
            port = parts.port or (80 if plain else 443)
        except ValueError:
            raise FetchError("The address has a bad port.") from None
        host = parts.hostname
        if port not in self.ports and not self.allow_private:
            allowed = ", ".join(str(p) for p in sorted(self.ports))
            raise FetchError(f"The site {host[:100]} is not reachable on port {port}: only port {allowed} is fetched.")
        # The fetch ends at its own deadline or at the request's budget, whichever comes first.
        by_budget = budget is not None and budget.left() < self.deadline
        ends = budget.ends if budget is not None and by_budget else time.monotonic() + self.deadline

        def late() -> FetchError:
            if by_budget and budget is not None:
                return budget.spent()
            return FetchError(f"The site took longer than {self.deadline:g} s to answer.")

        address = self._public_address(host, port, ends, late)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        watchdog = _Watchdog(ends)
        connection: http.client.HTTPConnection = (
            _PinnedHTTP(address, host, port, ends, watchdog)
            if plain
            else _PinnedHTTPS(address, host, port, ends, watchdog, self.context())
        )
        try:
            watchdog.start()
            connection.request(
                "GET", path, headers={"Accept": "application/json, application/ld+json", "User-Agent": "microcred"}
            )
            _limit(connection, ends)
            response = connection.getresponse()
            if response.status != 200:
                raise FetchError(f"The site answered {response.status}, not the document.")
            body = bytearray()
            while len(body) <= MAX_BYTES:
                _limit(connection, ends)
                chunk = response.read1(65536)
                if not chunk:
                    break
                body += chunk
            if len(body) > MAX_BYTES:
                raise FetchError(f"The document is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
        except TimeoutError:
            raise late() from None
        except (OSError, http.client.HTTPException):
            if watchdog.fired:
                raise late() from None
            # Which error (refused, reset, a TLS failure) is not said: it would map the network behind us.
            raise FetchError(f"The site {host[:100]} is not reachable.") from None
        finally:
            watchdog.stop()
            connection.close()
        if watchdog.fired:  # a body cut short by the watchdog reads as ended: it is late, not the document
            raise late()
        if raw:
            return bytes(body)
        try:
            return parse(bytes(body))  # the same rules as a file given to the verifier: JSON, size, depth
        except TrustError as error:
            raise FetchError(f"The site's answer: {error}") from None

    def _public_address(self, host: str, port: int, ends: float, late: Callable[[], FetchError]) -> str:
        """The first address `host` resolves to, each checked to be public; the lookup ends by `ends`."""
        unreachable = FetchError(f"The site {host[:100]} is not reachable.")
        found: list[Any] = []
        lookup = threading.Thread(target=_resolve, args=(host, port, found), daemon=True)
        lookup.start()  # in a thread, so that a slow name server cannot hold the request past its time
        lookup.join(max(0.0, ends - time.monotonic()))
        if lookup.is_alive():
            raise late()
        if not found or isinstance(found[0], BaseException):
            raise unreachable
        addresses = [str(info[4][0]) for info in found]
        if not addresses:
            raise unreachable
        if not self.allow_private:
            for address in addresses:
                try:
                    if not public(ipaddress.ip_address(address.split("%", 1)[0])):
                        raise unreachable
                except ValueError:
                    raise unreachable from None
        return addresses[0]

    def did_web_key(self, method: str, relationship: str) -> Key | None:
        """The key a did:web verification method names, from the DID document its site publishes, when that
        document lists it under `relationship` (assertionMethod, authentication): by reference or embedded."""
        did, _, fragment = method.partition("#")
        if not did.startswith("did:web:") or not fragment:
            return None
        host, *path = [part.replace("%3A", ":").replace("%3a", ":") for part in did[len("did:web:") :].split(":")]
        url = f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"
        try:
            document = self.json(url)
        except FetchError:
            return None
        if not isinstance(document, dict) or document.get("id") != did:
            return None
        names = (method, f"#{fragment}")
        listed = document.get(relationship)
        related = [e for e in (listed if isinstance(listed, list) else []) if e in names or _id_of(e) in names]
        if not related:
            return None
        embedded = [e for e in related if isinstance(e, dict)]
        methods = document.get("verificationMethod")
        for entry in embedded or (methods if isinstance(methods, list) else []):
            if _id_of(entry) not in names:
                continue
            if entry.get("controller") not in (None, did):
                return None
            try:
                if isinstance(entry.get("publicKeyJwk"), dict):  # JsonWebKey(2020), as Velocity and others publish
                    key = jose.key_from_jwk(entry["publicKeyJwk"])
                    return None if isinstance(key, jose.RsaKey) else key
                return key_from_multibase(entry["publicKeyMultibase"]) if "publicKeyMultibase" in entry else None
            except Exception:  # noqa: BLE001 (a bad key is no key)
                return None
        return None


def _id_of(entry: Any) -> Any:
    return entry.get("id") if isinstance(entry, dict) else None


def _resolve(host: str, port: int, found: list[Any]) -> None:
    try:
        found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except (OSError, UnicodeError) as error:
        found.append(error)


class _Watchdog:
    """Cuts a fetch's connection at its end (a socket timeout is per read: a site can drip bytes just inside it).

    Shut down, the socket wakes whatever waits on it (connect, TLS handshake, a header, a chunk) with an error or
    an end; the fetch then closes it itself. Stopped on every path, so no timer outlives its fetch.
    """

    def __init__(self, ends: float) -> None:
        self.fired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, ends - time.monotonic()), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """The socket to cut (the TLS one, once wrapped); cut at once if the time is already over."""
        with self._lock:
            self._sock = sock
            if self.fired:
                _cut(sock)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._sock is not None:
                _cut(self._sock)

    def stop(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
        if self._timer.ident is not None:  # started
            self._timer.join()


def _cut(sock: socket.socket) -> None:
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS: no TLS goodbye


def _limit(connection: http.client.HTTPConnection, ends: float) -> None:
    """Each step of a fetch waits only for what is left of its time."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)


class _Response(http.client.HTTPResponse):
    """Reads at most MAX_HEADER_BYTES of status lines and headers (http.client caps only each line and the count
    of one response's headers, and skips any number of '100 Continue' responses)."""

    def begin(self) -> None:
        raw = self.fp
        self.fp = _Capped(raw, MAX_HEADER_BYTES)  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if self.fp is not None:
                self.fp = raw


class _Capped:
    def __init__(self, raw: Any, left: int) -> None:
        self.raw, self.left = raw, left

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.raw.readline(min(limit, self.left + 1) if limit >= 0 else self.left + 1)
        self.left -= len(line)
        if self.left < 0:
            raise http.client.HTTPException(f"The headers are longer than {MAX_HEADER_BYTES} bytes.")
        return line

    def close(self) -> None:
        self.raw.close()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now, by the fetch's end."""

    response_class = _Response

    def __init__(self, address: str, host: str, port: int, ends: float, watchdog: _Watchdog) -> None:
        super().__init__(host, port, timeout=max(0.001, ends - time.monotonic()))
        self.address, self.ends, self.watchdog = address, ends, watchdog

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), _left(self.ends))
        self.watchdog.watch(self.sock)


class _PinnedHTTPS(http.client.HTTPSConnection):
    response_class = _Response

    def __init__(
        self, address: str, host: str, port: int, ends: float, watchdog: _Watchdog, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=max(0.001, ends - time.monotonic()), context=context)
        self.address, self.context, self.ends, self.watchdog = address, context, ends, watchdog

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), _left(self.ends))
        self.watchdog.watch(sock)
        sock.settimeout(_left(self.ends))
        tls = self.context.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
        self.sock = tls
        self.watchdog.watch(tls)  # the handshake, too, ends with the fetch's time
        tls.do_handshake()


def _left(ends: float) -> float:
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left
