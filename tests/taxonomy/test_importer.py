"""Importing the ESCO CSV export: the real v1.1.1 zips, v1.2-style folders, updates, and bad input."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.store import Database
from microcred.taxonomy import service
from microcred.taxonomy.importer import EscoImportError, read_export
from microcred.taxonomy.models import EscoOccupation, EscoOccupationSkill, EscoRelease, EscoSkill
from tests.conftest import SHARED

ESCO_V111 = SHARED / "esco" / "v1.1.1"
SKILL = "http://data.europa.eu/esco/skill/"
OCC = "http://data.europa.eu/esco/occupation/"
ISCO = "http://data.europa.eu/esco/isco/C"


def mini_export(
    folder: Path,
    *,
    v12: bool = True,
    drop_skill: bool = False,
    relabel: bool = False,
    extra_rows: dict[str, list[list[str]]] | None = None,
    headers: dict[str, list[str]] | None = None,
) -> Path:
    """A tiny export in ESCO's own layout: three skills, two occupations, their ISCO groups."""
    suffix = "_en" if v12 else ""
    skills = [
        [
            "KnowledgeSkillCompetence",
            SKILL + "python",
            "knowledge",
            "sector-specific",
            "Python (computer programming)" if relabel else "Python",
            "python programming\nPython 3",
            "",
            "released",
            "",
            "",
            "",
            "",
            "The computer language Python.",
        ],
        [
            "KnowledgeSkillCompetence",
            SKILL + "teach",
            "skill/competence",
            "cross-sector",
            "teach adults",
            "adult teaching",
            "",
            "released",
            "",
            "",
            "",
            "",
            "Instruct adult students.",
        ],
        [
            "KnowledgeSkillCompetence",
            SKILL + "git",
            "knowledge",
            "sector-specific",
            "Git",
            "",
            "",
            "released",
            "",
            "",
            "",
            "",
            "Version control with Git.",
        ],
    ]
    if drop_skill:
        skills = skills[:2]
    files: dict[str, tuple[list[str], list[list[str]]]] = {
        "skills_en.csv": (
            [
                "conceptType",
                "conceptUri",
                "skillType",
                "reuseLevel",
                "preferredLabel",
                "altLabels",
                "hiddenLabels",
                "status",
                "modifiedDate",
                "scopeNote",
                "definition",
                "inScheme",
                "description",
            ],
            skills,
        ),
        "occupations_en.csv": (
            [
                "conceptType",
                "conceptUri",
                "iscoGroup",
                "preferredLabel",
                "altLabels",
                "hiddenLabels",
                "status",
                "modifiedDate",
                "regulatedProfessionNote",
                "scopeNote",
                "definition",
                "inScheme",
                "description",
                "code",
            ],
            [
                [
                    "Occupation",
                    OCC + "dev",
                    "2512",
                    "software developer",
                    "programmer\ncoder",
                    "",
                    "released",
                    "",
                    "http://data.europa.eu/esco/regulated-professions/unregulated",
                    "",
                    "",
                    "",
                    "Software developers write software.",
                    "2512.4",
                ],
                [
                    "Occupation",
                    OCC + "trainer",
                    "2320",
                    "adult educator",
                    "",
                    "",
                    "released",
                    "",
                    "http://data.europa.eu/esco/regulated-professions/regulated",
                    "",
                    "",
                    "",
                    "Adult educators teach adults.",
                    "2320.1",
                ],
            ],
        ),
        "ISCOGroups_en.csv": (
            ["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme", "description"],
            [
                ["ISCOGroup", ISCO + "2512", "2512", "Software developers", "released", "", "", ""],
                ["ISCOGroup", ISCO + "2320", "2320", "Vocational education teachers", "released", "", "", ""],
            ],
        ),
        "skillGroups_en.csv": (
            [
                "conceptType",
                "conceptUri",
                "preferredLabel",
                "altLabels",
                "hiddenLabels",
                "status",
                "modifiedDate",
                "scopeNote",
                "inScheme",
                "description",
                "code",
            ],
            [["SkillGroup", SKILL + "group-ict", "ICT", "", "", "released", "", "", "", "", "06"]],
        ),
        f"occupationSkillRelations{suffix}.csv": (
            ["occupationUri", "relationType", "skillType", "skillUri"],
            [
                [OCC + "dev", "essential", "knowledge", SKILL + "python"],
                [OCC + "dev", "optional", "knowledge", SKILL + "git"],
                [OCC + "trainer", "essential", "skill/competence", SKILL + "teach"],
            ]
            if not drop_skill
            else [
                [OCC + "dev", "optional", "knowledge", SKILL + "python"],
                [OCC + "trainer", "essential", "", SKILL + "teach"],
            ],
        ),
        f"skillSkillRelations{suffix}.csv": (
            ["originalSkillUri", "originalSkillType", "relationType", "relatedSkillType", "relatedSkillUri"],
            [[SKILL + "python", "knowledge", "optional", "knowledge", SKILL + "teach"]],
        ),
        f"broaderRelationsSkillPillar{suffix}.csv": (
            ["conceptType", "conceptUri", "broaderType", "broaderUri"],
            [["KnowledgeSkillCompetence", SKILL + "python", "SkillGroup", SKILL + "group-ict"]],
        ),
        f"broaderRelationsOccPillar{suffix}.csv": (
            ["conceptType", "conceptUri", "broaderType", "broaderUri"],
            [["Occupation", OCC + "dev", "ISCOGroup", ISCO + "2512"]],
        ),
        "digitalSkillsCollection_en.csv": (
            ["conceptType", "conceptUri", "preferredLabel"],
            [["KnowledgeSkillCompetence", SKILL + "python", "Python"]],
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in files.items():
        header = (headers or {}).get(name, header)
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows + (extra_rows or {}).get(name, []))
    return folder


def counts(db: Session) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count()).select_from(EscoSkill)) or 0,
        db.scalar(select(func.count()).select_from(EscoOccupation)) or 0,
        db.scalar(select(func.count()).select_from(EscoOccupationSkill)) or 0,
    )


def test_the_official_v111_zips_import_whole_and_again_change_nothing(database: Database) -> None:
    with database.session() as db:
        report = service.import_esco(db, ESCO_V111)
    assert report.version == "1.1.1" and not report.unchanged
    assert report.counts["skills"] == 13896 and report.counts["occupations"] == 3007
    assert report.counts["isco_groups"] == 619 and report.counts["skill_groups"] == 640
    assert report.counts["occupation_skills"] == 123788
    assert {"digital", "green", "language", "transversal", "research"} <= {
        row for row in ("digital", "green", "language", "transversal", "research")
    }
    assert 0 < len(report.skipped) < 100  # the export's own dangling references, named, not fatal
    with database.session() as db:
        again = service.import_esco(db, ESCO_V111)
        assert again.unchanged
        assert db.scalar(select(func.count()).select_from(EscoRelease)) == 1
        director = service.career(db, "00030d09-2b3a-4efd-87cc-c4ea39d27c34")
        assert director.occupation.preferred_label == "technical director"
        assert director.isco is not None and director.isco.code == "2654"
        assert "theatre techniques" in [skill.preferred_label for skill in director.essential]
        assert director.field.name == "Law, Society, Culture & Media"
        collections = db.execute(select(func.count(), func.min(EscoSkill.uri)).select_from(EscoSkill)).one()
        assert collections[0] == 13896


def test_zip_and_v12_folder_layouts_read_the_same(tmp_path: Path) -> None:
    folder = mini_export(tmp_path / "v1.2.0")
    archive = tmp_path / "ESCO dataset - v1.2.0 - classification - en - csv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for item in folder.iterdir():
            zipped.write(item, item.name)
    from_folder, from_zip = read_export(folder), read_export(archive)
    assert from_folder.version == from_zip.version == "1.2.0"
    assert from_folder.checksum == from_zip.checksum
    assert from_folder.counts() == from_zip.counts()
    assert from_folder.counts()["occupation_skills"] == 3
    v11 = read_export(mini_export(tmp_path / "v1.1.0", v12=False))
    assert v11.counts() == from_folder.counts()


def test_a_newer_release_updates_in_place(database: Database, tmp_path: Path) -> None:
    with database.session() as db:
        service.import_esco(db, mini_export(tmp_path / "v1.1.0"))
    with database.session() as db:
        report = service.import_esco(db, mini_export(tmp_path / "v1.2.0", drop_skill=True, relabel=True))
    assert report.changes["skills"] == {"added": 0, "changed": 1, "retired": 1}
    assert report.changes["occupation_skills"] == {"added": 0, "changed": 1, "removed": 1}
    with database.session() as db:
        assert db.get(EscoSkill, SKILL + "git").status == "obsolete"  # type: ignore[union-attr]
        assert db.get(EscoSkill, SKILL + "python").preferred_label == "Python (computer programming)"  # type: ignore[union-attr]
        developer = service.career(db, "dev")
        assert [s.preferred_label for s in developer.optional] == ["Python (computer programming)"]
        assert developer.essential == []
        assert service.release(db).version == "1.2.0"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            {"headers": {"skills_en.csv": ["conceptType", "conceptUri", "skillType", "reuseLevel", "label"]}},
            r"skills_en.csv lacks the columns preferredLabel, altLabels, status, description",
        ),
        (
            {
                "extra_rows": {
                    "occupationSkillRelations_en.csv": [[OCC + "dev", "mandatory", "knowledge", SKILL + "git"]]
                }
            },
            r"occupationSkillRelations_en.csv, line 5: relationType 'mandatory' is neither essential nor optional",
        ),
        (
            {
                "extra_rows": {
                    "skills_en.csv": [
                        ["KnowledgeSkillCompetence", "not-a-uri", "", "", "x", "", "", "", "", "", "", "", ""]
                    ]
                }
            },
            r"skills_en.csv, line 6: conceptUri 'not-a-uri' is not an ESCO URI",
        ),
        (
            {
                "extra_rows": {
                    "occupations_en.csv": [
                        ["Occupation", OCC + "x", "12", "x", "", "", "released", "", "", "", "", "", "", ""]
                    ]
                }
            },
            r"occupations_en.csv, line 5: iscoGroup '12' is not a four-digit",
        ),
        (
            {
                "extra_rows": {
                    "skills_en.csv": [
                        ["KnowledgeSkillCompetence", SKILL + "python", "", "", "again", "", "", "", "", "", "", "", ""]
                    ]
                }
            },
            r"skills_en.csv, line 6: http://data.europa.eu/esco/skill/python appears twice",
        ),
    ],
)
def test_bad_files_are_named_with_their_line_and_nothing_changes(
    database: Database, tmp_path: Path, spoil: dict, message: str
) -> None:  # type: ignore[type-arg]
    with database.session() as db:
        service.import_esco(db, mini_export(tmp_path / "v1.1.0"))
    with database.session() as db:
        before = counts(db)
    with pytest.raises(EscoImportError, match=message), database.session() as db:
        service.import_esco(db, mini_export(tmp_path / "v1.2.0", relabel=True, **spoil))
    with database.session() as db:
        assert counts(db) == before
        assert db.get(EscoSkill, SKILL + "python").preferred_label == "Python"  # type: ignore[union-attr]
        assert service.release(db).version == "1.1.0"  # type: ignore[union-attr]


def test_relations_to_unknown_concepts_are_reported_and_refused_when_strict(database: Database, tmp_path: Path) -> None:
    unknown = {"occupationSkillRelations_en.csv": [[OCC + "ghost", "essential", "knowledge", SKILL + "python"]]}
    folder = mini_export(tmp_path / "v1.2.0", extra_rows=unknown)
    with (
        pytest.raises(EscoImportError, match=r"line 5: occupation http://data.europa.eu/esco/occupation/ghost"),
        database.session() as db,
    ):
        service.import_esco(db, folder, strict=True)
    with database.session() as db:
        assert counts(db) == (0, 0, 0)
        report = service.import_esco(db, folder)
    assert report.skipped == [f"occupationSkillRelations_en.csv, line 5: occupation {OCC}ghost is not in the export"]


def test_mostly_dangling_relations_mean_mismatched_files(tmp_path: Path) -> None:
    ghosts = [[OCC + f"ghost{n}", "essential", "knowledge", SKILL + "python"] for n in range(60)]
    with pytest.raises(EscoImportError, match=r"60 of 63 rows point at concepts the export lacks"):
        read_export(mini_export(tmp_path / "v1.2.0", extra_rows={"occupationSkillRelations_en.csv": ghosts}))


def test_files_that_are_not_an_esco_export(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.zip"
    text_file.write_text("hello")
    with pytest.raises(EscoImportError, match="notes.zip is not a zip file"):
        read_export(text_file)
    other = tmp_path / "photos-v1.0.0.zip"
    with zipfile.ZipFile(other, "w") as zipped:
        zipped.writestr("cat.csv", "a,b\n1,2\n")
    with pytest.raises(EscoImportError, match="photos-v1.0.0.zip is not an ESCO CSV export"):
        read_export(other)
    partial = mini_export(tmp_path / "v1.2.0")
    (partial / "ISCOGroups_en.csv").unlink()
    with pytest.raises(EscoImportError, match="lacks ISCOGroups_en.csv"):
        read_export(partial)
    with pytest.raises(EscoImportError, match="does not exist"):
        read_export(tmp_path / "nowhere")
    unnamed = mini_export(tmp_path / "export")
    with pytest.raises(EscoImportError, match="give it with --version"):
        read_export(unnamed)
    assert read_export(unnamed, version="1.2.0").version == "1.2.0"


def test_hostile_csv_content_is_refused_cleanly(tmp_path: Path) -> None:
    folder = mini_export(tmp_path / "v1.2.0")
    (folder / "skills_en.csv").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(EscoImportError, match="skills_en.csv is not UTF-8"):
        read_export(folder)
    folder = mini_export(tmp_path / "v1.2.1")
    huge = io.StringIO()
    csv.writer(huge).writerow(["KnowledgeSkillCompetence", SKILL + "big", "", "", "big", "x" * 2_000_000])
    with (folder / "skills_en.csv").open("a") as handle:
        handle.write(huge.getvalue())
    with pytest.raises(EscoImportError, match=r"skills_en.csv, line \d+: field larger than field limit"):
        read_export(folder)
