"""The public catalogue on SQLite and PostgreSQL with real ESCO: full text, filters, facets, sorting, comparing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.design import catalogue
from microcred.design import service as design
from microcred.design.models import CatalogueEntry, Specification
from microcred.design.schemas import CatalogueQuery
from microcred.errors import InvalidInput, NotFound

from .fixtures import ACTOR, OTHER_SKILL, SKILL, make_shelf, publish


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def shelf(db: Session) -> dict[str, Any]:
    return make_shelf(db)


def found(db: Session, **query: Any) -> list[str]:
    return [card.summary["title"] for card in catalogue.search(db, CatalogueQuery(**query)).items]


def test_only_published_specifications_are_listed(db: Session, shelf: dict[str, Any]) -> None:
    assert sorted(found(db)) == [
        "Caring for older people at home",
        "Data analysis with Python",
        "Digital content for teams",
        "Kitchen hygiene",
    ]
    assert found(db, q="secret") == []


def test_full_text_covers_titles_outcomes_and_esco_skill_labels_with_stemming_and_prefixes(
    db: Session, shelf: dict[str, Any]
) -> None:
    assert found(db, q="python") == ["Data analysis with Python"]
    assert found(db, q="pandas findings") == ["Data analysis with Python"]  # outcome words
    # SKILL's ESCO label is "stimulate creativity in the team": found through the label, stemmed.
    assert found(db, q="creative") == ["Caring for older people at home"]
    assert found(db, q="analyses") == ["Data analysis with Python"]  # stemmed
    assert found(db, q="kitch") == ["Kitchen hygiene"]  # the last word as a prefix
    assert found(db, q="kitchen python") == []  # every word must match
    assert len(found(db, q="University of Zed")) == 4  # the awarding body
    yonder = shelf["yon"]
    accounts.update_organisation(db, ACTOR, yonder, legal_name="Yonder College")
    [card] = catalogue.search(db, CatalogueQuery(q="kitchen")).items
    assert card.summary["provider"] == {"slug": "yon", "name": "Yonder College"}  # renames show at once
    assert found(db, q='"); DROP TABLE x; -- * NEAR(') == []  # query syntax is never passed through


def test_relevance_puts_title_matches_first(db: Session, shelf: dict[str, Any]) -> None:
    zed = shelf["zed"]
    publish(
        db,
        zed,
        title="Spreadsheets at work",
        learning_outcomes=[{"text": "Clean a data set before the analysis, then hygiene checks", "skills": []}],
    )
    db.commit()
    results = catalogue.search(db, CatalogueQuery(q="hygiene"))
    assert results.sort == "relevance"
    assert [c.summary["title"] for c in results.items] == ["Kitchen hygiene", "Spreadsheets at work"]


def test_filters_combine_and_alternatives_within_a_facet(db: Session, shelf: dict[str, Any]) -> None:
    assert found(db, field=["06"], sort="title") == ["Data analysis with Python", "Digital content for teams"]
    assert found(db, field=["0922"]) == ["Caring for older people at home"]
    assert found(db, skill=[SKILL]) == ["Caring for older people at home"]
    assert found(db, skill=[OTHER_SKILL, SKILL], sort="title") == [
        "Caring for older people at home",
        "Digital content for teams",
    ]
    assert found(db, eqf=[3, 4], sort="level") == ["Kitchen hygiene", "Caring for older people at home"]
    assert found(db, language=["fr"], sort="title") == ["Caring for older people at home", "Data analysis with Python"]
    assert found(db, language=["fr"], eqf=[5]) == ["Data analysis with Python"]
    assert found(db, mode=["online", "onsite"], sort="title") == ["Data analysis with Python", "Kitchen hygiene"]
    assert found(db, provider=["yon"], sort="title") == ["Caring for older people at home", "Kitchen hygiene"]
    assert found(db, qa=["external"]) == ["Caring for older people at home"]
    assert found(db, audience=["workers"], sort="title") == [
        "Caring for older people at home",
        "Digital content for teams",
    ]
    assert found(db, price=["free"]) == ["Digital content for teams"]
    assert found(db, size=["skill_credential"]) == ["Caring for older people at home"]
    assert found(db, size=["short_learning_programme"]) == ["Data analysis with Python"]


def test_ranges_of_hours_credits_and_price(db: Session, shelf: dict[str, Any]) -> None:
    assert found(db, hours_min=25, hours_max=60, sort="workload") == ["Kitchen hygiene", "Digital content for teams"]
    assert found(db, credits_min=5, credits_max=6) == ["Data analysis with Python"]
    assert found(db, credits_min=1, credit_system="UK") == []
    # Within 100 EUR: the free one and nothing in another currency, except free ones.
    assert found(db, price_max=100) == ["Digital content for teams"]
    assert found(db, price_max=100, currency="GBP", sort="price") == [
        "Digital content for teams",
        "Caring for older people at home",
    ]
    assert found(db, sort="price")[-1] == "Kitchen hygiene"  # no price given: last


def test_sorting_and_paging(db: Session, shelf: dict[str, Any]) -> None:
    assert found(db, sort="title") == sorted(found(db), key=str.lower)
    first = catalogue.search(db, CatalogueQuery(sort="title", per_page=3))
    second = catalogue.search(db, CatalogueQuery(sort="title", per_page=3, page=2))
    assert first.total == second.total == 4
    assert len(first.items) == 3 and [c.summary["title"] for c in second.items] == ["Kitchen hygiene"]
    assert found(db, sort="newest")[0] == "Kitchen hygiene"
    assert catalogue.search(db, CatalogueQuery(sort="relevance")).sort == "newest"  # nothing to be relevant to


def test_a_new_edition_replaces_the_listing_and_withdrawal_removes_it(db: Session, shelf: dict[str, Any]) -> None:
    zed, spec = shelf["zed"], shelf["python"]
    draft = design.content_of(spec).model_copy(update={"title": "Data analysis with R"})
    design.update(db, ACTOR, zed, spec.id, draft)
    assert found(db, q="python") == ["Data analysis with Python"]  # the draft is not public
    design.publish(db, ACTOR, zed, spec.id)
    db.commit()
    assert found(db, q="python") == []
    [card] = catalogue.search(db, CatalogueQuery(q="analysis")).items
    assert (card.summary["title"], card.edition) == ("Data analysis with R", 2)

    design.withdraw(db, ACTOR, zed, spec.id)
    db.commit()
    assert found(db, q="analysis") == []
    with pytest.raises(NotFound):
        catalogue.published(db, spec.id)
    # Its editions stay readable, for the credentials issued from them.
    first = catalogue.published(db, spec.id, 1)
    assert first.content.title == "Data analysis with Python" and not first.listed
    # Offered again unchanged: the same edition is listed again, no new one.
    again = design.publish(db, ACTOR, zed, spec.id)
    db.commit()
    assert again.number == 2 and len(spec.editions) == 2
    assert [c.summary["title"] for c in catalogue.search(db, CatalogueQuery(q="analysis")).items] == [
        "Data analysis with R"
    ]


def test_rebuild_lists_the_same_as_publishing_did(db: Session, shelf: dict[str, Any]) -> None:
    before = catalogue.search(db, CatalogueQuery(sort="title"))
    assert catalogue.ensure(db) is None  # not empty: nothing to do
    assert catalogue.rebuild(db) == 4
    after = catalogue.search(db, CatalogueQuery(sort="title"))
    assert [c.model_dump() for c in after.items] == [c.model_dump() for c in before.items]
    assert after.facets == before.facets
    db.query(CatalogueEntry).delete()
    assert catalogue.ensure(db) == 4
    assert db.scalar(select(func.count()).select_from(CatalogueEntry)) == 4
    assert found(db, q="kitchen") == ["Kitchen hygiene"]


def test_compare_takes_up_to_four_listed_specifications(db: Session, shelf: dict[str, Any]) -> None:
    ids = [str(shelf[key].id) for key in ("care", "teams")]
    assert [item.content.title for item in catalogue.compare(db, ids)] == [
        "Caring for older people at home",
        "Digital content for teams",
    ]
    with pytest.raises(InvalidInput, match="at most 4"):
        catalogue.compare(db, [str(shelf[k].id) for k in ("care", "teams", "python", "kitchen")] + [ids[0] + "0"])
    with pytest.raises(InvalidInput, match="not a micro-credential id"):
        catalogue.compare(db, ["nope"])
    with pytest.raises(InvalidInput, match="at least one"):
        catalogue.compare(db, [])
    draft = db.scalar(select(Specification).where(Specification.title == "Secret draft kitchen"))
    assert draft is not None
    with pytest.raises(NotFound):
        catalogue.compare(db, [ids[0], str(draft.id)])
