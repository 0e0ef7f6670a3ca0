"""The public catalogue on SQLite and PostgreSQL with real ESCO: full text, filters, facets, sorting, comparing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import catalogue
from microcred.design import service as design
from microcred.design.catalogue import CatalogueQuery, parse_query
from microcred.design.models import CatalogueEntry, Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput, NotFound

from .fixtures import OTHER_SKILL, SKILL, annex_i_minimum

ACTOR = Actor.operator()


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def _org(db: Session, slug: str, name: str) -> Organisation:
    return accounts.create_organisation(db, ACTOR, legal_name=name, country="IE", slug=slug)


def _publish(db: Session, org: Organisation, **changes: Any) -> Specification:
    spec = design.create(db, ACTOR, org, SpecificationContent.model_validate(annex_i_minimum(**changes)))
    design.publish(db, ACTOR, org, spec.id)
    return spec


@pytest.fixture
def shelf(db: Session) -> dict[str, Any]:
    """Four published micro-credentials from two providers, and a draft that must never show."""
    zed, yon = _org(db, "zed", "University of Zed"), _org(db, "yon", "Yonder Institute")
    specs = {
        "teams": _publish(
            db,
            zed,
            title="Digital content for teams",
            languages=["en"],
            field="0613",
            price={"amount": "0", "currency": "EUR"},
            audiences=["workers"],
        ),
        "python": _publish(
            db,
            zed,
            title="Data analysis with Python",
            learning_outcomes=[{"text": "Analyse a data set with pandas and report the findings", "skills": []}],
            workload_hours="150",
            credits={"system": "ECTS", "value": "6"},
            eqf_level=5,
            languages=["en", "fr"],
            field="0613",
            price={"amount": "450", "currency": "EUR"},
            participation="online",
        ),
        "care": _publish(
            db,
            yon,
            title="Caring for older people at home",
            learning_outcomes=[{"text": "Plan daily care with the person and their family", "skills": [SKILL]}],
            workload_hours="12",
            eqf_level=4,
            languages=["fr"],
            field="0922",
            quality_assurance={"type": "external", "body": "QQI"},
            price={"amount": "90", "currency": "GBP"},
            audiences=["job_seekers", "workers"],
        ),
        "kitchen": _publish(
            db,
            yon,
            title="Kitchen hygiene",
            learning_outcomes=[{"text": "Apply food safety rules in a commercial kitchen", "skills": []}],
            workload_hours="25",
            eqf_level=3,
            languages=["nl"],
            participation="onsite",
        ),
    }
    design.create(db, ACTOR, zed, SpecificationContent.model_validate(annex_i_minimum(title="Secret draft kitchen")))
    db.commit()
    return {"zed": zed, "yon": yon, **specs}


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
    _publish(
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


def test_facet_counts_are_disjunctive(db: Session, shelf: dict[str, Any]) -> None:
    results = catalogue.search(db, CatalogueQuery(language=["fr"]))
    assert results.total == 2
    languages = {f.value: (f.count, f.selected) for f in results.facets["language"]}
    # The language facet ignores its own selection: English and Dutch can still be added.
    assert languages == {"en": (2, False), "fr": (2, True), "nl": (1, False)}
    # The other facets count within the French results.
    assert {f.value: f.count for f in results.facets["eqf"]} == {"4": 1, "5": 1}
    assert {f.value: f.count for f in results.facets["provider"]} == {"yon": 1, "zed": 1}
    assert {f.label for f in results.facets["provider"]} == {"University of Zed", "Yonder Institute"}
    fields = {f.value: f.count for f in results.facets["field"]}
    assert fields == {"06": 1, "061": 1, "0613": 1, "09": 1, "092": 1, "0922": 1}
    skill = next(f for f in results.facets["skill"] if f.value == SKILL)
    assert skill.label == "stimulate creativity in the team"
    assert catalogue.search(db, CatalogueQuery(q="nothing-like-this")).facets == {}


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


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"eqf": ["9"]}, "eqf: 9 is not an EQF level"),
        ({"eqf": ["high"]}, "eqf: Input should be a valid integer"),
        ({"field": ["0999"]}, "field: '0999' is not a known ISCED-F field"),
        ({"skill": ["http://example.com/x"]}, "skill: 'http://example.com/x' is not an ESCO skill URI"),
        ({"language": ["xx"]}, "language: 'xx' is not an ISO 639-1"),
        ({"hours_min": "-1"}, "hours_min: Input should be greater than or equal to 0"),
        ({"credit_system": "ABC"}, "credit_system: 'ABC' is not a credit system"),
        ({"sort": "random"}, "sort: Input should be"),
        ({"per_page": "1000"}, "per_page: Input should be less than or equal to 100"),
        ({"colour": "red"}, "Unknown search parameter 'colour'"),
        ({"q": "x" * 201}, "q: String should have at most 200 characters"),
    ],
)
def test_a_bad_query_is_refused_naming_the_parameter(params: dict[str, Any], message: str) -> None:
    multi = {key: value if isinstance(value, list) else [value] for key, value in params.items()}
    flat = {key: value[0] if isinstance(value, list) else value for key, value in params.items()}
    with pytest.raises(InvalidInput) as raised:
        parse_query(flat, multi)
    assert raised.value.code == "invalid_query" and message in raised.value.detail


def test_unknown_providers_and_skills_are_named(db: Session, shelf: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="there is no provider 'nobody'"):
        catalogue.search(db, CatalogueQuery(provider=["nobody"]))
    unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    with pytest.raises(InvalidInput, match="is not an ESCO skill"):
        catalogue.search(db, CatalogueQuery(skill=[unknown]))
