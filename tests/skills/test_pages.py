"""The skills pages on the real ESCO v1.1.1: the learner's profile from experience to career matches, and
educator cohorts (invitations by code and link, progress, sharing under the learner's control, exports)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.skills import cohorts
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.skills.fixtures import give_skills, log_out


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_profile_pages_from_experience_to_matches(client: TestClient, world: World) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    form = client.get("/profile/experiences/new")
    assert form.status_code == 200 and '<label for="description">' in form.text
    created = client.post(
        "/profile/experiences",
        data={
            "csrf_token": csrf_from(form.text),
            "kind": "job",
            "title": "Welder",
            "description": "I welded steel structures and read technical drawings.",
            "started_on": "2020-03-01",
            "ended_on": "",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "Suggested skills" in page.text and "operate welding equipment" in page.text
    skill_uri = page.text.split('name="skill" value="')[1].split('"')[0]
    kept = client.post(
        f"{created.headers['location']}/skills",
        data={"csrf_token": csrf_from(page.text), "skill": skill_uri, "strength": "4"},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    profile = client.get("/profile").text
    assert "Welder" in profile and 'aria-label="strength 4 of 5"' in profile
    careers = client.get("/profile/careers").text
    assert "Not enough skills yet." in careers
    bad_dates = client.post(
        "/profile/experiences",
        data={"csrf_token": csrf_from(form.text), "kind": "job", "title": "Welder", "started_on": "March"},
    )
    assert bad_dates.status_code == 422 and "must look like 2024-09-30" in bad_dates.text


def test_a_cohort_from_invitation_to_exports(client: TestClient, world: World, database: Database) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get("/orgs/a/cohorts")
    assert page.status_code == 200
    created = client.post(
        "/orgs/a/cohorts",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Evening ICT group",
            "description": "Assess your digital skills.",
        },
        follow_redirects=False,
    )
    cohort_url = created.headers["location"]
    cohort_page = client.get(cohort_url).text
    code = re.search(r'<code id="access-code">(\w+)</code>', cohort_page).group(1)  # type: ignore[union-attr]
    assert len(code) == 10 and f"/join/{code}" in cohort_page
    log_out(client)

    # Two learners join: one from organisation B by link (becomes a learner of A), one by typing the code.
    for email, shares in (
        ("learner@b.example", {"share_skills": "yes", "share_careers": "yes"}),
        ("learner@a.example", {"share_skills": "yes"}),
    ):
        log_in(client, email, world.passwords[email])
        join = client.get(f"/join/{code.lower()}")
        assert join.status_code == 200 and "Evening ICT group" in join.text
        joined = client.post(
            "/join", data={"csrf_token": csrf_from(join.text), "code": code.lower(), **shares}, follow_redirects=False
        )
        assert joined.headers["location"] == "/profile/cohorts"
        again = client.post("/join", data={"csrf_token": csrf_from(join.text), "code": code})
        assert again.status_code == 409 and "already" in again.text
        log_out(client)
    give_skills(database, "learner@b.example", ["Python (computer programming)", "SQL", "JavaScript"])
    give_skills(database, "learner@a.example", ["SQL", "adult education"])

    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    listing = client.get(cohort_url).text
    assert "learner@b.example" in listing and "learner@a.example" in listing
    assert '<meter min="0" max="2" value="2">' in listing  # SQL, held by both
    filtered = client.get(cohort_url, params={"q": "b.example"}).text
    assert "learner@b.example" in filtered and "learner@a.example" not in filtered

    skills_csv = list(csv.reader(io.StringIO(client.get(f"{cohort_url}/exports/skills-distribution.csv").text)))
    assert skills_csv[0] == ["skill", "user", "skill_url"]
    assert skills_csv[1][:2] == ["SQL", "2"] and skills_csv[1][2].startswith("http://data.europa.eu/esco/skill/")
    summary = client.get(f"{cohort_url}/exports/profiles-summary.csv")
    assert summary.headers["content-type"].startswith("text/csv")
    assert summary.headers["content-disposition"] == (
        'attachment; filename="Profiles summary - Evening ICT group.csv"; '
        "filename*=UTF-8''Profiles%20summary%20-%20Evening%20ICT%20group.csv"
    )
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(summary.text))}
    assert rows["learner@b.example"]["skills"] == "3" and rows["learner@a.example"]["experiences"] == ""
    assert client.get(f"{cohort_url}/exports/careers-distribution.csv").text.startswith("career,user,career_url")
    assert client.get(f"{cohort_url}/exports/passwords.csv").status_code == 404

    learner_b = world.users["b_learner"].id
    progress = client.post(
        f"{cohort_url}/learners/{learner_b}",
        data={
            "csrf_token": csrf_from(listing),
            "status": "completed",
            "outcome": "Ready for the Python micro-credential",
        },
        follow_redirects=False,
    )
    assert progress.status_code == 303
    done = client.get(cohort_url, params={"status": "completed"}).text
    assert "Ready for the Python micro-credential" in done and "learner@a.example" not in done
    log_out(client)

    # The learner withdraws their skills; the educator no longer sees or counts them.
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    mine = client.get("/profile/cohorts")
    cohort_id = cohort_url.rsplit("/", 1)[-1]
    client.post(f"/profile/cohorts/{cohort_id}/sharing", data={"csrf_token": csrf_from(mine.text)})
    log_out(client)
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    skills_csv = list(csv.reader(io.StringIO(client.get(f"{cohort_url}/exports/skills-distribution.csv").text)))
    assert {tuple(row[:2]) for row in skills_csv[1:]} == {("SQL", "1"), ("adult education", "1")}
    learner_page = client.get(f"{cohort_url}/learners/{learner_b}").text
    assert learner_page.count("Not shared.") == 3


def test_cohorts_are_isolated_and_codes_checked(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get("/orgs/a/cohorts")
    created = client.post(
        "/orgs/a/cohorts", data={"csrf_token": csrf_from(page.text), "name": "Private"}, follow_redirects=False
    )
    cohort_path = created.headers["location"]
    closed = client.post(
        f"{cohort_path}/open", data={"csrf_token": csrf_from(page.text), "open": "no"}, follow_redirects=False
    )
    assert closed.status_code == 303
    code = re.search(r'<code id="access-code">(\w+)</code>', client.get(cohort_path).text).group(1)  # type: ignore[union-attr]
    log_out(client)
    log_in(client, "educator@b.example", world.passwords["educator@b.example"])
    assert client.get(cohort_path).status_code == 404
    assert client.get(cohort_path.replace("/orgs/a/", "/orgs/b/")).status_code == 404
    assert client.get(f"{cohort_path}/exports/skills-distribution.csv").status_code == 404
    join = client.get(f"/join/{code}")
    assert join.status_code == 404 and "No open cohort has this access code" in join.text
    log_out(client)
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert client.get("/orgs/a/cohorts").status_code == 403  # learners do not manage cohorts


def test_a_learner_without_an_account_signs_up_from_the_join_link(
    client: TestClient, database: Database, world: World
) -> None:
    from microcred.accounts.models import AuditEvent, User
    from microcred.skills.models import Cohort

    with database.session() as db:
        educator = Actor.person(db.merge(world.users["a_educator"]))
        cohort = cohorts.create_cohort(db, educator, db.merge(world.orgs["a"]), name="Open day")
        code = cohort.access_code

    page = client.get(f"/join/{code}")
    assert page.status_code == 200 and "Open day" in page.text and 'id="sign-up"' in page.text
    form = {"csrf_token": csrf_from(page.text), "code": code, "display_name": "Nia", "share_skills": "yes"}

    # Bad input is named and leaves nothing behind: a weak password, a wrong code. A taken email is not named:
    # the answer is the one a new email gets, and the account is left as it was.
    weak = client.post("/join/sign-up", data={**form, "email": "nia@example.org", "password": "short"})
    assert weak.status_code == 422 and "too short" in weak.text and 'value="nia@example.org"' in weak.text
    taken = client.post("/join/sign-up", data={**form, "email": "learner@b.example", "password": "a long passphrase"})
    assert taken.status_code == 200 and "log in with this email" in taken.text
    wrong = client.post(
        "/join/sign-up",
        data={**form, "code": "ZZZZZZZZZZ", "email": "nia@example.org", "password": "a long passphrase"},
    )
    assert wrong.status_code == 404
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(User).where(User.email == "nia@example.org")) == 0

    joined = client.post(
        "/join/sign-up",
        data={**form, "email": "Nia@Example.org", "password": "a long passphrase"},
        follow_redirects=False,
    )
    assert (joined.status_code, joined.text) == (taken.status_code, taken.text)  # nothing tells the two apart
    assert "set-cookie" not in {k.lower() for k in joined.headers} - {k.lower() for k in taken.headers}
    log_in(client, "nia@example.org", "a long passphrase")
    mine = client.get("/profile/cohorts")
    assert mine.status_code == 200 and "Open day" in mine.text
    with database.session() as db:
        user = db.scalar(select(User).where(User.email == "nia@example.org"))
        assert user is not None and not user.must_change_password and not user.is_platform_admin
        found = db.scalar(select(Cohort).where(Cohort.access_code == code))
        assert found is not None and [m.user_id for m in found.members] == [user.id]
        assert found.members[0].share_skills and not found.members[0].share_experiences
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id)))
        assert {"user.registered", "cohort.joined"} <= actions
    log_out(client)
    log_in(client, "nia@example.org", "a long passphrase")


def test_sign_up_names_bad_input_alike_whether_or_not_the_email_has_an_account(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        code = cohorts.create_cohort(db, Actor.operator(), db.merge(world.orgs["a"]), name="Open").access_code
    page = client.get(f"/join/{code}")
    answers = []
    for email in ("learner@a.example", "nobody-here@a.example"):
        for bad in ({"display_name": "bad\x07name"}, {"password": "short"}, {"display_name": "x" * 300}):
            form = {
                "csrf_token": csrf_from(page.text),
                "code": code,
                "email": email,
                "password": "a long passphrase 77",
            }
            answer = client.post("/join/sign-up", data={**form, **bad})
            answers.append((answer.status_code, answer.text.replace(email, "EMAIL")))
    assert answers[:3] == answers[3:] and all(status == 422 for status, _text in answers)
    with database.session() as db:
        assert accounts.user_by_email(db, "learner@a.example").display_name != "bad\x07name"
        with pytest.raises(Exception, match="no user"):
            accounts.user_by_email(db, "nobody-here@a.example")


def test_an_export_of_a_cohort_named_in_any_script_downloads(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        cohort_id = cohorts.create_cohort(db, Actor.operator(), db.merge(world.orgs["a"]), name="Kohorte Łódź 東京").id
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    summary = client.get(f"/orgs/a/cohorts/{cohort_id}/exports/profiles-summary.csv")
    assert summary.status_code == 200 and summary.text.startswith("name,email")
    assert summary.headers["content-disposition"] == (
        'attachment; filename="Profiles summary - Kohorte _odz __.csv"; '
        "filename*=UTF-8''Profiles%20summary%20-%20Kohorte%20%C5%81%C3%B3d%C5%BA%20%E6%9D%B1%E4%BA%AC.csv"
    )


def test_a_refused_cohort_comes_back_with_what_was_typed(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get("/orgs/a/cohorts")
    refused = client.post(
        "/orgs/a/cohorts",
        data={"csrf_token": csrf_from(page.text), "name": "   ", "description": "Tuesday evenings & weekends"},
        follow_redirects=False,
    )
    assert refused.status_code == 422, refused.text
    assert "Tuesday evenings &amp; weekends</textarea>" in refused.text
    assert "Tuesday evenings" not in client.get("/orgs/a/cohorts").text
