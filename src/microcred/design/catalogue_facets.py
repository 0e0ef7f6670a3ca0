"""Facet counts of a catalogue search, and the labels their values are shown with.

Counts are disjunctive, as shoppers expect: a facet's counts ignore that facet's own selection, so that
choosing English still shows how many French ones there are. They are counted over the in-memory arrays
(`catalogue_index`), a facet at most TOP_VALUES values (skills have thousands) plus those chosen.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation
from microcred.design import catalogue_index, vocab
from microcred.design.catalogue_query import FACETS
from microcred.design.schemas import CatalogueQuery, FacetValue
from microcred.taxonomy import service as taxonomy

TOP_VALUES = 20  # a facet shows at most this many values (skills have thousands)


def counts(
    db: Session,
    index: catalogue_index.FacetIndex,
    query: CatalogueQuery,
    base: catalogue_index.Mask,
    combined: catalogue_index.Mask,
    selections: dict[str, catalogue_index.Mask],
) -> dict[str, list[FacetValue]]:
    """Counts per facet value over the results; a facet with a selection is counted without it."""
    everything = index.count(combined)
    found: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        codes = index.facet_codes.get(facet, np.zeros(0, dtype=np.int64))
        if facet in selections:
            others = base.copy()
            for other, mask in selections.items():
                if other != facet:
                    others &= mask
            counts = index.count(others)[codes]
        else:
            counts = everything[codes]
        present = np.flatnonzero(counts)
        top = present[np.lexsort((index.value_rank[codes[present]], -counts[present]))][:TOP_VALUES]
        shown = [(index.values[int(codes[i])][1], int(counts[i])) for i in top]
        listed = {value for value, _count in shown}
        for value in query.selected(facet):
            if value not in listed:
                code = index.codes.get((facet, value))
                shown.append((value, int(counts[np.flatnonzero(codes == code)[0]]) if code is not None else 0))
        if facet in ("eqf", "field", "size"):
            shown.sort(key=lambda item: _natural(facet, item[0]))
        else:
            shown.sort(key=lambda item: (-item[1], item[0]))
        found[facet] = shown
    labels = _facet_labels(db, {facet: [value for value, _count in values] for facet, values in found.items()})
    chosen = {facet: set(query.selected(facet)) for facet in FACETS}
    return {
        facet: [
            FacetValue(value=v, label=labels.get((facet, v), v), count=c, selected=v in chosen[facet])
            for v, c in values
        ]
        for facet, values in found.items()
    }


def _natural(facet: str, value: str) -> tuple[int, str]:
    if facet == "size":
        return next((i for i, (key, *_rest) in enumerate(vocab.SIZES) if key == value), 9), value
    return 0, value


def _facet_labels(db: Session, shown: Mapping[str, list[str]]) -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = {}
    for code, label in vocab.ISCED_F.items():
        labels["field", code] = f"{code} {label}"
    for level in vocab.EQF_LEVELS:
        labels["eqf", str(level)] = f"EQF {level}"
    for key, label, _low, _high in vocab.SIZES:
        labels["size", key] = label
    for facet, terms in (
        ("mode", vocab.PARTICIPATION),
        ("delivery", vocab.DELIVERY),
        ("qa", vocab.QA_TYPES),
        ("audience", vocab.AUDIENCES),
    ):
        for code, term in terms.items():
            labels[facet, code] = term.label
    labels["price", "free"], labels["price", "paid"] = "Free", "Paid"
    for code in shown.get("language", []):
        labels["language", code] = vocab.language_name(code) or code
    slugs = shown.get("provider", [])
    if slugs:
        for slug, name in db.execute(
            select(Organisation.slug, Organisation.legal_name).where(Organisation.slug.in_(slugs))
        ):
            labels["provider", slug] = name
    for uri, label in taxonomy.skill_labels(db, shown.get("skill", [])).items():
        labels["skill", uri] = label
    return labels
