"""The accounts pages: logging in and out, choosing a password, members, API tokens, the audit log and the
platform admin's organisations, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.config import Settings
from microcred.store import Database
from microcred.web.app import create_app
from tests.conftest import TEST_SECRET, World, csrf_from, log_in
from tests.web.test_pages import post_form


def test_wrong_login_is_401_and_does_not_say_which_part(client: TestClient, world: World) -> None:
    wrong_password = post_form(client, "/login", "/login", {"email": "educator@a.example", "password": "nope-nope"})
    unknown_email = post_form(client, "/login", "/login", {"email": "nobody@a.example", "password": "nope-nope"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    for response in (wrong_password, unknown_email):
        assert "The email or password is not right." in response.text
        assert 'role="alert"' in response.text
        assert "mc_session" not in response.headers.get("set-cookie", "")


def test_repeated_failures_are_slowed_down(tmp_path, database: Database, database_url: str, world: World) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, login_free_failures=2)
    with TestClient(create_app(settings, database)) as client:
        for _ in range(2):
            response = post_form(client, "/login", "/login", {"email": "learner@a.example", "password": "bad-guess"})
            assert response.status_code == 401
        right = post_form(
            client, "/login", "/login", {"email": "learner@a.example", "password": world.passwords["learner@a.example"]}
        )
        assert right.status_code == 429
        assert int(right.headers["retry-after"]) >= 1
        assert "Too many failed logins" in right.text


def test_one_time_password_must_be_replaced_first(client: TestClient, world: World) -> None:
    from microcred.accounts import service

    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        service.user_by_email(db, "educator@a.example").must_change_password = True
    password = world.passwords["educator@a.example"]
    response = post_form(client, "/login", "/login", {"email": "educator@a.example", "password": password})
    assert response.headers["location"] == "/account/password"
    held_back = client.get("/dashboard", follow_redirects=False)
    assert held_back.status_code == 303 and held_back.headers["location"] == "/account/password"
    mismatch = post_form(
        client,
        "/account/password",
        "/account/password",
        {"current_password": password, "new_password": "new passphrase 1", "confirm_password": "new passphrase 2"},
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    weak = post_form(
        client,
        "/account/password",
        "/account/password",
        {"current_password": password, "new_password": "short", "confirm_password": "short"},
    )
    assert weak.status_code == 422 and "too short" in weak.text
    done = post_form(
        client,
        "/account/password",
        "/account/password",
        {"current_password": password, "new_password": "new passphrase 1", "confirm_password": "new passphrase 1"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/dashboard?done=password"
    landed = client.get(done.headers["location"]).text
    assert "Welcome" in landed and '<div class="notice" role="status">Password changed.' in landed


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert client.get("/dashboard").status_code == 200
    old_cookie = client.cookies.get("mc_session")
    assert old_cookie
    response = post_form(client, "/dashboard", "/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login?next=/dashboard"
    client.cookies.set("mc_session", old_cookie)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303  # the server forgot it


def test_login_never_redirects_off_site(client: TestClient, world: World) -> None:
    page = client.get("/login")
    login = client.post(
        "/login",
        data={
            "email": "learner@a.example",
            "password": world.passwords["learner@a.example"],
            "next": "//evil.example/x",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert login.headers["location"] == "/dashboard"


def test_admin_changes_a_role_from_the_page_and_it_is_audited(client: TestClient, world: World) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    learner_id = world.users["a_learner"].id
    response = post_form(client, "/orgs/a/members", f"/orgs/a/members/{learner_id}/role", {"role": "educator"})
    assert response.status_code == 303
    audit_page = client.get("/orgs/a/audit").text
    assert "member.role_changed" in audit_page
    assert "Changed learner@a.example from learner to educator" in audit_page
    assert "org_admin@a.example logged in" in audit_page


def test_admin_adds_a_member_and_sees_the_set_up_link_once(client: TestClient, world: World) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    response = post_form(
        client,
        "/orgs/a/members",
        "/orgs/a/members",
        {"email": "fresh@a.example", "role": "learner", "display_name": "Fresh Person"},
    )
    assert response.status_code == 201 and "not shown again" in response.text and "/account/setup/" in response.text
    assert "fresh@a.example" in client.get("/orgs/a/members").text
    assert "/account/setup/" not in client.get("/orgs/a/members").text


def test_educators_cannot_open_admin_pages(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    for url in ("/orgs/a/members", "/orgs/a/audit", "/admin/organisations"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/orgs/b").status_code == 404


def test_token_page_shows_the_secret_once_and_revokes(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    created = post_form(
        client, "/orgs/a/tokens", "/orgs/a/tokens", {"name": "gradebook", "role": "educator", "expires_in_days": "30"}
    )
    assert created.status_code == 201
    secret = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("mct_")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/orgs/a/tokens").text
    assert secret not in listing and "gradebook" in listing
    refused = post_form(client, "/orgs/a/tokens", "/orgs/a/tokens", {"name": "admin please", "role": "org_admin"})
    assert refused.status_code == 403 and "with the role organisation admin" in refused.text
    token_id = listing.split("/orgs/a/tokens/")[1].split("/revoke")[0]
    unconfirmed = post_form(client, "/orgs/a/tokens", f"/orgs/a/tokens/{token_id}/revoke", {})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.text
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoked = post_form(client, "/orgs/a/tokens", f"/orgs/a/tokens/{token_id}/revoke", {"confirm": "yes"})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/orgs/a/tokens?done=token_revoked"
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_platform_admin_creates_an_organisation_from_the_page(client: TestClient, world: World) -> None:
    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        from microcred.accounts import service

        service.user_by_email(db, "learner@b.example").is_platform_admin = True
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    created = post_form(
        client,
        "/admin/organisations",
        "/admin/organisations",
        {"legal_name": "Gamma School", "country": "fi", "kind": "provider"},
    )
    assert created.status_code == 201 and "Gamma School" in created.text
    again = post_form(
        client, "/admin/organisations", "/admin/organisations", {"legal_name": "gamma  school", "country": "FI"}
    )
    assert again.status_code == 409 and "already exists" in again.text


def test_refused_member_and_token_forms_come_back_with_what_was_typed(
    client: TestClient, database: Database, world: World
) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    member = post_form(
        client,
        "/orgs/a/members",
        "/orgs/a/members",
        {"email": "not-an-email", "display_name": "Typed <Name>", "role": "recognition_officer"},
    )
    assert member.status_code == 422, member.text
    assert 'value="not-an-email"' in member.text and 'value="Typed &lt;Name&gt;"' in member.text
    assert '<option value="recognition_officer" selected>' in member.text
    token = post_form(
        client,
        "/orgs/a/tokens",
        "/orgs/a/tokens",
        {"name": "Nightly export", "role": "educator", "expires_in_days": "abc"},
    )
    assert token.status_code == 422 and "whole number of days" in token.text
    assert 'value="Nightly export"' in token.text and '<option value="educator" selected>' in token.text
    assert "Nightly export" not in client.get("/orgs/a/tokens").text  # nothing was made
