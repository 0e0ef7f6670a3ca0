"""The code lists a specification draws from, and their URIs in ELM documents, both ways."""

from __future__ import annotations

from decimal import Decimal

from microcred.design import vocab


def test_levels_countries_and_languages_go_to_their_uris_and_back() -> None:
    assert vocab.eqf_uri(6) == "http://data.europa.eu/snb/eqf/6"
    assert [vocab.eqf_from_uri(vocab.eqf_uri(level)) for level in vocab.EQF_LEVELS] == list(vocab.EQF_LEVELS)
    assert vocab.eqf_from_uri("http://data.europa.eu/snb/eqf/six") is None
    assert vocab.country_uri("IE").endswith("/country/IRL") and vocab.country_from_uri(vocab.country_uri("IE")) == "IE"
    assert vocab.language_uri("fr").endswith("/language/FRA")
    assert vocab.language_from_uri(vocab.language_uri("fr")) == "fr"
    assert vocab.country_name("XX") is None and vocab.language_name("xx") is None
    assert vocab.currency_known("EUR") and not vocab.currency_known("ZZZ")


def test_isced_fields_nest_and_terms_are_found_by_uri_or_label() -> None:
    assert vocab.isced_broad("0613") == "06" and "0613" in vocab.ISCED_F and "06" in vocab.ISCED_F
    online = vocab.PARTICIPATION["online"]
    assert vocab.term_by_uri_or_label(vocab.PARTICIPATION, online.uri, None) is online
    assert vocab.term_by_uri_or_label(vocab.PARTICIPATION, None, online.label.upper()) is online
    assert vocab.term_by_uri_or_label(vocab.PARTICIPATION, "urn:nothing", "nothing") is None
    assert all(term.code == code and term.uri for code, term in vocab.ASSESSMENT_TYPES.items())


def test_the_size_bands_touch_and_the_credit_systems_give_hours_per_credit() -> None:
    bands = [(low, high) for _key, _label, low, high in vocab.SIZES]
    assert bands[0][0] == Decimal(1) and bands[-1][1] == Decimal(1500)
    assert all(previous[1] == following[0] for previous, following in zip(bands, bands[1:], strict=False))
    ects = vocab.CREDIT_SYSTEMS["ECTS"]
    assert (ects.hours_low, ects.hours_high) == (25, 30) and ects.uri.startswith("http://data.europa.eu/snb/")
