"""The pathway pages: the builder (who reaches it, refusals beside the form with the input kept, skills and
micro-credentials picked by search, editing and deleting), the public list, a learner's progress from real
credentials in the wallet, and gap to stack; and the JSON routes the builder added (change, delete, list)."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import AuditEvent
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.pathways import service
from microcred.pathways.models import Pathway
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import OTHER_SKILL, SKILL, annex_i_minimum
from tests.pathways.test_gap import a_career, in_the_wallet, offer


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def published(db: Session, world: World, title: str, *, credits: str = "5", level: int = 6, org: str = "a") -> str:
    """A micro-credential published by the organisation, giving `credits` ECTS at EQF `level`: its id."""
    organisation = db.merge(world.orgs[org])
    content = annex_i_minimum(title=title, credits={"value": credits, "system": "ECTS"}, eqf_level=level)
    spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
    design.publish(db, Actor.operator(), organisation, spec.id)
    return str(spec.id)


def a_pathway(database: Database, world: World, rules: dict[str, Any], *, org: str = "a") -> str:
    with database.session() as db:
        made = service.create(
            db,
            Actor.operator(),
            db.merge(world.orgs[org]),
            title="Towards the Certificate in Digital Teamwork",
            qualification="Certificate in Digital Teamwork",
            rules=rules,
        )
        return str(made.id)


def text_of(page: str) -> str:
    """The page's words, tags dropped and spaces collapsed, for asserting sentences."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def form(csrf: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "csrf_token": csrf,
        "title": "Towards the Certificate in Digital Teamwork",
        "qualification": "Certificate in Digital Teamwork",
        "kind": "open",
        "total_credits": "10",
        "action": "save",
    }
    values.update(fields)
    return values


def test_only_the_organisations_admins_and_educators_reach_the_builder(
    client: TestClient, database: Database, world: World
) -> None:
    pathway_id = a_pathway(database, world, {"kind": "open", "total_credits": 10})
    builder = ["/orgs/a/pathways", "/orgs/a/pathways/new", f"/orgs/a/pathways/{pathway_id}"]
    assert client.get(builder[0], follow_redirects=False).headers["location"].startswith("/login")

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    for path in builder:
        assert client.get(path).status_code == 403, path
    csrf = csrf_from(client.get("/pathways").text)
    assert client.post("/orgs/a/pathways", data=form(csrf)).status_code == 403
    assert client.post(f"/orgs/a/pathways/{pathway_id}/delete", data={"csrf_token": csrf}).status_code == 403

    log_in(client, "org_admin@b.example", world.passwords["org_admin@b.example"])
    csrf = csrf_from(client.get("/orgs/b/pathways").text)
    for path in builder:
        answer = client.get(path)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html"), path
    # A's pathway under B's own address is as missing as under A's.
    assert client.get(f"/orgs/b/pathways/{pathway_id}").status_code == 404
    assert client.post(f"/orgs/b/pathways/{pathway_id}/edit", data=form(csrf, title="hijacked")).status_code == 404
    assert client.post(f"/orgs/b/pathways/{pathway_id}/delete", data={"csrf_token": csrf}).status_code == 404
    with database.session() as db:
        kept = db.get(Pathway, uuid.UUID(pathway_id))
        assert kept is not None and kept.title == "Towards the Certificate in Digital Teamwork"

    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    listed = client.get("/orgs/a/pathways")
    assert listed.status_code == 200 and "Towards the Certificate in Digital Teamwork" in listed.text
    assert 'href="/orgs/a/pathways"' in listed.text  # "Pathway builder" in the educator's navigation


def test_a_refused_rule_is_shown_beside_its_field_with_the_input_kept(
    client: TestClient, database: Database, world: World
) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    csrf = csrf_from(client.get("/orgs/a/pathways/new").text)
    typed = form(
        csrf,
        title="Stacked teamwork",
        total_credits="20",
        min_level="7",
        max_level="3",
        rpl_cap_credits="30",
        validity_years="4",
        skills=[OTHER_SKILL],
    )
    refused = client.post("/orgs/a/pathways", data=typed)
    assert refused.status_code == 422
    page = refused.text
    alert = text_of(page[page.index('id="error-summary"') :])
    assert (
        "Minimum EQF level (7) is above Maximum EQF level (3)" in alert
        and "Cap on prior-learning credits (30) is above Total credits needed (20)" in alert
    )
    beside_min = re.search(r'id="min_level-error-1">([^<]+)<', page)
    assert beside_min and "Minimum EQF level (7) is above Maximum EQF level (3)" in beside_min.group(1)
    assert re.search(r'id="rpl_cap_credits-error-1">[^<]*Cap on prior-learning credits \(30\)', page)
    assert 'aria-invalid="true" aria-describedby="min_level-error-1"' in page
    assert 'value="Stacked teamwork"' in page and 'value="30"' in page and 'value="4"' in page
    assert '<option value="7" selected>' in page and '<option value="3" selected>' in page
    assert f'value="{OTHER_SKILL}" checked' in page and "develop digital content" in page.lower()

    # An elective pathway without its list, and a bad number, are refused by name too.
    elective = client.post("/orgs/a/pathways", data=form(csrf, kind="elective"))
    assert elective.status_code == 422
    assert "Rules: an elective pathway needs its approved list of micro-credentials." in elective.text
    assert 'id="specs-error-1"' in elective.text and 'value="elective" checked' in elective.text
    bad = client.post("/orgs/a/pathways", data=form(csrf, total_credits="ten"))
    assert bad.status_code == 422 and re.search(
        r'id="total_credits-error-1">Total credits needed must be a number.<', bad.text
    )
    assert 'value="ten"' in bad.text
    odd = client.post("/orgs/a/pathways", data=form(csrf, kind="fixed", specs=["nope"], position_nope="²"))
    assert odd.status_code == 422 and 'id="specs-error-1">Micro-credential 1 is not a valid id.<' in odd.text
    assert 'name="specs" value="nope" checked' in odd.text
    # Every problem at once: the title and the rules.
    short = client.post("/orgs/a/pathways", data=form(csrf, title="ab", min_level="7", max_level="3"))
    assert short.status_code == 422 and 'id="title-error-1">The title must be 3 to 300' in short.text
    assert 'id="min_level-error-1">Rules: Minimum EQF level (7) is above Maximum EQF level (3).' in short.text
    with database.session() as db:
        assert service.of_organisation(db, db.merge(world.orgs["a"])) == []


def test_build_a_pathway_picking_skills_and_micro_credentials_then_edit_and_delete_it(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        first = published(db, world, "Digital content for teams")
        second = published(db, world, "Creative teamwork studio", org="b")
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    csrf = csrf_from(client.get("/orgs/a/pathways/new").text)

    # Searching keeps what is typed and offers what matches; nothing is saved.
    found = client.post(
        "/orgs/a/pathways",
        data=form(
            csrf,
            kind="elective",
            title="Teamwork stack",
            action="find",
            skill_q="stimulate creativity",
            spec_q="team",
        ),
    )
    assert found.status_code == 200, found.text
    hits = found.text[found.text.index('id="skill-hits"') :]
    assert f'name="skills" value="{SKILL}"' in hits[: hits.index("</div>")]
    spec_hits = found.text[found.text.index('id="spec-hits"') :]
    spec_hits = spec_hits[: spec_hits.index("</div>")]
    assert f'value="{second}"' in spec_hits and "Beta Institute" in spec_hits and f'value="{first}"' in spec_hits
    assert 'value="Teamwork stack"' in found.text and 'value="elective" checked' in found.text
    # Enter in a search box (the hidden default button) searches too.
    entered = client.post("/orgs/a/pathways", data=form(csrf, action="enter", skill_q="stimulate creativity"))
    assert entered.status_code == 200 and 'id="skill-hits"' in entered.text
    with database.session() as db:
        assert service.of_organisation(db, db.merge(world.orgs["a"])) == []

    saved = client.post(
        "/orgs/a/pathways",
        data=form(
            csrf,
            kind="fixed",
            title="Teamwork stack",
            min_level="5",
            max_level="6",
            rpl_cap_credits="5",
            validity_years="3",
            skills=[SKILL],
            specs=[first, second],
            **{f"position_{first}": "2", f"position_{second}": "1"},
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    words = text_of(page.text)
    assert "Saved: learners' progress follows these rules from now on." in words
    assert "Fixed sequence: the micro-credentials listed below count in this order" in words
    assert "10 credits are needed in all." in words
    assert "Only micro-credentials at EQF levels 5 to 6 count; one that gives no level does not." in words
    assert "awarded more than 3 years ago no longer counts" in words
    assert "counts for at most 5 credits" in words
    assert "stimulate creativity in the team" in words
    # The sequence in the order of the positions typed, each linking to its catalogue page.
    sequence = page.text[page.text.index('class="pathway-specs"') :]
    assert sequence.index(f'href="/catalogue/{second}"') < sequence.index(f'href="/catalogue/{first}"')
    pathway_id = saved.headers["location"].split("/")[-1].split("?")[0]

    # Editing: the form comes back filled in; the new rules replace the old.
    edit = client.get(f"/orgs/a/pathways/{pathway_id}/edit")
    assert (
        'value="fixed" checked' in edit.text
        and f'name="position_{second}" inputmode="numeric" size="3" value="1"' in edit.text
    )
    assert "worked out from their wallets each time they look" in edit.text
    changed = client.post(
        f"/orgs/a/pathways/{pathway_id}/edit",
        data=form(csrf, kind="elective", title="Teamwork stack", total_credits="7.5", specs=[first]),
        follow_redirects=False,
    )
    assert changed.status_code == 303
    words = text_of(client.get(f"/orgs/a/pathways/{pathway_id}").text)
    assert "Elective: only the approved micro-credentials" in words and "7.5 credits are needed" in words
    assert "Micro-credentials of any EQF level count." in words and "Creative teamwork studio" not in words
    refused = client.post(
        f"/orgs/a/pathways/{pathway_id}/edit",
        data=form(csrf, kind="open", title="Teamwork stack", specs=[first]),
    )
    assert (
        refused.status_code == 422
        and "an approved list of micro-credentials is for elective pathways, not open ones." in refused.text
    )

    # The public list shows it with its organisation and qualification, to anyone.
    client.cookies.clear()
    public = text_of(client.get("/pathways").text)
    assert "Teamwork stack" in public and "Certificate in Digital Teamwork · Alpha Academy" in public
    assert "Log in to see your progress" in public

    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    csrf = csrf_from(client.get(f"/orgs/a/pathways/{pathway_id}").text)
    kept = client.post(f"/orgs/a/pathways/{pathway_id}/delete", data={"csrf_token": csrf})
    assert kept.status_code == 422 and "Tick the box to confirm" in kept.text
    assert client.get(f"/orgs/a/pathways/{pathway_id}").status_code == 200
    gone = client.post(
        f"/orgs/a/pathways/{pathway_id}/delete", data={"csrf_token": csrf, "confirm": "yes"}, follow_redirects=True
    )
    assert gone.status_code == 200 and "The pathway is deleted." in gone.text
    assert client.get(f"/orgs/a/pathways/{pathway_id}").status_code == 404
    with database.session() as db:
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == pathway_id).order_by(AuditEvent.id)
        ).all()
    assert actions == ["pathway.created", "pathway.changed", "pathway.deleted"]


def test_a_learner_sees_progress_from_the_wallet_never_an_award(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        counting = published(db, world, "Digital content for teams", credits="6")
        too_high = published(db, world, "Advanced digital content", level=7)
        in_the_wallet(client, db, world, uuid.UUID(counting))
        in_the_wallet(client, db, world, uuid.UUID(too_high))
    pathway_id = a_pathway(
        database,
        world,
        {
            "kind": "open",
            "total_credits": 10,
            "max_level": 6,
            "rpl_cap_credits": 4,
            "required_skills": [OTHER_SKILL, SKILL],
        },
    )
    assert client.get(f"/pathways/{pathway_id}/progress", follow_redirects=False).status_code == 303  # log in first
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert f'href="/pathways/{pathway_id}/progress"' in client.get("/pathways").text

    page = client.get(f"/pathways/{pathway_id}/progress")
    assert page.status_code == 200, page.text
    assert '<progress id="credits-bar" max="10" value="6"' in page.text
    words = text_of(page.text)
    assert "6 of 10 credits" in words
    assert "Digital content for teams 6" in text_of(page.text[page.text.index('id="counted"') :])
    not_counted = text_of(page.text[page.text.index('id="not-counted"') :])
    assert "Advanced digital content Its level (EQF 7) is above the maximum (EQF 6)." in not_counted
    assert "Not eligible yet." in words and "4 more credits" in words and "1 required skill" in words
    missing = text_of(page.text[page.text.index('id="missing-skills"') :])
    assert (
        "stimulate creativity in the team" in missing
        and "develop digital content" not in missing.split("The pathway")[0]
    )
    assert "never by this page" in words

    # Enrolled after the award: the credential is prior learning, counted up to the cap.
    prior = client.get(f"/pathways/{pathway_id}/progress", params={"enrolled_on": "2026-12-01"})
    counted = text_of(prior.text[prior.text.index('id="counted"') : prior.text.index('id="not-counted"')])
    assert "Digital content for teams 4 Prior learning prior learning: counted up to the cap of 4 credits" in counted
    assert 'value="2026-12-01"' in prior.text and "4 of 10 credits" in text_of(prior.text)
    bad = client.get(f"/pathways/{pathway_id}/progress", params={"enrolled_on": "last spring"})
    assert bad.status_code == 422 and "The enrolment date must look like 2024-09-30." in bad.text
    assert client.get(f"/pathways/{uuid.uuid4()}/progress").status_code == 404

    # Once the rules are met the page says eligible, and still not awarded.
    with database.session() as db:
        service.update(
            db,
            Actor.operator(),
            db.merge(world.orgs["a"]),
            uuid.UUID(pathway_id),
            title="Towards the Certificate in Digital Teamwork",
            qualification="Certificate in Digital Teamwork",
            rules={"kind": "open", "total_credits": 6, "required_skills": [OTHER_SKILL]},
        )
    words = text_of(client.get(f"/pathways/{pathway_id}/progress").text)
    assert "Eligible to apply" in words and "This is not the qualification: Alpha Academy decides on it" in words


def test_gap_to_stack_page(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        occupation, (_e1, e2, e3, *_rest) = a_career(db)
        spec_id = offer(db, world, "Second and third", [e2, e3], 40, 5)
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    searched = client.get("/profile/gap", params={"q": "web developer"})
    assert searched.status_code == 200 and 'href="/profile/gap?occupation=' in searched.text
    page = client.get("/profile/gap", params={"occupation": occupation, "level": "5"})
    assert page.status_code == 200, page.text
    stack = page.text[page.text.index('id="stack"') :]
    assert f'href="/catalogue/{spec_id}"' in stack and "Second and third" in stack
    words = text_of(page.text)
    assert "1 micro-credential, 40 hours of work in all" in words and "Still uncovered" in words
    assert "you have 0" in words
    for level in ("9", "²", "5 "):
        assert client.get("/profile/gap", params={"occupation": occupation, "level": level}).status_code == 422
    missing = client.get("/profile/gap", params={"occupation": "no-such-career"})
    assert missing.status_code == 404 and 'id="gap-error"' in missing.text
    client.cookies.clear()
    assert client.get("/profile/gap", follow_redirects=False).headers["location"].startswith("/login")
