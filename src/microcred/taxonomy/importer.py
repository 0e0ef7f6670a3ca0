"""Reading the official ESCO CSV export and bringing the database in line with it.

The export is read whole and checked before anything is written: a wrong file, a missing column or a bad
row stops the import with the file and line named, and the taxonomy already in the database stays as it
was. Writing is one transaction that adds, changes and retires only what differs, so importing the same
export twice changes nothing and a newer release updates the concepts in place.

Accepted: the zips as the Commission distributes them, a folder holding them, or the unzipped folder; the
v1.1.x file names (`occupationSkillRelations.csv`) and the v1.2.x ones (`occupationSkillRelations_en.csv`),
with columns found by name so added columns do not matter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput
from microcred.taxonomy.models import (
    EscoCollectionMember,
    EscoIscoGroup,
    EscoOccupation,
    EscoOccupationSkill,
    EscoRelease,
    EscoSkill,
    EscoSkillBroader,
    EscoSkillGroup,
    EscoSkillRelation,
)

ESCO_PREFIX = "http://data.europa.eu/esco/"
MAX_FIELD_BYTES = 1_000_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
# Past this share (and count) of relations pointing at unknown concepts, the files do not belong together.
MAX_DANGLING_SHARE = 0.05
MAX_DANGLING_QUIET = 50

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "skills": ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "status", "description"),
    "occupations": (
        "conceptUri",
        "iscoGroup",
        "preferredLabel",
        "altLabels",
        "status",
        "description",
        "code",
        "regulatedProfessionNote",
    ),
    "iscogroups": ("conceptUri", "code", "preferredLabel", "description"),
    "skillgroups": ("conceptUri", "preferredLabel", "description"),
    "occupationskillrelations": ("occupationUri", "relationType", "skillUri"),
    "skillskillrelations": ("originalSkillUri", "relationType", "relatedSkillUri"),
    "broaderrelationsskillpillar": ("conceptUri", "broaderUri"),
    "broaderrelationsoccpillar": ("conceptUri", "broaderUri"),
}
COLLECTIONS = {
    "digitalskillscollection": "digital",
    "digcompskillscollection": "digcomp",
    "greenskillscollection": "green",
    "languageskillscollection": "language",
    "transversalskillscollection": "transversal",
    "researchskillscollection": "research",
    "researchoccupationscollection": "research_occupations",
}
FILE_LABELS = {
    "skills": "skills_en.csv",
    "occupations": "occupations_en.csv",
    "iscogroups": "ISCOGroups_en.csv",
    "skillgroups": "skillGroups_en.csv",
    "occupationskillrelations": "occupationSkillRelations.csv",
    "skillskillrelations": "skillSkillRelations.csv",
    "broaderrelationsskillpillar": "broaderRelationsSkillPillar.csv",
    "broaderrelationsoccpillar": "broaderRelationsOccPillar.csv",
}


class EscoImportError(InvalidInput):
    code = "invalid_esco_export"


@dataclass
class EscoExport:
    """Everything read from one export, checked and ready to write."""

    version: str
    language: str
    source: str
    checksum: str
    skills: list[dict[str, Any]]
    skill_groups: list[dict[str, Any]]
    isco_groups: list[dict[str, Any]]
    occupations: list[dict[str, Any]]
    occupation_skills: list[dict[str, Any]]
    skill_relations: list[dict[str, Any]]
    skill_broader: list[dict[str, Any]]
    collection_members: list[dict[str, Any]]
    skipped: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "skills": len(self.skills),
            "skill_groups": len(self.skill_groups),
            "isco_groups": len(self.isco_groups),
            "occupations": len(self.occupations),
            "occupation_skills": len(self.occupation_skills),
            "skill_relations": len(self.skill_relations),
            "skill_broader": len(self.skill_broader),
            "collection_members": len(self.collection_members),
            "skipped_relations": len(self.skipped),
        }


@dataclass
class ImportReport:
    version: str
    unchanged: bool
    counts: dict[str, int]
    changes: dict[str, dict[str, int]]
    skipped: list[str]


# Reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    name: str  # as shown in messages
    open: Callable[[], IO[bytes]]
    size: int


def _canonical(filename: str, language: str) -> str | None:
    """'occupationSkillRelations_en.csv' → 'occupationskillrelations'; None for another language's file."""
    stem = Path(filename.rsplit(":", 1)[-1]).name
    if not stem.lower().endswith(".csv"):
        return None
    stem = stem[:-4]
    match = re.fullmatch(r"(.+?)_([a-z]{2,3}(?:-[a-z]+)?)", stem)
    if match:
        if match.group(2) != language:
            return None
        stem = match.group(1)
    return stem.lower()


def _members(path: Path) -> Iterator[_Member]:
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise EscoImportError(f"{path.name} is not a zip file: give the ESCO CSV export's zip or its folder.")
        yield from _zip_members(path)
    elif path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file() and item.suffix.lower() == ".csv":
                yield _Member(str(item.relative_to(path)), _opener(item), item.stat().st_size)
            elif item.is_file() and item.suffix.lower() == ".zip" and zipfile.is_zipfile(item):
                yield from _zip_members(item)
    else:
        raise EscoImportError(f"{path} does not exist: give the ESCO CSV export's zip or its folder.")


def _opener(item: Path) -> Callable[[], IO[bytes]]:
    def open_file() -> IO[bytes]:
        return item.open("rb")

    return open_file


def _zip_members(path: Path) -> Iterator[_Member]:
    archive = zipfile.ZipFile(path)
    for info in archive.infolist():
        if info.is_dir():
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            raise EscoImportError(
                f"{path.name}: {info.filename} unpacks to {info.file_size:,} bytes, more than allowed."
            )
        yield _Member(f"{path.name}:{info.filename}", partial(archive.open, info), info.file_size)


class _Table:
    """One CSV file's rows, with its name and line numbers kept for messages."""

    def __init__(self, member: _Member, required: tuple[str, ...], digest: Any) -> None:
        self.name = member.name
        with member.open() as handle:
            raw = handle.read(MAX_MEMBER_BYTES + 1)
        if len(raw) > MAX_MEMBER_BYTES:
            raise EscoImportError(f"{self.name} is larger than {MAX_MEMBER_BYTES:,} bytes.")
        digest.update(Path(member.name.split(":")[-1]).name.lower().encode() + b"\0" + raw)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise EscoImportError(f"{self.name} is not UTF-8 text (byte {error.start}).") from None
        self.reader = csv.DictReader(io.StringIO(text, newline=""))
        header = self.reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise EscoImportError(
                f"{self.name} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(it has: {', '.join(header) or 'no header'})."
            )

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row with the line it starts on (a quoted field may span several lines)."""
        while True:
            start = self.reader.line_num + 1
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise EscoImportError(f"{self.name}, line {start}: {error}.") from None
            yield start, {key: (value or "").strip() for key, value in row.items() if key}

    def fail(self, line: int, message: str) -> EscoImportError:
        return EscoImportError(f"{self.name}, line {line}: {message}")


def _labels(value: str) -> list[str]:
    return [label.strip() for label in value.split("\n") if label.strip()]


def _uri(table: _Table, line: int, row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value.startswith(ESCO_PREFIX) or len(value) > 255 or any(c.isspace() for c in value):
        raise table.fail(line, f"{column} {value!r} is not an ESCO URI.")
    return value


def read_export(path: Path, *, version: str | None = None, language: str = "en") -> EscoExport:
    """Read and check an ESCO CSV export; raise EscoImportError naming the file and line of any problem."""
    path = Path(path)
    found: dict[str, _Member] = {}
    for member in _members(path):
        key = _canonical(member.name, language)
        if key is not None and (key in REQUIRED_COLUMNS or key in COLLECTIONS or key == "skillshierarchy"):
            found.setdefault(key, member)
    if not found:
        raise EscoImportError(
            f"{path.name} is not an ESCO CSV export: it has none of skills_{language}.csv, "
            f"occupations_{language}.csv, occupationSkillRelations.csv."
        )
    missing = [FILE_LABELS[key] for key in REQUIRED_COLUMNS if key not in found]
    if missing:
        raise EscoImportError(f"The ESCO export at {path.name} lacks {', '.join(missing)}.")
    release = version or _version_from(path, found)
    digest = hashlib.sha256(f"{release}\0{language}\0".encode())
    tables = {
        key: _Table(found[key], REQUIRED_COLUMNS.get(key, ("conceptUri",)), digest)
        for key in sorted(found)
        if key != "skillshierarchy"
    }

    skills = _read_concepts(tables["skills"], _skill_row)
    skill_groups = _read_concepts(tables["skillgroups"], _skill_group_row)
    isco_groups = _read_concepts(tables["iscogroups"], _isco_row)
    occupations = _read_concepts(tables["occupations"], _occupation_row)
    export = EscoExport(
        version=release,
        language=language,
        source=str(path),
        checksum=digest.hexdigest(),
        skills=list(skills.values()),
        skill_groups=list(skill_groups.values()),
        isco_groups=list(isco_groups.values()),
        occupations=list(occupations.values()),
        occupation_skills=[],
        skill_relations=[],
        skill_broader=[],
        collection_members=[],
    )
    isco_codes = {group["code"] for group in isco_groups.values()}
    for occupation in occupations.values():
        if occupation["isco_group"] not in isco_codes:
            raise EscoImportError(
                f"{tables['occupations'].name}: occupation {occupation['uri']} names ISCO group "
                f"{occupation['isco_group']!r}, which ISCOGroups lacks."
            )
    known = _Known(skills.keys(), skill_groups.keys(), occupations.keys(), isco_groups.keys(), export.skipped)

    relations = tables["occupationskillrelations"]
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for line, row in known.rows(relations):
        occupation, skill = _uri(relations, line, row, "occupationUri"), _uri(relations, line, row, "skillUri")
        relation = _relation(relations, line, row)
        if known.missing(relations, line, occupation, known.occupations, "occupation") or known.missing(
            relations, line, skill, known.skills, "skill"
        ):
            continue
        pairs[(occupation, skill)] = {"occupation_uri": occupation, "skill_uri": skill, "relation": relation}
    export.occupation_skills = list(pairs.values())

    related = tables["skillskillrelations"]
    skill_pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for line, row in known.rows(related):
        original, other = _uri(related, line, row, "originalSkillUri"), _uri(related, line, row, "relatedSkillUri")
        relation = _relation(related, line, row)
        if known.missing(related, line, original, known.skills, "skill") or known.missing(
            related, line, other, known.skills, "skill"
        ):
            continue
        skill_pairs[(original, other)] = {"skill_uri": original, "related_uri": other, "relation": relation}
    export.skill_relations = list(skill_pairs.values())

    broader = tables["broaderrelationsskillpillar"]
    skill_pillar = known.skills | known.skill_groups
    hierarchy: dict[tuple[str, str], dict[str, Any]] = {}
    for line, row in known.rows(broader):
        narrower, wider = _uri(broader, line, row, "conceptUri"), _uri(broader, line, row, "broaderUri")
        if known.missing(broader, line, narrower, skill_pillar, "skill or skill group") or known.missing(
            broader, line, wider, skill_pillar, "skill or skill group"
        ):
            continue
        hierarchy[(narrower, wider)] = {"uri": narrower, "broader_uri": wider}
    export.skill_broader = list(hierarchy.values())

    occupation_pillar = known.occupations | known.isco_groups
    occ_broader = tables["broaderrelationsoccpillar"]
    for line, row in known.rows(occ_broader):
        narrower, wider = _uri(occ_broader, line, row, "conceptUri"), _uri(occ_broader, line, row, "broaderUri")
        if narrower not in known.occupations:
            continue  # ISCO groups' own hierarchy follows from their codes
        if known.missing(occ_broader, line, wider, occupation_pillar, "occupation or ISCO group"):
            continue
        occupations[narrower].setdefault("broader_uri", wider)

    members: dict[tuple[str, str], dict[str, Any]] = {}
    for key, collection in COLLECTIONS.items():
        if key not in tables:
            continue
        table = tables[key]
        pillar = known.occupations if collection == "research_occupations" else known.skills
        for line, row in known.rows(table):
            uri = _uri(table, line, row, "conceptUri")
            if not known.missing(table, line, uri, pillar, "concept"):
                members[(collection, uri)] = {"collection": collection, "uri": uri}
    export.collection_members = list(members.values())
    for occupation in occupations.values():
        occupation.setdefault("broader_uri", None)
    known.check_share()
    return export


class _Known:
    """The concepts read so far, and the dangling references met, which are skipped and reported."""

    def __init__(self, skills: Any, skill_groups: Any, occupations: Any, isco_groups: Any, skipped: list[str]):
        self.skills, self.skill_groups = set(skills), set(skill_groups)
        self.occupations, self.isco_groups = set(occupations), set(isco_groups)
        self.skipped = skipped
        self.per_table: dict[str, list[int]] = {}

    def rows(self, table: _Table) -> Iterator[tuple[int, dict[str, str]]]:
        counts = self.per_table.setdefault(table.name, [0, 0])
        for line, row in table.rows():
            counts[0] += 1
            yield line, row

    def missing(self, table: _Table, line: int, uri: str, pillar: set[str], what: str) -> bool:
        if uri in pillar:
            return False
        self.per_table[table.name][1] += 1
        self.skipped.append(f"{table.name}, line {line}: {what} {uri} is not in the export")
        return True

    def check_share(self) -> None:
        for name, (rows, dangling) in self.per_table.items():
            if dangling > MAX_DANGLING_QUIET and dangling / rows > MAX_DANGLING_SHARE:
                raise EscoImportError(
                    f"{name}: {dangling:,} of {rows:,} rows point at concepts the export lacks; "
                    "the files do not belong to the same ESCO release."
                )


def _read_concepts(table: _Table, make: Callable[[_Table, int, dict[str, str]], dict[str, Any]]) -> dict[str, Any]:
    concepts: dict[str, dict[str, Any]] = {}
    for line, row in table.rows():
        concept = make(table, line, row)
        if concept["uri"] in concepts:
            raise table.fail(line, f"{concept['uri']} appears twice.")
        concepts[concept["uri"]] = concept
    return concepts


def _label(table: _Table, line: int, row: dict[str, str]) -> str:
    label = row.get("preferredLabel", "")
    if not label:
        raise table.fail(line, "preferredLabel is empty.")
    if len(label) > 500:
        raise table.fail(line, "preferredLabel is longer than 500 characters.")
    return label


def _skill_row(table: _Table, line: int, row: dict[str, str]) -> dict[str, Any]:
    return {
        "uri": _uri(table, line, row, "conceptUri"),
        "preferred_label": _label(table, line, row),
        "alt_labels": _labels(row.get("altLabels", "")),
        "hidden_labels": _labels(row.get("hiddenLabels", "")),
        "skill_type": row.get("skillType", "")[:30],
        "reuse_level": row.get("reuseLevel", "")[:30],
        "description": row.get("description", ""),
        "status": row.get("status", "")[:20] or "released",
    }


def _skill_group_row(table: _Table, line: int, row: dict[str, str]) -> dict[str, Any]:
    return {
        "uri": _uri(table, line, row, "conceptUri"),
        "code": row.get("code", "")[:30],
        "preferred_label": _label(table, line, row),
        "description": row.get("description", ""),
        "status": row.get("status", "")[:20] or "released",
    }


def _isco_row(table: _Table, line: int, row: dict[str, str]) -> dict[str, Any]:
    code = row.get("code", "")
    if not re.fullmatch(r"\d{1,4}", code):
        raise table.fail(line, f"code {code!r} is not an ISCO-08 code (one to four digits).")
    return {
        "uri": _uri(table, line, row, "conceptUri"),
        "code": code,
        "preferred_label": _label(table, line, row),
        "description": row.get("description", ""),
        "status": row.get("status", "")[:20] or "released",
    }


def _occupation_row(table: _Table, line: int, row: dict[str, str]) -> dict[str, Any]:
    isco = row.get("iscoGroup", "")
    if not re.fullmatch(r"\d{4}", isco):
        raise table.fail(line, f"iscoGroup {isco!r} is not a four-digit ISCO-08 unit group.")
    note = row.get("regulatedProfessionNote", "")
    return {
        "uri": _uri(table, line, row, "conceptUri"),
        "code": row.get("code", "")[:30],
        "isco_group": isco,
        "preferred_label": _label(table, line, row),
        "alt_labels": _labels(row.get("altLabels", "")),
        "hidden_labels": _labels(row.get("hiddenLabels", "")),
        "description": row.get("description", ""),
        "regulated": note.rstrip("/").endswith("/regulated") or (bool(note) and "unregulated" not in note),
        "regulated_note": note,
        "status": row.get("status", "")[:20] or "released",
    }


def _relation(table: _Table, line: int, row: dict[str, str]) -> str:
    relation = row.get("relationType", "")
    if relation not in ("essential", "optional"):
        raise table.fail(line, f"relationType {relation!r} is neither essential nor optional.")
    return relation


def _version_from(path: Path, found: dict[str, _Member]) -> str:
    for text in [str(path), *(member.name for member in found.values())]:
        match = re.search(r"v(\d+\.\d+(?:\.\d+)?)", text)
        if match:
            return match.group(1)
    raise EscoImportError(f"Cannot tell the ESCO version of {path.name} from its name: give it with --version.")


# Writing -------------------------------------------------------------------------------------------

_CONCEPTS: list[tuple[type[Any], str]] = [
    (EscoSkill, "skills"),
    (EscoSkillGroup, "skill_groups"),
    (EscoIscoGroup, "isco_groups"),
    (EscoOccupation, "occupations"),
]
_RELATIONS: list[tuple[type[Any], str, tuple[str, ...]]] = [
    (EscoOccupationSkill, "occupation_skills", ("occupation_uri", "skill_uri")),
    (EscoSkillRelation, "skill_relations", ("skill_uri", "related_uri")),
    (EscoSkillBroader, "skill_broader", ("uri", "broader_uri")),
    (EscoCollectionMember, "collection_members", ("collection", "uri")),
]


def current_release(db: Session) -> EscoRelease | None:
    return db.scalar(select(EscoRelease).order_by(EscoRelease.id.desc()).limit(1))


def write_export(db: Session, export: EscoExport) -> ImportReport:
    """Bring the tables in line with the export, in the caller's transaction; nothing if it is unchanged."""
    latest = current_release(db)
    if latest is not None and latest.checksum == export.checksum:
        return ImportReport(export.version, True, export.counts(), {}, export.skipped)
    changes: dict[str, dict[str, int]] = {}
    # Relations first out (they reference concepts), concepts in, then relations in.
    relation_plans = {name: _plan_relations(db, model, keys, getattr(export, name)) for model, name, keys in _RELATIONS}
    for model, name, keys in _RELATIONS:
        removed = relation_plans[name][2]
        for chunk in _chunks(removed):
            db.execute(delete(model).where(_key_in(model, keys, chunk)))
    for model, name in _CONCEPTS:
        changes[name] = _sync_concepts(db, model, getattr(export, name))
    for model, name, _keys in _RELATIONS:
        added, changed, removed = relation_plans[name]
        if added:
            db.execute(model.__table__.insert(), added)
        if changed:
            db.execute(update(model), changed)
        changes[name] = {"added": len(added), "changed": len(changed), "removed": len(removed)}
    db.add(
        EscoRelease(
            version=export.version,
            language=export.language,
            source=export.source[:500],
            checksum=export.checksum,
            counts=export.counts(),
        )
    )
    db.flush()
    return ImportReport(export.version, False, export.counts(), changes, export.skipped)


def _sync_concepts(db: Session, model: type[Any], rows: list[dict[str, Any]]) -> dict[str, int]:
    columns = [column.key for column in model.__table__.columns]
    existing = {row["uri"]: dict(row) for row in db.execute(select(*model.__table__.columns)).mappings()}
    incoming = {row["uri"]: {column: row.get(column) for column in columns} for row in rows}
    added = [row for uri, row in incoming.items() if uri not in existing]
    changed = [row for uri, row in incoming.items() if uri in existing and existing[uri] != row]
    retired = [
        {"uri": uri, "status": "obsolete"}
        for uri, row in existing.items()
        if uri not in incoming and row["status"] != "obsolete"
    ]
    if added:
        db.execute(model.__table__.insert(), added)
    if changed or retired:
        db.execute(update(model), changed + retired)
    return {"added": len(added), "changed": len(changed), "retired": len(retired)}


def _plan_relations(
    db: Session, model: type[Any], keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[Any, ...]]]:
    existing = {
        tuple(row[key] for key in keys): dict(row) for row in db.execute(select(*model.__table__.columns)).mappings()
    }
    incoming = {tuple(row[key] for key in keys): row for row in rows}
    added = [row for key, row in incoming.items() if key not in existing]
    changed = [row for key, row in incoming.items() if key in existing and existing[key] != row]
    removed = [key for key in existing if key not in incoming]
    return added, changed, removed


def _key_in(model: type[Any], keys: tuple[str, ...], chunk: list[tuple[Any, ...]]) -> Any:
    from sqlalchemy import tuple_

    return tuple_(*(getattr(model, key) for key in keys)).in_(chunk)


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
