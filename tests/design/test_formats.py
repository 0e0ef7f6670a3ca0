"""Which format a document is, read from untrusted bytes: ELM or Open Badges 3.0, and an equal specification
back from either."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.design import documents, elm, formats, ob3, vocab
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput

from .fixtures import PROVIDER, SKILL, back, full


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_a_full_specification_survives_the_round_trip(fmt: str) -> None:
    export = elm.to_elm if fmt == "elm" else ob3.to_ob3
    kind, content = back(export(full(), provider=PROVIDER, skill_labels={SKILL: "stimulate creativity in the team"}))
    assert kind == fmt
    assert content == full()


contents = st.builds(
    SpecificationContent,
    title=st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=30).map(str.strip).filter(bool),
    eqf_level=st.none() | st.integers(1, 8),
    workload_hours=st.none() | st.decimals("0.1", "2999", places=1),
    participation=st.none() | st.sampled_from(list(vocab.PARTICIPATION)),
    supervision=st.none() | st.sampled_from(list(vocab.SUPERVISION)),
    field=st.none() | st.sampled_from(list(vocab.ISCED_F)),
    audiences=st.lists(st.sampled_from(list(vocab.AUDIENCES)), unique=True, max_size=3),
    languages=st.lists(st.sampled_from(["en", "fr", "de", "ga", "pl"]), unique=True, max_size=3),
    delivery=st.none() | st.sampled_from(list(vocab.DELIVERY)),
)


@settings(max_examples=60, deadline=None)
@given(content=contents, fmt=st.sampled_from(["elm", "ob3"]))
def test_any_specification_survives_the_round_trip(content: SpecificationContent, fmt: str) -> None:
    export = elm.to_elm if fmt == "elm" else ob3.to_ob3
    assert back(export(content, provider=PROVIDER, skill_labels={}))[1] == content


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"type": "Person"}', "neither an ELM document"),
        (
            b'{"@context": "http://data.europa.eu/snb/model/context/edc-ap", "type": "LearningOpportunity"}',
            "learningAchievementSpecification",
        ),
        (b'{"type": ["VerifiableCredential", "EuropeanDigitalCredential"], "credentialSubject": {}}', "specifiedBy"),
        (
            b'{"type": "Qualification", "title": {"en": "x"}, "volumeOfLearning": "sixty hours"}',
            "volumeOfLearning",
        ),
        (b'{"type": "Qualification", "mode": {"id": "urn:x", "prefLabel": {"en": "telepathy"}}}', "mode"),
        (b'{"type": ["OpenBadgeCredential"], "credentialSubject": {"id": "x"}}', "achievement"),
        (b'{"type": "Qualification", "creditPoint": {"framework": "ECTS", "point": 2}}', "structure"),
        (b"{" + b'"a": 1,' * 1_000_000 + b'"b": 2}', "larger than"),
    ],
)
def test_documents_that_are_not_elm_or_ob3_are_refused_with_the_reason(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        formats.from_document(formats.load_document(raw))
    assert message in raised.value.detail


def test_a_document_is_read_as_the_format_it_says_it_is() -> None:
    assert formats.FORMATS == ("elm", "ob3") and formats.JSONLD == "application/ld+json"
    qualification = {"@context": documents.ELM_CONTEXT, "type": "Qualification", "title": {"en": "Bookkeeping"}}
    assert formats.from_document(qualification) == ("elm", elm.from_elm(qualification))
    achievement = {"type": ["Achievement"], "name": "Bookkeeping", "criteria": {"narrative": "- Keep the books"}}
    kind, data = formats.from_document(achievement)
    assert kind == "ob3" and data["title"] == "Bookkeeping" and data["learning_outcomes"][0]["text"] == "Keep the books"
    assert formats.load_document('{"a": 1}') == {"a": 1}
    with pytest.raises(InvalidInput, match="larger than 2 MiB"):
        formats.load_document(b" " * (formats.MAX_DOCUMENT_BYTES + 1))
