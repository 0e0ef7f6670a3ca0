"""What the design and catalogue pages show: the Annex I elements in order, and the code lists with labels."""

from __future__ import annotations

from microcred.design import labels, vocab


def test_the_pages_list_the_annex_i_elements_first_each_once() -> None:
    keys = [key for key, _label in labels.ANNEX_ELEMENTS]
    assert keys[:9] == [
        "title",
        "issuer",
        "awarding_bodies",
        "outcomes",
        "workload",
        "level",
        "assessment",
        "participation",
        "quality_assurance",
    ]
    assert len(keys) == len(set(keys)) and all(label for _key, label in labels.ANNEX_ELEMENTS)


def test_the_code_lists_are_built_once_and_name_every_profile() -> None:
    shown = labels.vocabularies()
    assert labels.vocabularies() is shown  # once per process
    assert shown["profiles"] == {
        "cmf": "European MOOC Consortium: Common Microcredential Framework",
        "nz": "New Zealand (NZQA) micro-credentials",
    }
    assert shown["country_name"]("IE") == "Ireland" and shown["language_name"]("fr") == "French"
    assert shown["fields"] is vocab.ISCED_F and shown["annex_elements"] is labels.ANNEX_ELEMENTS
    assert ("IE", "Ireland") in shown["countries"]
