"""An Open Badges 3.0 achievement read for people: its outcomes and its Annex I elements, labelled, leniently."""

from __future__ import annotations

from microcred.design import ob3, reading

from .fixtures import PROVIDER, SKILL, full


def test_our_achievement_reads_as_labelled_annex_i_elements_in_order() -> None:
    achievement = ob3.to_ob3(full(), provider=PROVIDER, skill_labels={}, version=2)
    rows = reading.elements(achievement, reading.alignments(achievement))
    shown = dict(rows)
    assert [label for label, _text in rows][:3] == ["Awarding bodies", "Country of the provider", "Workload"]
    assert shown["Awarding bodies"] == "University of Zed (IE); Partner School (FR)"
    assert shown["Country of the provider"] == "Ireland · Leinster"
    assert shown["Workload"] == "62.5 hours · 2.5 ECTS credits"
    assert shown["Level"] == "EQF level 6 · Irish NFQ level 8 · First cycle (bachelor)"
    assert shown["Assessment"] == "Project or artefact · graded Pass/fail"
    assert shown["Stackability"] == "Stackable towards MSc Data Science · part of a qualification"
    assert shown["Language"] == "English, French" and shown["Course code"] == "DA-101" and shown["Edition"] == "2"
    assert [label for label, _text in rows][-2:] == ["Course code", "Edition"]


def test_the_edition_has_its_own_label_and_a_course_code_shows_only_when_there_is_one() -> None:
    content = full().model_copy(update={"code": ""})
    achievement = ob3.to_ob3(content, provider=PROVIDER, skill_labels={}, version=1)
    assert "humanCode" not in achievement or not achievement["humanCode"]
    rows = reading.elements(achievement, reading.alignments(achievement))
    assert ("Edition", "1") in rows
    assert all(label != "Course code" for label, _text in rows)
    assert not any("edition" in text.lower() for label, text in rows if label != "Edition")
    assert reading.elements({"humanCode": "DA-101"}, {}) == [("Course code", "DA-101")]
    assert reading.elements({"version": 3}, {}) == [("Edition", "3")]


def test_outcomes_name_their_skills_or_come_from_the_criteria() -> None:
    achievement = ob3.to_ob3(full(), provider=PROVIDER, skill_labels={})
    first, second = reading.outcomes(achievement, {SKILL: "stimulate creativity in the team"})
    assert first.text == "Analyse a data set with pandas and report the findings"
    assert first.skills[0] == "stimulate creativity in the team" and first.skills[1].startswith("http://")
    assert second.skills == []
    plain = {"criteria": {"narrative": "Do this:\n- Keep the books\n- Close the month"}}
    assert [o.text for o in reading.outcomes(plain, {})] == ["Keep the books", "Close the month"]


def test_reading_is_lenient_with_what_is_missing_or_malformed() -> None:
    assert reading.elements({}, {}) == []
    odd = {"awardingBodies": [{"name": 7}, "x"], "studyLoad": "lots", "assessmentType": "chanting", "languages": [3]}
    assert reading.elements(odd, reading.alignments({"alignment": ["not a node", {"targetType": "ext:EQF"}]})) == [
        ("Workload", "lots hours"),
        ("Assessment", "chanting"),
    ]
    assert reading.number("2.50") == "2.5" and reading.number(60.0) == "60" and reading.number(None) == ""
    assert reading.text("  x ") == "x" and reading.text(5) == ""
