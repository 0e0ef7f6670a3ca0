"""What the two document formats share: concepts of the EU's vocabularies, numbers as people write them, and
a concept read back into one of our code lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcred.design import documents, vocab
from microcred.errors import InvalidInput


def test_a_concept_names_its_eu_scheme_and_ours_have_none() -> None:
    assert documents.concept_scheme("http://publications.europa.eu/resource/authority/country/IRL") == (
        "http://publications.europa.eu/resource/authority/country"
    )
    assert documents.concept_scheme("http://data.europa.eu/snb/eqf/6") == "http://data.europa.eu/snb/eqf/25831c2"
    assert documents.concept_scheme("http://data.europa.eu/snb/eqf/25831c2") is None  # the scheme itself
    assert documents.concept_scheme("urn:microcred:qf-ehea:first") is None
    assert documents.concept("http://data.europa.eu/snb/eqf/6", "Level 6") == {
        "id": "http://data.europa.eu/snb/eqf/6",
        "type": "Concept",
        "prefLabel": {"en": "Level 6"},
        "inScheme": {"id": "http://data.europa.eu/snb/eqf/25831c2", "type": "ConceptScheme"},
    }
    ours = documents.concept("urn:microcred:x", "X", "fr")
    assert "inScheme" not in ours and ours["prefLabel"] == {"fr": "X"}


def test_numbers_and_node_reading() -> None:
    assert [documents.decimal_text(Decimal(v)) for v in ("5.00", "2.50", "1E+3", "0")] == ["5", "2.5", "1000", "0"]
    assert documents.types_of({"type": ["A", "B"]}) == {"A", "B"} and documents.types_of({"type": "A"}) == {"A"}
    assert documents.types_of("not a node") == set()
    assert documents.concept_id("urn:x") == "urn:x" and documents.concept_id({"id": "urn:y"}) == "urn:y"
    assert documents.concept_id({"id": 7}) is None and documents.concept_id(None) is None


def test_a_concept_is_read_by_its_uri_its_label_or_a_synonym() -> None:
    online = vocab.PARTICIPATION["online"]
    assert documents.term_code(vocab.PARTICIPATION, online.uri, "mode") == "online"
    assert documents.term_code(vocab.PARTICIPATION, {"prefLabel": {"en": online.label}}, "mode") == "online"
    assert documents.named(vocab.PARTICIPATION, "Face-to-face teaching", "mode") == "onsite"  # a synonym
    assert documents.named(vocab.ASSESSMENT_TYPES, "Written exam at the end", "assessmentType") == "written_exam"
    with pytest.raises(InvalidInput, match=r"^mode: 'telepathy' is not a value we know \(") as raised:
        documents.named(vocab.PARTICIPATION, "telepathy", "mode")
    assert raised.value.code == "invalid_document"
