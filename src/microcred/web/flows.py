"""Work that crosses stages, wired by the app factory (the composition root) rather than written in handlers.

A route announces what happened (a credential was verified; a learner asks to be erased) and the stages that
take part subscribe here, in `create_app`: verify does not know that quality counts verifications, and the
wallet does not know which other stages hold a learner's data. Verification itself reads keys, status lists and
trust through the sources the app was given (`issuing` implements them), as @digitalbazaar/vc takes a
documentLoader and checkStatus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import User
from microcred.verify.checks import Report, Sources, verify
from microcred.verify.fetch import Fetcher
from microcred.web.security import client_ip, fetcher_of, master_of, settings_of


@dataclass(frozen=True)
class Verified:
    """A verification someone asked for: what they sent, what we found, by which channel and from where."""

    document: Any
    report: Report
    channel: str
    address: str | None


class SourcesFactory(Protocol):
    def __call__(self, db: Session, *, base_url: str, master: bytes, fetcher: Fetcher | None = None) -> Sources: ...


@dataclass(frozen=True)
class Flows:
    """The cross-stage workflows of one app."""

    sources: SourcesFactory
    # Each stage's part of a learner's erasure, run (in this order) before the wallet blanks its own.
    learner_erasure: tuple[Callable[[Session, User], audit.Forgotten], ...] = ()
    # Told of every verification asked for through a page or the API.
    verified: tuple[Callable[[Session, Verified], None], ...] = ()


def flows_of(request: Request) -> Flows:
    flows: Flows = request.app.state.flows
    return flows


def verifier_of(request: Request, db: Session) -> Callable[[Any], Report]:
    """Verify documents with this app's sources: our keys and status lists from the database, others' through
    the fetcher."""
    sources = flows_of(request).sources
    base_url, master, fetcher = settings_of(request).base_url, master_of(request), fetcher_of(request)
    return lambda document: verify(document, sources(db, base_url=base_url, master=master, fetcher=fetcher))


def announce_verification(request: Request, db: Session, document: Any, report: Report, channel: str) -> None:
    """Tell the subscribed stages of a verification (quality counts those of credentials issued here)."""
    seen = Verified(document=document, report=report, channel=channel, address=client_ip(request))
    for subscriber in flows_of(request).verified:
        subscriber(db, seen)
