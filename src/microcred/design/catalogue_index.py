"""The catalogue's filters, facet counts and sort keys, held in memory as numpy arrays.

Counting facet values over tens of thousands of matching rows is what makes a catalogue slow in SQL (a
join and a GROUP BY per facet). Search engines keep such values in memory, column by column, and so do
we: one row per listed entry, its facet values as a compressed sparse row table of value codes. A query
then costs a full-text lookup in the database (FTS5 or a GIN index), a few boolean array operations, and
one fetch of the page's rows.

The arrays are rebuilt when the catalogue changes: any change to catalogue_entries sets a new random
`catalogue_state.version` (database triggers, so cascades and bulk loads count), and each search compares
it with the version the arrays were built from (one primary-key read). A rebuild reads every entry and
term: about a second per 100,000 entries (see bench/catalogue_speed.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Float, cast, select
from sqlalchemy.orm import Session

from microcred.arrays import concat_ranges
from microcred.design.models import CatalogueEntry, CatalogueState, CatalogueValue

Positions = NDArray[np.int64]
Mask = NDArray[np.bool_]


def version(db: Session) -> int:
    return db.scalar(select(CatalogueState.version).where(CatalogueState.id == 1)) or 0


@dataclass
class FacetIndex:
    version: int
    ids: NDArray[np.int64]  # entry ids, ascending; an entry's position is its index here
    indptr: NDArray[np.int64]  # the terms of the entry at position p are term_code[indptr[p]:indptr[p + 1]]
    term_code: NDArray[np.int64]
    term_position: NDArray[np.int64]  # the entry position of each term row
    codes: dict[tuple[str, str], int]
    values: list[tuple[str, str]]  # code -> (facet, value)
    facet_codes: dict[str, NDArray[np.int64]]  # the codes of each facet's values
    value_rank: NDArray[np.int64]  # code -> its place in (facet, value) order, to break ties by value
    postings: dict[tuple[str, str], Positions]
    numbers: dict[str, NDArray[np.float64]]  # hours, credits, price, eqf, published (NaN when not given)
    credit_system: NDArray[np.object_]
    currency: NDArray[np.object_]
    title_rank: NDArray[np.int64]

    @property
    def size(self) -> int:
        return len(self.ids)

    def positions_of(self, entry_ids: Iterable[int]) -> tuple[Positions, Mask]:
        """Where each id is, and which ids were found (an entry newer than these arrays is not)."""
        wanted = np.fromiter(entry_ids, dtype=np.int64)
        if not self.size:
            return np.zeros(0, dtype=np.int64), np.zeros(len(wanted), dtype=bool)
        found = np.minimum(np.searchsorted(self.ids, wanted), self.size - 1)
        keep = self.ids[found] == wanted
        return found[keep], keep

    def mask_of(self, positions: Positions) -> Mask:
        mask = np.zeros(self.size, dtype=bool)
        mask[positions] = True
        return mask

    def any_of(self, facet: str, values: Iterable[str]) -> Mask:
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            found = self.postings.get((facet, value))
            if found is not None:
                mask[found] = True
        return mask

    def count(self, mask: Mask) -> NDArray[np.int64]:
        """How many entries in `mask` have each value code."""
        positions = np.flatnonzero(mask)
        if len(positions) * 8 < self.size:
            chosen = self.term_code[concat_ranges(self.indptr[positions], self.indptr[positions + 1])]
        else:
            chosen = self.term_code[mask[self.term_position]]
        return np.bincount(chosen, minlength=len(self.values))


def load(db: Session) -> FacetIndex:
    current = version(db)
    entries = db.execute(
        select(
            CatalogueEntry.id,
            CatalogueEntry.title,
            CatalogueEntry.eqf_level,
            cast(CatalogueEntry.hours, Float),
            cast(CatalogueEntry.credits, Float),
            CatalogueEntry.credit_system,
            cast(CatalogueEntry.price, Float),
            CatalogueEntry.currency,
            CatalogueEntry.published_at,
            CatalogueEntry.value_ids,
        ).order_by(CatalogueEntry.id)
    ).all()
    ids = np.array([row[0] for row in entries], dtype=np.int64)

    def numbers(column: int) -> NDArray[np.float64]:
        return np.array([np.nan if row[column] is None else row[column] for row in entries], dtype=np.float64)

    titles = [row[1].casefold() for row in entries]
    title_rank = np.empty(len(titles), dtype=np.int64)
    title_rank[sorted(range(len(titles)), key=titles.__getitem__)] = np.arange(len(titles))
    published = np.array([row[8].timestamp() for row in entries], dtype=np.float64)

    value_rows = db.execute(
        select(CatalogueValue.id, CatalogueValue.facet, CatalogueValue.value).order_by(CatalogueValue.id)
    ).all()
    value_ids = np.array([row[0] for row in value_rows], dtype=np.int64)
    values = [(row[1], row[2]) for row in value_rows]
    # Each entry's value ids, packed: one concatenation makes the CSR table.
    packed = [row[9] for row in entries]
    lengths = np.array([len(blob) // 4 for blob in packed], dtype=np.int64)
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    raw = np.frombuffer(b"".join(packed), dtype="<i4").astype(np.int64)
    codes = np.searchsorted(value_ids, raw) if len(value_ids) else np.zeros(0, dtype=np.int64)
    positions = np.repeat(np.arange(len(ids), dtype=np.int64), lengths)
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(values) + 1))
    postings = {values[c]: positions[by_code[bounds[c] : bounds[c + 1]]] for c in range(len(values))}
    value_rank = np.empty(len(values), dtype=np.int64)
    value_rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
    by_facet: dict[str, list[int]] = {}
    for code, (facet, _value) in enumerate(values):
        by_facet.setdefault(facet, []).append(code)
    return FacetIndex(
        version=current,
        ids=ids,
        indptr=indptr,
        term_code=codes,
        term_position=positions,
        codes={value: code for code, value in enumerate(values)},
        values=values,
        facet_codes={facet: np.array(found, dtype=np.int64) for facet, found in by_facet.items()},
        value_rank=value_rank,
        postings=postings,
        numbers={
            "eqf": numbers(2),
            "hours": numbers(3),
            "credits": numbers(4),
            "price": numbers(6),
            "published": published,
        },
        credit_system=np.array([row[5] for row in entries], dtype=object),
        currency=np.array([row[7] for row in entries], dtype=object),
        title_rank=title_rank,
    )


_cache: dict[str, FacetIndex] = {}
_lock = threading.Lock()


def current(db: Session) -> FacetIndex:
    """The arrays for this database, rebuilt when the catalogue changed since they were built."""
    key = db.get_bind().engine.url.render_as_string(hide_password=True)
    latest = version(db)
    found = _cache.get(key)
    if found is not None and found.version == latest:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None or found.version != latest:
            found = load(db)
            _cache[key] = found
    return found


def forget() -> None:
    _cache.clear()


def describe(index: FacetIndex) -> dict[str, Any]:
    return {"version": index.version, "entries": index.size, "values": len(index.values), "terms": len(index.term_code)}
