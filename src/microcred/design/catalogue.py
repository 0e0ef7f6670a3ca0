"""The public catalogue: published micro-credentials, searched in full text, filtered, counted by facet, compared.

Only the latest edition of a published specification that is not withdrawn is listed. Publishing and
withdrawing keep the catalogue in step (`index`); `rebuild` redoes it all, e.g. after an ESCO import
changed the skill labels that are searched.

Each listed specification is one `CatalogueEntry` (title and searchable body, numbers to filter and
sort on, a summary to show) and its `CatalogueTerm`s, one per facet value (`CatalogueValue`). Filters within a facet are
alternatives (English or French), filters of different facets all apply. A search is read from the URL in
`catalogue_query`; its facet values are counted in `catalogue_facets`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, delete, func, insert, literal_column, select, table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from microcred.accounts.models import Organisation
from microcred.design import catalogue_facets, catalogue_index, sizing
from microcred.design.catalogue_query import FACETS, check_query
from microcred.design.models import CatalogueEntry, CatalogueTerm, CatalogueValue, Edition, Specification
from microcred.design.schemas import (
    SLUG,
    Card,
    CatalogueQuery,
    EditionOut,
    FacetValue,
    ListedOut,
    ProviderOut,
    Results,
    SpecificationContent,
)
from microcred.errors import InvalidInput, NotFound
from microcred.taxonomy import service as taxonomy

E, T, V = CatalogueEntry, CatalogueTerm, CatalogueValue
MAX_COMPARE = 4


# Indexing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flat:
    """A catalogue entry as plain rows, ready to insert (also what the benchmark generates)."""

    entry: dict[str, Any]
    terms: list[tuple[str, str]]


def flatten(
    spec_id: uuid.UUID,
    organisation: Organisation,
    edition: Edition,
    content: SpecificationContent,
    skill_labels: Mapping[str, str],
) -> Flat:
    skills = content.skill_uris()
    size = sizing.size(content).typology
    body = [
        content.description,
        *(o.text for o in content.learning_outcomes),
        *(skill_labels[uri] for uri in skills if uri in skill_labels),
        *(b.name for b in content.awarding_bodies),
        content.code,
    ]
    terms: list[tuple[str, str]] = [("provider", organisation.slug)]
    if content.field:
        terms += [("field", content.field[:n]) for n in (2, 3, 4) if len(content.field) >= n]
    terms += [("skill", uri) for uri in skills]
    if content.eqf_level:
        terms.append(("eqf", str(content.eqf_level)))
    if size:
        terms.append(("size", size))
    if content.participation:
        terms.append(("mode", content.participation))
    if content.delivery:
        terms.append(("delivery", content.delivery))
    terms += [("language", code) for code in content.languages]
    if content.quality_assurance:
        terms.append(("qa", content.quality_assurance.type))
    terms += [("audience", code) for code in content.audiences]
    if content.price is not None:
        terms.append(("price", "free" if content.price.amount == 0 else "paid"))
    summary = {
        "title": content.title,
        "description": content.description[:300],
        "provider": {"slug": organisation.slug},  # its name is read when shown: organisations get renamed
        "awarding_bodies": [b.name for b in content.awarding_bodies],
        "edition": edition.number,
        "eqf_level": content.eqf_level,
        "workload_hours": _number(content.workload_hours),
        "credits": content.credits.model_dump(mode="json") if content.credits else None,
        "size": size,
        "participation": content.participation,
        "languages": content.languages,
        "field": content.field,
        "quality_assurance": content.quality_assurance.type if content.quality_assurance else None,
        "price": content.price.model_dump(mode="json") if content.price else None,
        "outcomes": len(content.learning_outcomes),
        "skills": len(skills),
        "offer_start": content.offer_start.isoformat() if content.offer_start else None,
        "offer_end": content.offer_end.isoformat() if content.offer_end else None,
    }
    entry = {
        "specification_id": spec_id,
        "organisation_id": organisation.id,
        "edition_number": edition.number,
        "title": content.title,
        "body": "\n".join(part for part in body if part),
        "eqf_level": content.eqf_level,
        "hours": content.workload_hours,
        "credits": content.credits.value if content.credits else None,
        "credit_system": content.credits.system if content.credits else None,
        "price": content.price.amount if content.price else None,
        "currency": content.price.currency if content.price else None,
        "published_at": edition.published_at,
        "summary": summary,
    }
    return Flat(entry, list(dict.fromkeys(terms)))


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def insert_flat(db: Session, flats: Sequence[Flat]) -> None:
    """Insert entries and their terms, a few statements per batch (the catalogue's own rows only)."""
    if not flats:
        return
    value_ids = _value_ids(db, {term for flat in flats for term in flat.terms})
    entries = [
        {**flat.entry, "value_ids": np.array([value_ids[t] for t in flat.terms], dtype="<i4").tobytes()}
        for flat in flats
    ]
    db.execute(insert(CatalogueEntry), entries)
    # Not RETURNING: in row order it would make PostgreSQL insert one row per statement.
    spec_ids = [flat.entry["specification_id"] for flat in flats]
    ids: dict[uuid.UUID, int] = {}
    for start in range(0, len(spec_ids), 500):
        found = select(E.specification_id, E.id).where(E.specification_id.in_(spec_ids[start : start + 500]))
        ids.update({spec_id: entry_id for spec_id, entry_id in db.execute(found)})
    rows = [
        {"entry_id": ids[flat.entry["specification_id"]], "value_id": value_ids[term]}
        for flat in flats
        for term in flat.terms
    ]
    if db.get_bind().dialect.name == "postgresql" and len(rows) > 1000:
        # A bulk load: psycopg's executemany sends a statement per row; COPY streams them all.
        cursor = db.connection().connection.cursor()
        try:
            with cursor.copy("COPY catalogue_terms (entry_id, value_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row["entry_id"], row["value_id"]))
        finally:
            cursor.close()
    elif rows:
        db.execute(insert(CatalogueTerm), rows)


def _value_ids(db: Session, wanted: set[tuple[str, str]], chunk: int = 500) -> dict[tuple[str, str], int]:
    """The id of each (facet, value), adding the new ones (safely when two publish the same new value at once)."""
    pairs = sorted(wanted)

    def known(among: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        by_facet: dict[str, list[str]] = {}
        for facet, value in among:
            by_facet.setdefault(facet, []).append(value)
        found: dict[tuple[str, str], int] = {}
        for facet, values in by_facet.items():
            if len(values) > chunk:  # a bulk load: the facet's whole list is one cheap read
                statement = select(V.value, V.id).where(V.facet == facet)
                wanted_here = set(values)
                found.update({(facet, v): i for v, i in db.execute(statement) if v in wanted_here})
                continue
            statement = select(V.value, V.id).where(V.facet == facet, V.value.in_(values))
            found.update({(facet, value): value_id for value, value_id in db.execute(statement)})
        return found

    found = known(pairs)
    missing = [pair for pair in pairs if pair not in found]
    if missing:
        adding = pg_insert(V) if db.get_bind().dialect.name == "postgresql" else sqlite_insert(V)
        db.execute(adding.on_conflict_do_nothing(), [{"facet": f, "value": v} for f, v in missing])
        found.update(known(missing))
    return found


def index(db: Session, spec: Specification, organisation: Organisation) -> None:
    """List the specification's latest edition, or take it out when it is withdrawn or unpublished."""
    db.execute(delete(CatalogueEntry).where(CatalogueEntry.specification_id == spec.id))
    if spec.withdrawn_at is not None or not spec.editions:
        return
    edition = spec.editions[-1]
    content = SpecificationContent.model_validate(edition.content)
    labels = taxonomy.skill_labels(db, content.skill_uris())
    insert_flat(db, [flatten(spec.id, organisation, edition, content, labels)])


def rebuild(db: Session, *, batch: int = 500) -> int:
    """Index every published specification again; returns how many are listed."""
    db.execute(delete(CatalogueEntry))
    organisations = {o.id: o for o in db.scalars(select(Organisation))}
    listed = 0
    query = (
        select(Specification)
        .options(selectinload(Specification.editions))
        .where(Specification.withdrawn_at.is_(None), Specification.editions.any())
        .order_by(Specification.id)
    )
    specs = list(db.scalars(query))
    for start in range(0, len(specs), batch):
        chunk = specs[start : start + batch]
        contents = [SpecificationContent.model_validate(s.editions[-1].content) for s in chunk]
        labels = taxonomy.skill_labels(db, [uri for c in contents for uri in c.skill_uris()])
        flats = [
            flatten(s.id, organisations[s.organisation_id], s.editions[-1], c, labels)
            for s, c in zip(chunk, contents, strict=True)
        ]
        insert_flat(db, flats)
        listed += len(flats)
    return listed


def ensure(db: Session) -> int | None:
    """Fill an empty catalogue from what is published (after the upgrade that added it); None if not needed."""
    if db.scalar(select(func.count()).select_from(CatalogueEntry)):
        return None
    published = select(Specification.id).where(Specification.withdrawn_at.is_(None), Specification.editions.any())
    if db.scalar(select(func.count()).select_from(published.subquery())) == 0:
        return None
    return rebuild(db)


# Searching ---------------------------------------------------------------------------------------------------

FTS, SEARCH = table("catalogue_fts"), table("catalogue_search")  # full-text indexes (migration 0007)


def _fts_match(words: list[str]) -> str:
    """An FTS5 query: every word, the last one also as a prefix (people type it as they go)."""
    *whole, last = words
    return " ".join([f'"{w}"' for w in whole] + [f'"{last}"*'])


def _tsquery(words: list[str]) -> str:
    *whole, last = words
    return " & ".join([f"'{w}'" for w in whole] + [f"'{last}':*"])


def _text_condition(dialect: str, words: list[str]) -> ColumnElement[bool]:
    if dialect == "postgresql":
        tsquery = func.to_tsquery(literal_column("'english'::regconfig"), _tsquery(words))
        having: Select[Any] = (
            select(literal_column("entry_id")).select_from(SEARCH).where(literal_column("search").op("@@")(tsquery))
        )
        return E.id.in_(having)
    matched: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(FTS)
        .where(literal_column("catalogue_fts").op("MATCH")(_fts_match(words)))
    )
    return E.id.in_(matched)


def sql_conditions(dialect: str, query: CatalogueQuery) -> list[ColumnElement[bool]]:
    """The query as SQL conditions on catalogue_entries: what the in-memory arrays are tested against."""
    found: list[ColumnElement[bool]] = []
    words = query.words()
    if words:
        found.append(_text_condition(dialect, words))
    for facet in FACETS:
        values = query.selected(facet)
        if values:
            having = select(T.entry_id).join(V, V.id == T.value_id).where(V.facet == facet, V.value.in_(values))
            found.append(E.id.in_(having))
    if query.hours_min is not None:
        found.append(E.hours >= query.hours_min)
    if query.hours_max is not None:
        found.append(E.hours <= query.hours_max)
    if query.credits_min is not None or query.credits_max is not None:
        found.append(E.credit_system == query.credit_system)
        if query.credits_min is not None:
            found.append(E.credits >= query.credits_min)
        if query.credits_max is not None:
            found.append(E.credits <= query.credits_max)
    if query.price_max is not None:
        found += [E.price <= query.price_max, (E.currency == query.currency) | (E.price == 0)]
    return found


def search(db: Session, query: CatalogueQuery) -> Results:
    """Full text in the database, then filters, sorting and facet counts over the in-memory arrays."""
    check_query(db, query)
    index = catalogue_index.current(db)
    sort = query.chosen_sort()
    base = np.ones(index.size, dtype=bool)
    scores = None
    words = query.words()
    if words:
        ids, ranks = _text_matches(db, words, ranked=sort == "relevance")
        positions, keep = index.positions_of(ids)
        base = index.mask_of(positions)
        if ranks is not None:
            scores = np.full(index.size, np.inf)
            scores[positions] = np.asarray(ranks, dtype=np.float64)[keep]
    base &= _ranges_mask(index, query)
    selections = {facet: index.any_of(facet, query.selected(facet)) for facet in FACETS if query.selected(facet)}
    combined = base.copy()
    for mask in selections.values():
        combined &= mask
    matched = np.flatnonzero(combined)
    ordered = matched[_order(index, matched, sort, scores)]
    start = (query.page - 1) * query.per_page
    page_ids = [int(i) for i in index.ids[ordered[start : start + query.per_page]]]
    rows = {
        row[0]: row
        for row in db.execute(
            select(E.id, E.specification_id, E.edition_number, E.summary, Organisation.legal_name)
            .join(Organisation, Organisation.id == E.organisation_id)
            .where(E.id.in_(page_ids))
        )
    }
    items = [
        Card(
            id=rows[i][1],
            edition=rows[i][2],
            url=f"/catalogue/{rows[i][1]}",
            summary={**rows[i][3], "provider": {**rows[i][3]["provider"], "name": rows[i][4]}},
        )
        for i in page_ids
        if i in rows  # withdrawn since the arrays were built: the next search has new arrays
    ]
    facets: dict[str, list[FacetValue]] = {}
    if len(matched) and query.facets:
        facets = catalogue_facets.counts(db, index, query, base, combined, selections)
    return Results(total=len(matched), page=query.page, per_page=query.per_page, sort=sort, items=items, facets=facets)


# (PostgreSQL?, ranked?) -> the statement, in each driver's own parameter style.
TEXT_MATCHES = {
    (True, False): "SELECT entry_id FROM catalogue_search, to_tsquery('english', %(words)s) AS q WHERE search @@ q",
    (True, True): "SELECT entry_id, -ts_rank(search, q) FROM catalogue_search, to_tsquery('english', %(words)s) AS q "
    "WHERE search @@ q",
    (False, False): "SELECT rowid FROM catalogue_fts WHERE catalogue_fts MATCH :words",
    (False, True): "SELECT rowid, bm25(catalogue_fts, 10.0, 1.0) FROM catalogue_fts WHERE catalogue_fts MATCH :words",
}


def _text_matches(db: Session, words: list[str], *, ranked: bool) -> tuple[list[int], list[float] | None]:
    """The ids of entries with every word, and their rank when asked (lower is better).

    Straight through the driver's cursor: a common word matches tens of thousands of entries, and wrapping
    each id in a SQLAlchemy row would cost more than the full-text lookup itself.
    """
    postgres = db.get_bind().dialect.name == "postgresql"
    cursor = db.connection().connection.cursor()
    try:
        cursor.execute(TEXT_MATCHES[postgres, ranked], {"words": _tsquery(words) if postgres else _fts_match(words)})
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [row[0] for row in rows], [row[1] for row in rows] if ranked else None


def _ranges_mask(index: catalogue_index.FacetIndex, query: CatalogueQuery) -> catalogue_index.Mask:
    """The numeric filters; an entry without the number never passes one (like SQL's NULL)."""
    numbers = index.numbers
    mask = np.ones(index.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        if query.hours_min is not None:
            mask &= numbers["hours"] >= float(query.hours_min)
        if query.hours_max is not None:
            mask &= numbers["hours"] <= float(query.hours_max)
        if query.credits_min is not None or query.credits_max is not None:
            mask &= index.credit_system == query.credit_system
            if query.credits_min is not None:
                mask &= numbers["credits"] >= float(query.credits_min)
            if query.credits_max is not None:
                mask &= numbers["credits"] <= float(query.credits_max)
        if query.price_max is not None:
            mask &= numbers["price"] <= float(query.price_max)
            mask &= (index.currency == query.currency) | (numbers["price"] == 0)
    return mask


def _order(
    index: catalogue_index.FacetIndex, matched: catalogue_index.Positions, sort: str, scores: Any
) -> catalogue_index.Positions:
    """The order of `matched` (positions) for the sort; ties by entry id, missing numbers last."""
    ids = index.ids[matched]
    if sort == "relevance" and scores is not None:
        return np.lexsort((ids, scores[matched]))
    if sort == "title":
        return np.argsort(index.title_rank[matched], kind="stable")
    if sort == "newest":
        return np.lexsort((ids, -index.numbers["published"][matched]))
    column = {"workload": "hours", "price": "price", "level": "eqf"}.get(sort)
    if column is None:
        return np.lexsort((ids, -index.numbers["published"][matched]))
    values = index.numbers[column][matched]
    return np.lexsort((ids, values, np.isnan(values)))


# One specification -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A published specification as the public sees it: an edition's content, its provider, its editions."""

    spec: Specification
    organisation: Organisation
    edition: Edition
    content: SpecificationContent
    skill_labels: dict[str, str]
    listed: bool  # False once withdrawn: its editions stay readable for the credentials issued from them


def published(db: Session, spec_id: uuid.UUID, number: int | None = None) -> Listed:
    """The latest listed edition, or a given published edition (withdrawn ones too, for issued credentials)."""
    spec = db.scalar(
        select(Specification).options(selectinload(Specification.editions)).where(Specification.id == spec_id)
    )
    if spec is None or not spec.editions or (number is None and spec.withdrawn_at is not None):
        raise NotFound("There is no such micro-credential in the catalogue.", code="not_in_catalogue")
    if number is None:
        edition = spec.editions[-1]
    else:
        edition = next((e for e in spec.editions if e.number == number), None)  # type: ignore[assignment]
        if edition is None:
            raise NotFound(f"This micro-credential has no edition {number}.", code="edition_not_found")
    organisation = db.get(Organisation, spec.organisation_id)
    assert organisation is not None
    content = SpecificationContent.model_validate(edition.content)
    return Listed(
        spec=spec,
        organisation=organisation,
        edition=edition,
        content=content,
        skill_labels=taxonomy.skill_labels(db, content.skill_uris()),
        listed=spec.withdrawn_at is None,
    )


def compare(db: Session, ids: Sequence[str]) -> list[Listed]:
    """Up to four listed micro-credentials side by side, in the order asked."""
    chosen = list(dict.fromkeys(i for i in ids if i))
    if not chosen:
        raise InvalidInput("Choose at least one micro-credential to compare.", code="invalid_compare")
    if len(chosen) > MAX_COMPARE:
        raise InvalidInput(f"Compare at most {MAX_COMPARE} micro-credentials at a time.", code="invalid_compare")
    parsed = []
    for raw in chosen:
        try:
            parsed.append(uuid.UUID(raw))
        except ValueError:
            raise InvalidInput(f"id: {raw[:60]!r} is not a micro-credential id.", code="invalid_compare") from None
    return [published(db, spec_id) for spec_id in parsed]


def provider(db: Session, slug: str) -> Organisation:
    found = db.scalar(select(Organisation).where(Organisation.slug == slug)) if SLUG.match(slug) else None
    if found is None:
        raise NotFound("There is no such provider.", code="provider_not_found")
    return found


def listed_out(found: Listed) -> ListedOut:
    base = f"/catalogue/{found.spec.id}"
    number = found.edition.number
    export = f"/api/catalogue/{found.spec.id}/export?edition={number}&format="
    return ListedOut(
        id=found.spec.id,
        url=f"{base}/editions/{number}",
        edition=number,
        listed=found.listed,
        provider=ProviderOut(
            slug=found.organisation.slug,
            name=found.organisation.legal_name,
            homepage=found.organisation.homepage,
            url=f"/catalogue/providers/{found.organisation.slug}",
        ),
        content=found.content,
        skill_labels=found.skill_labels,
        size=sizing.size(found.content).typology,
        editions=[
            EditionOut(
                number=e.number, published_at=e.published_at, changes=e.changes, url=f"{base}/editions/{e.number}"
            )
            for e in found.spec.editions
        ],
        documents={"elm": export + "elm", "ob3": export + "ob3"},
    )
