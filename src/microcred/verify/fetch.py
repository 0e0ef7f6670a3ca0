"""Fetching what other issuers publish: their status lists, their did:web documents, a credential's link.

A public verifier that fetches URLs found in documents anyone can submit is an open door into the network
it runs in, so a fetch goes only to https, only to public addresses (each address the name resolves to is
checked, and the connection is made to the checked address, so a name cannot resolve twice to different
places), follows no redirects, stops at MAX_BYTES and at a total deadline, and answers JSON or a
FetchError naming why not. Answers are cached per URL for TTL seconds (failures for a shorter while), so a
status list is fetched once for all the credentials that point at it. Switched off (`MICROCRED_FETCH`),
every fetch is a FetchError: the tests run so, and so can an air-gapped verifier.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from microcred.trust import TrustError
from microcred.trust.multikey import Key, key_from_multibase
from microcred.verify.checks import MAX_BYTES, Unreachable, parse

TTL = 300.0
FAILURE_TTL = 30.0
DEADLINE = 3.0
MAX_ENTRIES = 512


class FetchError(Unreachable):
    """Why a URL's JSON could not be had: the sentence names it."""


class Fetcher:
    def __init__(
        self,
        *,
        enabled: bool = True,
        allow_private: bool = False,
        deadline: float = DEADLINE,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.enabled = enabled
        self.allow_private = allow_private  # only for tests, which serve from loopback
        self.deadline = deadline
        self.context = context or ssl.create_default_context()
        self._cache: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def json(self, url: str) -> Any:
        """The JSON at `url` (cached), or FetchError."""
        if not self.enabled:
            raise FetchError("Fetching from other sites is switched off on this server.")
        now = time.monotonic()
        answer: Any
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and cached[0] > now:
                self._cache.move_to_end(url)
                answer = cached[1]
                if isinstance(answer, FetchError):
                    raise answer
                return answer
        try:
            answer = self._get(url)
            expires = now + TTL
        except FetchError as error:
            answer, expires = error, now + FAILURE_TTL
        with self._lock:
            self._cache[url] = (expires, answer)
            while len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)
        if isinstance(answer, FetchError):
            raise answer
        return answer

    def _get(self, url: str) -> Any:
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
        started = time.monotonic()
        address = self._public_address(parts.hostname, port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection = (
            _PinnedHTTP(address, parts.hostname, port, self.deadline)
            if plain
            else _PinnedHTTPS(address, parts.hostname, port, self.deadline, self.context)
        )
        try:
            connection.request(
                "GET", path, headers={"Accept": "application/json, application/ld+json", "User-Agent": "microcred"}
            )
            response = connection.getresponse()
            if response.status != 200:
                raise FetchError(f"The site answered {response.status}, not the document.")
            body = bytearray()
            while len(body) <= MAX_BYTES:
                if time.monotonic() - started > self.deadline:
                    raise FetchError(f"The site took longer than {self.deadline:g} s to answer.")
                chunk = response.read1(65536)
                if not chunk:
                    break
                body += chunk
            if len(body) > MAX_BYTES:
                raise FetchError(f"The document is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
        except TimeoutError:
            raise FetchError(f"The site took longer than {self.deadline:g} s to answer.") from None
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"The site could not be reached ({type(error).__name__}).") from None
        finally:
            connection.close()
        try:
            return parse(bytes(body))  # the same rules as a file given to the verifier: JSON, size, depth
        except TrustError as error:
            raise FetchError(f"The site's answer: {error}") from None

    def _public_address(self, host: str, port: int) -> str:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise FetchError(f"The host {host[:100]} was not found.") from None
        addresses = [str(info[4][0]) for info in found]
        if not self.allow_private:
            for address in addresses:
                if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                    raise FetchError(f"The host {host[:100]} is not on the public internet.")
        return addresses[0]

    def did_web_key(self, method: str) -> Key | None:
        """The key a did:web verification method names, from the DID document its site publishes."""
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
        for entry in document.get("verificationMethod") or []:
            if not isinstance(entry, dict) or entry.get("id") not in (method, f"#{fragment}"):
                continue
            if entry.get("controller") not in (None, did) or not isinstance(entry.get("publicKeyMultibase"), str):
                return None
            try:
                return key_from_multibase(entry["publicKeyMultibase"])
            except Exception:  # noqa: BLE001 (a bad key is no key)
                return None
        return None


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address, self.context = address, context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.context.wrap_socket(sock, server_hostname=self.host)
