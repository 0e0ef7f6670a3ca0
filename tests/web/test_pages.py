"""Server-rendered pages as the web kit serves them: CSRF, cookies, navigation by role, tenant isolation, logs and
login input (the accounts pages themselves are tested in tests/accounts/test_pages.py)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from microcred.config import Settings
from microcred.store import Database
from microcred.web.app import create_app
from tests.conftest import TEST_SECRET, World, csrf_from, log_in


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_home_and_login_pages_are_accessible_html(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<nav aria-label="Main"' in html and '<main id="main"' in html
    assert '<label for="email">' in html and 'id="email"' in html
    assert '<label for="password">' in html and 'id="password"' in html
    assert "content-security-policy" in page.headers and page.headers["x-frame-options"] == "DENY"


def test_login_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"email": "educator@a.example", "password": world.passwords["educator@a.example"]}
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    forged = client.post("/login", data={"email": "educator@a.example", "password": "x", "csrf_token": "0" * 64})
    assert forged.status_code == 403


def test_pages_need_a_login_and_send_people_back_after(client: TestClient, world: World) -> None:
    response = client.get("/orgs/a/members", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/orgs/a/members"
    page = client.get(response.headers["location"])
    login = client.post(
        "/login",
        data={
            "email": "org_admin@a.example",
            "password": world.passwords["org_admin@a.example"],
            "next": "/orgs/a/members",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert login.headers["location"] == "/orgs/a/members"


def test_session_cookie_flags(client: TestClient, world: World) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "learner@a.example",
            "password": world.passwords["learner@a.example"],
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "mc_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


def test_cookies_are_secure_behind_https(tmp_path, database: Database, database_url: str, world: World) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, base_url="https://microcred.example"
    )
    with TestClient(create_app(settings, database), base_url="https://testserver") as client:
        page = client.get("/login")
        assert "__Host-mc_csrf=" in page.headers["set-cookie"] and "secure" in page.headers["set-cookie"].lower()
        response = client.post(
            "/login",
            data={
                "email": "learner@a.example",
                "password": world.passwords["learner@a.example"],
                "csrf_token": csrf_from(page.text),
            },
            follow_redirects=False,
        )
        cookie = response.headers["set-cookie"]
        assert "__Host-mc_session=" in cookie and "Secure" in cookie


@pytest.mark.parametrize(
    ("email", "visible", "hidden"),
    [
        ("org_admin@a.example", ["Issued", "Recognition", "Organisation"], ["All organisations", "My skills"]),
        ("educator@a.example", ["Micro-credentials", "Cohorts", "Organisation"], ["Recognition", "My skills"]),
        ("recognition_officer@a.example", ["Recognition", "Agreements"], ["Issued", "Cohorts", "My skills"]),
        ("learner@a.example", ["My credentials", "My skills"], ["Organisation", "Members", "Issued", "API tokens"]),
    ],
)
def test_navigation_follows_the_role(
    client: TestClient, world: World, email: str, visible: list[str], hidden: list[str]
) -> None:
    log_in(client, email, world.passwords[email])
    html = client.get("/dashboard").text
    nav = html[html.index('<nav aria-label="Main"') : html.index("</nav>")]
    assert len(nav.split("<li>")) - 1 <= 10, "a role's menu has at most ten links"
    for label in visible:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav


def test_secrets_never_reach_the_logs(client: TestClient, world: World, caplog: pytest.LogCaptureFixture) -> None:
    # With SQL logging on, every statement and its parameters are logged: what we store shows up there.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    password = world.passwords["org_admin@a.example"]
    log_in(client, "org_admin@a.example", password)
    created = post_form(client, "/orgs/a/tokens", "/orgs/a/tokens", {"name": "ci", "role": "learner"})
    secret = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    session_cookie = client.cookies.get("mc_session")
    assert session_cookie
    logged = caplog.text
    assert "INSERT INTO api_tokens" in logged and "INSERT INTO login_sessions" in logged
    for value in (password, secret, session_cookie, TEST_SECRET):
        assert value not in logged


def test_login_csrf_holds_whatever_the_content_type_spelling(client: TestClient, world: World) -> None:
    password = world.passwords["learner@a.example"]
    body = f"email=learner%40a.example&password={password}"
    for content_type in ("Application/X-WWW-Form-Urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        response = client.post("/login", content=body, headers={"content-type": content_type}, follow_redirects=False)
        assert response.status_code in (400, 403), content_type  # refused, or unreadable as a form
        assert "mc_session" not in response.headers.get("set-cookie", "")


def test_session_cookie_lives_with_the_browser_and_the_server_caps_it(client: TestClient, world: World) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from microcred.accounts.models import LoginSession

    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "learner@a.example",
            "password": world.passwords["learner@a.example"],
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("mc_session=")).lower()
    assert "max-age" not in cookie and "expires" not in cookie
    assert client.get("/dashboard").status_code == 200
    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        from microcred.store.base import utcnow

        db.execute(update(LoginSession).values(created_at=utcnow() - timedelta(days=8)))
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


ORG_PAGES = [
    ("GET", "/orgs/{org}"),
    ("GET", "/orgs/{org}/members"),
    ("POST", "/orgs/{org}/members"),
    ("POST", "/orgs/{org}/members/{user}/role"),
    ("POST", "/orgs/{org}/members/{user}/setup-link"),
    ("POST", "/orgs/{org}/invitations/{invitation}/cancel"),
    ("GET", "/orgs/{org}/tokens"),
    ("POST", "/orgs/{org}/tokens"),
    ("POST", "/orgs/{org}/tokens/{token}/revoke"),
    ("GET", "/orgs/{org}/audit"),
    ("GET", "/orgs/{org}/cohorts"),
    ("POST", "/orgs/{org}/cohorts"),
    ("GET", "/orgs/{org}/cohorts/{cohort}"),
    ("POST", "/orgs/{org}/cohorts/{cohort}/open"),
    ("GET", "/orgs/{org}/cohorts/{cohort}/learners/{user}"),
    ("POST", "/orgs/{org}/cohorts/{cohort}/learners/{user}"),
    ("GET", "/orgs/{org}/cohorts/{cohort}/exports/skills-distribution.csv"),
    ("GET", "/orgs/{org}/specifications"),
    ("POST", "/orgs/{org}/specifications"),
    ("GET", "/orgs/{org}/specifications/new"),
    ("GET", "/orgs/{org}/specifications/{spec}"),
    ("GET", "/orgs/{org}/specifications/{spec}/edit"),
    ("POST", "/orgs/{org}/specifications/{spec}/edit"),
    ("POST", "/orgs/{org}/specifications/{spec}/publish"),
    ("POST", "/orgs/{org}/specifications/{spec}/review"),
    ("POST", "/orgs/{org}/specifications/{spec}/withdraw"),
    ("GET", "/orgs/{org}/specifications/{spec}/editions/1"),
    ("GET", "/orgs/{org}/specifications/{spec}/quality"),
    ("POST", "/orgs/{org}/specifications/{spec}/enrolments"),
    ("POST", "/orgs/{org}/design/profiles"),
    ("GET", "/orgs/{org}/specifications/{spec}/issue"),
    ("POST", "/orgs/{org}/specifications/{spec}/issue"),
    ("GET", "/orgs/{org}/credentials"),
    ("GET", "/orgs/{org}/credentials/{credential}"),
    ("GET", "/orgs/{org}/credentials/{credential}/credential.json"),
    ("GET", "/orgs/{org}/credentials/{credential}/credential.pdf"),
    ("POST", "/orgs/{org}/credentials/{credential}/status"),
    ("GET", "/orgs/{org}/credentials/{credential}/credential-elm.json"),
    ("POST", "/orgs/{org}/credentials/{credential}/claim-link"),
    ("GET", "/orgs/{org}/credentials/{credential}/badge.png"),
    ("POST", "/orgs/{org}/specifications/{spec}/issue-batch"),
    ("GET", "/orgs/{org}/runs/{run}"),
    ("GET", "/orgs/{org}/signing"),
    ("POST", "/orgs/{org}/signing/rotate"),
    ("POST", "/orgs/{org}/signing/seal-certificate"),
    ("GET", "/orgs/{org}/pathways"),
    ("GET", "/orgs/{org}/pathways/new"),
    ("POST", "/orgs/{org}/pathways"),
    ("GET", "/orgs/{org}/pathways/{pathway}"),
    ("GET", "/orgs/{org}/pathways/{pathway}/edit"),
    ("POST", "/orgs/{org}/pathways/{pathway}/edit"),
    ("POST", "/orgs/{org}/pathways/{pathway}/delete"),
    ("POST", "/orgs/{org}/pathways/{pathway}/free-electives"),
    ("GET", "/orgs/{org}/recognition"),
    ("POST", "/orgs/{org}/recognition/cases"),
    ("GET", "/orgs/{org}/recognition/cases/{recognition}"),
    ("POST", "/orgs/{org}/recognition/cases/{recognition}/criteria"),
    ("POST", "/orgs/{org}/recognition/cases/{recognition}/decision"),
    ("GET", "/orgs/{org}/agreements"),
    ("POST", "/orgs/{org}/agreements"),
    ("POST", "/orgs/{org}/agreements/{agreement}/accept"),
    ("POST", "/orgs/{org}/agreements/{agreement}/end"),
    ("GET", "/orgs/{org}/rpl"),
    ("POST", "/orgs/{org}/rpl"),
    ("GET", "/orgs/{org}/rpl/{rpl}"),
    ("POST", "/orgs/{org}/rpl/{rpl}/owner"),
    ("POST", "/orgs/{org}/rpl/{rpl}/stage"),
    ("POST", "/orgs/{org}/rpl/{rpl}/evidence"),
    ("GET", "/orgs/{org}/rpl/{rpl}/evidence/{evidence}"),
    ("POST", "/orgs/{org}/rpl/{rpl}/assessment"),
    ("POST", "/orgs/{org}/rpl/{rpl}/certify"),
    ("POST", "/orgs/{org}/rpl/{rpl}/close"),
]


def test_every_org_page_is_in_the_isolation_list(app) -> None:  # type: ignore[no-untyped-def]
    from microcred.web.app import route_access_table

    pages = {
        (m, row["path"])
        for row in route_access_table(app)
        for m in row["methods"]
        if row["path"].startswith("/orgs/{org}")
    }
    assert pages == {
        (
            m,
            p.replace("{user}", "{user_id}")
            .replace("{token}", "{token_id}")
            .replace("{cohort}", "{cohort_id}")
            .replace("{spec}", "{spec_id}")
            .replace("{credential}", "{credential_id}")
            .replace("{run}", "{run_id}")
            .replace("{pathway}", "{pathway_id}")
            .replace("{rpl}", "{case_id}")
            .replace("{evidence}", "{evidence_id}")
            .replace("{recognition}", "{case_id}")
            .replace("{agreement}", "{agreement_id}")
            .replace("{invitation}", "{invitation_id}")
            .replace("editions/1", "editions/{number}")
            .replace("skills-distribution.csv", "{name}.csv")
            .replace("badge.png", "badge.{form}"),
        )
        for m, p in ORG_PAGES
    }


@pytest.mark.parametrize(("method", "path"), ORG_PAGES)
def test_admin_of_a_gets_an_html_404_for_pages_of_b(client: TestClient, world: World, method: str, path: str) -> None:
    from microcred.accounts import invitations, members, service, tokens
    from microcred.accounts.models import Role
    from microcred.accounts.principal import Actor
    from microcred.recognition.models import Criterion

    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        b = service.organisation_for(db, Actor.operator(), "b")
        token, _ = tokens.create_api_token(
            db, Actor.operator(), b, owner=world.users["b_educator"], role=Role.EDUCATOR, name="b's own"
        )
        token_id = token.id
        from microcred.skills import cohorts

        b_cohort = cohorts.create_cohort(db, Actor.operator(), b, name="B's cohort")
        b_cohort_id, b_code = b_cohort.id, b_cohort.access_code
        from microcred.design import service as design
        from microcred.design.schemas import SpecificationContent
        from tests.design.fixtures import annex_i_minimum

        b_spec = design.create(db, Actor.operator(), b, SpecificationContent.model_validate(annex_i_minimum()))
        b_spec_id = b_spec.id
        design.publish(db, Actor.operator(), b, b_spec_id)
        from microcred.issuing import batch, credentials
        from tests.web.test_api import issued_and_queued

        b_credential_id, b_run_id = issued_and_queued(db, b, b_spec_id, client.app.state.settings)  # type: ignore[attr-defined]
        from microcred.pathways import service as pathways

        pathway_rules = {"kind": "fixed", "total_credits": 5, "sequence": [str(b_spec_id)]}
        b_pathway_id = pathways.create(
            db, Actor.operator(), b, title="B's pathway", qualification="B's award", rules=pathway_rules
        ).id
        from tests.web.test_api import assert_recognition_of_b_unchanged, recognition_of_b, rpl_case_of_b

        b_rpl_id, b_evidence_id = rpl_case_of_b(db, b, b_spec_id)
        b_recognition_id, b_agreement_id = recognition_of_b(
            db,
            b,
            b_spec_id,
            b_pathway_id,
            b_credential_id,
            client.app.state.settings,  # type: ignore[attr-defined]
        )
        b_invitation_id = members.add_member(db, Actor.operator(), b, email="learner@a.example", role=Role.LEARNER)[
            0
        ].id
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    csrf = csrf_from(client.get("/dashboard").text)
    form = {
        "csrf_token": csrf,
        "email": "spy@evil.example",
        "role": "org_admin",
        "name": "spy",
        "status": "completed",
        "open": "no",
        "title": "hijacked",
        "profiles": "cmf",
        "action": "revoke",
        "confirm": "revoke",
        "reason": "spite",
        "learner_email": "learner@b.example",
        "specification_id": str(b_spec_id),
        "owner_email": "recognition_officer@a.example",
        "to": "assessment",
        "outcomes": "1",
        "demonstrated": "yes",
        "method": "interview",
        "result": "passed",
        "comment": "spy",
        "outcome": "refused",
        "reasons": "Spying.",
        "credits": "5",
        "parties": "a",
        "validity_years": "1",
        **{f"judgement_{criterion.value}": "met" for criterion in Criterion},
    }
    for org in ("b", "a"):
        scoped = (
            "{user}",
            "{token}",
            "{cohort}",
            "{spec}",
            "{credential}",
            "{run}",
            "{pathway}",
            "{rpl}",
            "{recognition}",
            "{agreement}",
            "{invitation}",
        )
        if org == "a" and not any(part in path for part in scoped):
            continue
        url = path.format(
            org=org,
            user=world.users["b_educator"].id,
            token=token_id,
            cohort=b_cohort_id,
            spec=b_spec_id,
            credential=b_credential_id,
            run=b_run_id,
            pathway=b_pathway_id,
            rpl=b_rpl_id,
            evidence=b_evidence_id,
            recognition=b_recognition_id,
            agreement=b_agreement_id,
            invitation=b_invitation_id,
        )
        files = (
            {"file": ("x.csv", b"name,awarded\nSpy,2026-11-01\n")}
            if path.endswith(("batch", "certificate"))
            else {"file": ("spy.txt", b"Planted by another organisation.\n")}
            if path.endswith("evidence")
            else None
        )
        response = client.request(
            method, url, data=form if method == "POST" else None, files=files, follow_redirects=False
        )
        assert response.status_code == 404, (url, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        b = service.organisation_for(db, Actor.operator(), "b")
        assert len(members.members(db, b)) == 4  # admin, educator, learner, recognition officer
        assert members.member(db, b, world.users["b_educator"].id).role == Role.EDUCATOR
        assert tokens.find_token(db, token_id).revoked_at is None
        assert [i.id for i in invitations.invitations_of(db, b)] == [b_invitation_id]
        assert cohorts.cohort_by_code(db, b_code).open  # still open, still B's
        b_spec = design.get(db, b, b_spec_id)
        assert design.status(b_spec) == "published" and len(b_spec.editions) == 1 and b_spec.withdrawn_at is None
        assert [r.spec.id for r in design.specifications(db, b)] == [b_spec_id] and design.profiles_of(db, b) == ()
        assert len(cohorts.cohorts(db, service.organisation_for(db, Actor.operator(), "b"))) == 1
        from microcred.issuing import status

        assert status.status(db, b, f"urn:uuid:{b_credential_id}") == {"revocation": False, "suspension": False}
        assert credentials.find_issued(db, b, b_credential_id).claim_hash is None
        assert batch.find_run(db, b, b_run_id).state == "queued"
        assert len(credentials.issued(db, b)) == 1  # nothing issued into B from A
        assert [(p.id, p.title) for p in pathways.of_organisation(db, b)] == [(b_pathway_id, "B's pathway")]
        assert_recognition_of_b_unchanged(
            db,
            b,
            pathway_id=b_pathway_id,
            rpl_case_id=b_rpl_id,
            evidence_id=b_evidence_id,
            recognition_id=b_recognition_id,
            agreement_id=b_agreement_id,
        )


def test_any_login_input_gets_a_clear_answer_never_a_500(client: TestClient, world: World) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    token = csrf_from(client.get("/login").text)

    @given(email=st.text(max_size=400), password=st.text(max_size=300), next_url=st.text(max_size=100))
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def answers(email: str, password: str, next_url: str) -> None:
        response = client.post(
            "/login",
            data={"email": email, "password": password, "next": next_url, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code in (401, 422, 429), response.status_code
        assert response.headers["content-type"].startswith("text/html")

    answers()
