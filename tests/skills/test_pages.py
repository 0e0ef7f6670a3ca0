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
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from microcred.web.flash import FLASH
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
    assert created.status_code == 303 and created.headers["location"].endswith("?done=experience-added")
    page = client.get(created.headers["location"])
    assert "Suggested skills" in page.text and "operate welding equipment" in page.text
    assert '<div class="notice" role="status">Experience added.' in page.text
    skill_uri = page.text.split('name="skill" value="')[1].split('"')[0]
    kept = client.post(
        f"{created.headers['location'].split('?')[0]}/skills",
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
    assert '<a href="#started_on">The start date must look like 2024-09-30.</a>' in bad_dates.text  # the summary
    assert 'id="started_on-error"' in bad_dates.text and 'value="Welder"' in bad_dates.text


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
    code = re.search(r'id="access-code" type="text" readonly value="(\w+)"', cohort_page).group(1)  # type: ignore[union-attr]
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
    code = re.search(r'id="access-code" type="text" readonly value="(\w+)"', client.get(cohort_path).text).group(1)  # type: ignore[union-attr]
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


# Keeping and dismissing suggestions: in place with the page's script (JSON), back at the row without it ---------

JSON = {"Accept": "application/json"}


def experience_with_suggestions(database: Database, email: str, title: str, description: str) -> str:
    """An experience of the person's, with its suggestions made: its page's address."""
    with database.session() as db:
        user = accounts.user_by_email(db, email)
        item = skills.add_experience(db, user, kind=ExperienceKind.JOB, title=title, description=description)
        skills.suggest_skills(db, user, item.id)
        return f"/profile/experiences/{item.id}"


def suggestions_on(html: str) -> list[tuple[str, str]]:
    """(skill id, label) of the suggestions waiting on an experience page, in order."""
    waiting = html.split('id="suggested-skills"')[1].split("</ul>")[0]
    return re.findall(r'<li class="skill-row" id="skill-([^"]+)">.*?aria-label="Keep ([^"]+)"', waiting, re.S)


def kept_on(html: str) -> list[str]:
    kept = html.split('id="confirmed-skills"')[1].split("</ul>")[0]
    return re.findall(r'<li class="skill-row" id="skill-([^"]+)">', kept)


def test_without_javascript_a_kept_skill_comes_back_at_its_row_with_a_message(
    client: TestClient, world: World, database: Database
) -> None:
    url = experience_with_suggestions(
        database, "learner@a.example", "Web developer", "Built web shops in Scala and JavaScript with AJAX."
    )
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(url).text
    (first, first_label), (second, second_label) = suggestions_on(page)[:2]
    token = csrf_from(page)

    kept = client.post(
        f"{url}/skills", data={"csrf_token": token, "skill": first, "strength": "4"}, follow_redirects=False
    )
    assert kept.status_code == 303
    assert kept.headers["location"] == f"{url}?skill={first}&done=skill-kept#skill-{first}"
    shown = client.get(kept.headers["location"]).text
    assert f'<div class="notice" role="status">Kept: {first_label}</div>' in shown
    assert kept_on(shown) == [first] and first not in dict(suggestions_on(shown))
    assert f'aria-label="Save the strength of {first_label}"' in shown

    saved = client.post(
        f"{url}/skills", data={"csrf_token": token, "skill": first, "strength": "5"}, follow_redirects=False
    )
    assert saved.headers["location"] == f"{url}?skill={first}&done=skill-saved#skill-{first}"
    assert f"Saved: {first_label}, strength 5 of 5</div>" in client.get(saved.headers["location"]).text

    dismissed = client.post(f"{url}/skills/remove", data={"csrf_token": token, "skill": second}, follow_redirects=False)
    assert dismissed.headers["location"] == f"{url}?skill={second}&done=skill-dismissed#suggested"
    shown = client.get(dismissed.headers["location"]).text
    assert f"Dismissed: {second_label}</div>" in shown and second not in dict(suggestions_on(shown))

    removed = client.post(f"{url}/skills/remove", data={"csrf_token": token, "skill": first}, follow_redirects=False)
    assert removed.headers["location"] == f"{url}?skill={first}&done=skill-removed#confirmed"
    assert f"Removed: {first_label}</div>" in client.get(removed.headers["location"]).text

    # An address naming a change that did not happen says only the fixed sentence, never the skill.
    third, third_label = suggestions_on(shown)[0]
    forged = client.get(f"{url}?skill={third}&done=skill-kept").text
    assert "Kept: the skill counts in your profile now." in forged and f"Kept: {third_label}" not in forged
    assert "Kept: the skill" not in client.get(f"{url}?skill={third}&done=nonsense").text

    again = client.post(f"{url}/suggestions", data={"csrf_token": token}, follow_redirects=False)
    assert again.headers["location"] == f"{url}?done=skills-suggested#suggested"


def test_with_javascript_a_skill_is_kept_or_dismissed_by_a_json_answer(
    client: TestClient, world: World, database: Database
) -> None:
    url = experience_with_suggestions(
        database, "learner@a.example", "Web developer", "Built web shops in Scala and JavaScript with AJAX."
    )
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(url).text
    waiting = suggestions_on(page)
    (first, first_label), (second, second_label) = waiting[:2]
    token = csrf_from(page)
    assert '<script src="/static/profile.js" defer></script>' in page
    assert client.get("/static/profile.js").status_code == 200

    kept = client.post(f"{url}/skills", data={"csrf_token": token, "skill": first, "strength": "4"}, headers=JSON)
    assert kept.status_code == 200 and kept.headers["content-type"] == "application/json"
    assert kept.json() == {
        "uri": f"http://data.europa.eu/esco/skill/{first}",
        "id": first,
        "label": first_label,
        "action": "kept",
        "strength": 4,
        "kept": 1,
        "suggested": len(waiting) - 1,
        "message": f"Kept: {first_label}",
    }
    dismissed = client.post(f"{url}/skills/remove", data={"csrf_token": token, "skill": second}, headers=JSON)
    assert dismissed.status_code == 200
    assert (dismissed.json()["action"], dismissed.json()["strength"]) == ("dismissed", None)
    assert (dismissed.json()["message"], dismissed.json()["suggested"]) == (
        f"Dismissed: {second_label}",
        len(waiting) - 2,
    )
    shown = client.get(url).text
    assert kept_on(shown) == [first] and {first, second}.isdisjoint(dict(suggestions_on(shown)))

    # Refusals answer in JSON too, in plain words, and change nothing.
    again = client.post(f"{url}/skills/remove", data={"csrf_token": token, "skill": second}, headers=JSON)
    assert again.status_code == 404
    assert again.json() == {"error": "skill_not_on_experience", "detail": "That skill is not on this experience."}
    bad = client.post(f"{url}/skills", data={"csrf_token": token, "skill": first, "strength": "9"}, headers=JSON)
    assert bad.status_code == 422 and bad.json()["detail"] == "A skill's strength is a whole number from 1 to 5, not 9."
    log_out(client)
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    theirs = client.post(
        f"{url}/skills",
        data={"csrf_token": csrf_from(client.get("/profile").text), "skill": first, "strength": "2"},
        headers=JSON,
    )
    assert theirs.status_code == 404 and theirs.json()["error"] == "experience_not_found"


def test_deleting_an_experience_asks_for_a_ticked_confirmation(
    client: TestClient, world: World, database: Database
) -> None:
    url = experience_with_suggestions(database, "learner@a.example", "Baker", "Baked bread and pastries.")
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    token = csrf_from(client.get(url).text)
    refused = client.post(f"{url}/delete", data={"csrf_token": token})
    assert refused.status_code == 422 and "Tick the box to confirm" in refused.text
    assert client.get(url).status_code == 200
    deleted = client.post(f"{url}/delete", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert deleted.headers["location"] == "/profile?done=experience-deleted"
    assert "Experience deleted, with its skills." in client.get(deleted.headers["location"]).text
    assert client.get(url).status_code == 404


def test_leaving_a_cohort_asks_for_a_ticked_confirmation_and_says_it_is_done(
    client: TestClient, world: World, database: Database
) -> None:
    with database.session() as db:
        found = cohorts.create_cohort(db, Actor.operator(), db.merge(world.orgs["a"]), name="Evening ICT group")
        cohorts.join_cohort(db, db.merge(world.users["b_learner"]), found.access_code)
        leave = f"/profile/cohorts/{found.id}/leave"
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])  # not in it: a 404, ticked or not
    token = csrf_from(client.get("/profile/cohorts").text)
    for form in ({"csrf_token": token}, {"csrf_token": token, "confirm": "yes"}):
        assert client.post(leave, data=form).status_code == 404
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    mine = client.get("/profile/cohorts")
    box = rf'<input type="checkbox" id="leave-{found.id}-confirm" name="confirm" value="yes"[^>]*required'
    assert re.search(box, mine.text)
    refused = client.post(leave, data={"csrf_token": csrf_from(mine.text)})
    assert refused.status_code == 422 and "Tick the box to confirm" in refused.text
    assert "Evening ICT group" in client.get("/profile/cohorts").text  # still in it
    left = client.post(leave, data={"csrf_token": csrf_from(mine.text), "confirm": "yes"}, follow_redirects=False)
    assert left.status_code == 303 and left.headers["location"] == "/profile/cohorts?done=cohort-left"
    shown = client.get(left.headers["location"]).text
    assert FLASH["cohort-left"] in shown and "Evening ICT group" not in shown


def test_someone_elses_experience_is_not_found_before_any_confirmation_is_asked(
    client: TestClient, world: World, database: Database
) -> None:
    url = experience_with_suggestions(database, "learner@a.example", "Baker", "Baked bread and pastries.")
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    token = csrf_from(client.get("/profile").text)
    for headers in ({}, JSON):  # the page, and a script asking for JSON
        for form in ({"csrf_token": token}, {"csrf_token": token, "confirm": "yes"}):
            answer = client.post(f"{url}/delete", data=form, headers=headers)
            assert answer.status_code == 404, (headers, form, answer.text)
    assert client.post(f"{url}/delete", data={"csrf_token": token}, headers=JSON).json()["error"] == (
        "experience_not_found"
    )
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert client.get(url).status_code == 200  # still there


def test_each_career_match_leads_to_its_gap_to_stack(client: TestClient, world: World, database: Database) -> None:
    give_skills(
        database,
        "learner@a.example",
        ["Python (computer programming)", "SQL", "JavaScript", "Java (computer programming)", "software design"],
    )
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    careers = client.get("/profile/careers").text
    links = re.findall(
        r'<h2><a href="/careers/([^"]+)">([^<]+)</a></h2>.*?<a class="button secondary" href="(/profile/gap\?[^"]+)">',
        careers,
        re.S,
    )
    assert len(links) == careers.count('<li class="card">') >= 10
    occupation, label, gap_link = links[0]
    assert gap_link == f"/profile/gap?occupation={occupation}#gap"
    gap = client.get(gap_link.replace("&amp;", "&"))
    assert gap.status_code == 200
    goal = gap.text.split('id="gap"')[1]
    assert f'<h2 id="goal-heading">{label}</h2>' in goal and f'href="/careers/{occupation}"' in goal
    # The gap is toward this career's essential skills: those the learner has are from their profile.
    held = re.findall(r"<li>([^<]+)</li>", goal.split('id="held"')[1].split('id="missing"')[0])
    profile = re.findall(r'<td data-label="Skill"><a href="[^"]+">([^<]+)</a>', client.get("/profile").text)
    assert held and set(held) <= set(profile)
