"""Claim links: the learner's way to their credential, shown only once, replaced only when asked, expiring, and
saying where the credential went once claimed; a learner without an account signs up on the claim page."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.accounts import login
from microcred.accounts.models import AuditEvent, LoginAddressThrottle, Membership, Role, User
from microcred.accounts.passwords import verify_password
from microcred.issuing import claims
from microcred.issuing.models import IssuedCredential
from microcred.store import Database
from microcred.store.base import utcnow
from microcred.wallet import service as wallet
from tests.conftest import World, csrf_from, log_in
from tests.issuing.test_credentials import LEARNER, published
from tests.web.test_api import assert_error, bearer

TODAY = claims.long_date(datetime.now(UTC))
NEW_PASSWORD = "a long new passphrase"
FLASH_SIGNUP = "If it already had an account, nothing was changed: log in with it instead."


def issued(client: TestClient, educator: dict[str, str], learner: dict[str, str] | None = None) -> str:
    """A published micro-credential of organisation A issued to Ana (or `learner`): its id."""
    spec_id = published(client, educator)
    body = {"learner": learner or LEARNER, "result": {"awarded": "2026-11-20"}}
    answer = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    return str(answer.json()["id"])


def api_link(client: TestClient, educator: dict[str, str], credential_id: str) -> str:
    made = client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator)
    assert made.status_code == 201, made.text
    return urlparse(made.json()["url"]).path


def stored_hash(database: Database, credential_id: str) -> str | None:
    with database.session() as db:
        return db.get_one(IssuedCredential, uuid.UUID(credential_id)).claim_hash


def text_of(page: str) -> str:
    """The page's words, tags dropped and entities read, to compare with sentences."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_claim_link_shows_the_learner_their_credential_until_it_expires_or_is_replaced(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {
        "learner": {"name": "Ana <b>Andromeda</b>", "email": "ana@example.org"},
        "result": {"awarded": "2026-11-20"},
    }
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    credential_id = issued.json()["id"]
    made = client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={"days": 7}, headers=educator)
    assert made.status_code == 201
    link = made.json()["url"]
    path = urlparse(link).path
    assert re.fullmatch(r"/claim/[A-Za-z0-9_-]{43}", path)

    anonymous = TestClient(client.app)
    page = anonymous.get(path)
    assert page.status_code == 200 and "Ana &lt;b&gt;Andromeda&lt;/b&gt;" in page.text
    assert anonymous.get(f"{path}/credential.json").json()["id"] == f"urn:uuid:{credential_id}"
    assert anonymous.get(f"{path}/credential.pdf").content.startswith(b"%PDF")
    assert anonymous.get(f"{path}/credential-elm.json").status_code == 404  # no seal certificate, no ELM
    with database.session() as db:
        row = db.get(IssuedCredential, uuid.UUID(credential_id))
        assert row is not None and row.claimed_at is not None and path.rsplit("/", 1)[1] not in (row.claim_hash or "")

    wrong = anonymous.get(path[:-1] + ("A" if path[-1] != "A" else "B"))
    assert wrong.status_code == 404 and claims.NOT_VALID in text_of(wrong.text)
    assert "Andromeda" not in wrong.text and "Alpha" not in wrong.text  # says nothing of any credential
    assert anonymous.get("/claim/short").status_code == 404
    renewed = client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator).json()
    replaced = anonymous.get(path)  # the API's call asks for a new link: the old one stopped
    assert replaced.status_code == 404 and claims.NOT_VALID in text_of(replaced.text)
    new_path = urlparse(renewed["url"]).path
    assert anonymous.get(new_path).status_code == 200
    with database.session() as db:
        row = db.get_one(IssuedCredential, uuid.UUID(credential_id))
        row.claim_expires_at = expired = utcnow() - timedelta(days=1)
    gone = anonymous.get(new_path)
    said = text_of(gone.text)
    assert gone.status_code == 410, gone.text
    assert f"This claim link expired on {claims.long_date(expired)}. Ask Alpha Academy for a new one." in said
    assert "Andromeda" not in said and "claim-signup" not in gone.text and "claim-json" not in gone.text
    assert anonymous.get(f"{new_path}/credential.json").status_code == 404
    assert_error(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={"days": 400}, headers=educator),
        422,
        "invalid_request",
    )


def _version(page: str) -> str:
    found = re.search(r'name="current" value="([0-9a-f]+|none)"', page)
    assert found, "the claim-link form names no link"
    return found.group(1)


def test_reloading_the_claim_link_page_never_replaces_a_link_and_a_new_one_needs_a_ticked_box(
    client: TestClient, database: Database, world: World
) -> None:
    credential_id = issued(client, bearer(database, world, "a", Role.EDUCATOR))
    page_url, action = f"/orgs/a/credentials/{credential_id}", f"/orgs/a/credentials/{credential_id}/claim-link"
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get(page_url)
    assert "There is no claim link yet." in page.text and 'id="claim-replace"' not in page.text
    form = {"csrf_token": csrf_from(page.text), "days": "14", "current": _version(page.text)}

    made = client.post(action, data=form)
    assert made.status_code == 200 and "Claim link made" in made.text
    link = re.search(r'id="claim-link-url" type="text" readonly value="([^"]+)"', made.text)
    assert link is not None and 'data-copy="claim-link-url"' in made.text  # in place, with a copy button
    path = urlparse(link.group(1)).path
    first = stored_hash(database, credential_id)
    anonymous = TestClient(client.app)
    assert anonymous.get(path).status_code == 200

    reloaded = client.post(action, data=form)  # a reload sends the same form again
    assert reloaded.status_code == 409 and claims.STALE in html.unescape(reloaded.text)
    assert "/claim/" not in reloaded.text and stored_hash(database, credential_id) == first

    shown = client.get(page_url)  # a GET shows the link's state, never the link, and changes nothing
    said = text_of(shown.text)
    assert f"A claim link was made on {TODAY}; it works until" in said and "was opened on" in said
    assert "/claim/" not in shown.text and stored_hash(database, credential_id) == first
    assert re.search(
        r'<input type="checkbox" id="claim-replace-confirm" name="confirm" value="yes"[^>]*required', shown.text
    )
    assert 'class="danger">Make a new link (the old one stops working)</button>' in shown.text
    replace = {"csrf_token": csrf_from(shown.text), "days": "30", "current": _version(shown.text)}

    unticked = client.post(action, data=replace)
    assert unticked.status_code == 422 and claims.UNCONFIRMED in text_of(unticked.text)
    assert stored_hash(database, credential_id) == first and anonymous.get(path).status_code == 200

    replaced = client.post(action, data={**replace, "confirm": "yes"})
    assert replaced.status_code == 200 and "Claim link made" in replaced.text
    new_link = re.search(r'id="claim-link-url" type="text" readonly value="([^"]+)"', replaced.text)
    assert new_link is not None and new_link.group(1) != link.group(1)
    assert anonymous.get(path).status_code == 404  # the old link stopped working
    new_path = urlparse(new_link.group(1)).path
    assert anonymous.get(new_path).status_code == 200
    newest = stored_hash(database, credential_id)
    again = client.post(action, data={**replace, "confirm": "yes"})  # reloading the replacement replaces nothing
    assert again.status_code == 409 and stored_hash(database, credential_id) == newest
    assert anonymous.get(new_path).status_code == 200
    with database.session() as db:
        made_events = db.scalars(
            select(AuditEvent.summary)
            .where(AuditEvent.action == claims.MADE, AuditEvent.object_id == f"urn:uuid:{credential_id}")
            .order_by(AuditEvent.id)
        ).all()
    assert len(made_events) == 2 and "the previous one stopped working" in made_events[1]


def test_a_claimed_link_says_where_the_credential_went_and_to_whom(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    credential_id = issued(client, educator)
    path = api_link(client, educator, credential_id)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    added = learner.post(
        f"{path}/wallet", data={"csrf_token": csrf_from(learner.get(path).text)}, follow_redirects=False
    )
    assert added.status_code == 303
    item = added.headers["location"].split("?")[0]  # the wallet's item, whatever message it is shown with

    mine = learner.get(path)
    assert mine.status_code == 410
    assert f'This credential was claimed on {TODAY} into <a href="{item}">your wallet</a>.' in mine.text
    someone = TestClient(client.app)
    log_in(someone, "learner@b.example", world.passwords["learner@b.example"])
    for other in (TestClient(client.app), someone):
        answer = other.get(path)
        said = text_of(answer.text)
        assert answer.status_code == 410, answer.text
        assert f"This credential was claimed on {TODAY}. Its claim link no longer works." in said
        assert "into your wallet" not in said and "/wallet/" not in answer.text
        for private in ("Andromeda", "learner@a.example", "Example.org", "Data analysis"):
            assert private not in said, private
    assert "log in" in text_of(TestClient(client.app).get(path).text)  # if it was you, log in
    assert (
        someone.post(f"{path}/wallet", data={"csrf_token": csrf_from(someone.get("/wallet").text)}).status_code == 404
    )

    assert_error(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator),
        409,
        "already_claimed",
    )
    staff = TestClient(client.app)
    log_in(staff, "educator@a.example", world.passwords["educator@a.example"])
    shown = staff.get(f"/orgs/a/credentials/{credential_id}")
    assert f"Claimed on {TODAY}: the credential is in a wallet" in text_of(shown.text)
    assert 'id="claim-make"' not in shown.text and 'id="claim-replace"' not in shown.text

    with database.session() as db:  # out of the wallet again: the used link does not come back to life
        held = db.merge(world.users["a_learner"])
        wallet.remove(db, held, uuid.UUID(item.rsplit("/", 1)[1]))
    expired = learner.get(path)
    assert expired.status_code == 410 and "Ask Alpha Academy for a new one." in text_of(expired.text)
    page = staff.get(f"/orgs/a/credentials/{credential_id}")
    assert "The claim link expired on" in text_of(page.text) and 'id="claim-make"' in page.text
    remade = staff.post(
        f"/orgs/a/credentials/{credential_id}/claim-link",
        data={"csrf_token": csrf_from(page.text), "days": "7", "current": _version(page.text)},
    )
    assert remade.status_code == 200 and 'id="claim-link-url"' in remade.text  # not live: no box to tick


def _sign_up(visitor: TestClient, path: str, **fields: str) -> tuple[Any, str]:
    page = visitor.get(path)
    data = {"csrf_token": csrf_from(page.text), "name": "Nina Nova", "password": NEW_PASSWORD, **fields}
    answer = visitor.post(f"{path}/sign-up", data=data, follow_redirects=False)
    return answer, page.text


def test_a_learner_without_an_account_signs_up_on_the_claim_page_and_claims_it(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    path = api_link(client, educator, issued(client, educator, {"name": "Nina Nova", "email": "nina@example.org"}))
    visitor = TestClient(client.app)
    answer, page = _sign_up(visitor, path, email="Nina@Example.org")
    assert 'id="claim-signup"' in page and 'id="claim-login"' in page and 'id="claim-wallet"' not in page
    assert answer.status_code == 303 and answer.headers["location"] == f"{path}?done=claim_signup"
    back = visitor.get(answer.headers["location"])
    assert back.status_code == 200 and "If that email was new here, your account is made" in text_of(back.text)
    assert 'id="claim-wallet"' in back.text and 'id="claim-signup"' not in back.text and "Nina Nova" in back.text
    signed_in = {"csrf_token": csrf_from(back.text), "email": "nina2@example.org", "password": NEW_PASSWORD}
    twice = visitor.post(f"{path}/sign-up", data=signed_in, follow_redirects=False)
    assert twice.status_code == 303 and twice.headers["location"] == path  # signed in already: nothing to make
    claimed = visitor.post(f"{path}/wallet", data={"csrf_token": csrf_from(back.text)}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"].startswith("/wallet/")
    assert visitor.get("/wallet").status_code == 200
    with database.session() as db:
        assert db.scalar(select(User.id).where(User.email == "nina2@example.org")) is None
        user = db.scalar(select(User).where(User.email == "nina@example.org"))
        assert user is not None and user.display_name == "Nina Nova" and not user.must_change_password
        assert verify_password(user.password_hash, NEW_PASSWORD)
        assert db.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user.id)) == 0
        assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.registered")) is not None
    again = visitor.post(f"{path}/sign-up", data={"csrf_token": csrf_from(back.text), "email": "x@example.org"})
    assert again.status_code == 410  # used up: the link offers no sign-up any more


def test_signing_up_with_an_email_that_has_an_account_answers_the_same_and_changes_nothing(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    path = api_link(client, educator, issued(client, educator))
    new, _page = _sign_up(TestClient(client.app), path, email="someone.new@example.org")
    stranger = TestClient(client.app)
    existing, _page = _sign_up(stranger, path, email="Learner@B.example")
    for answer in (new, existing):
        assert answer.status_code == 303, answer.text
    assert new.headers["location"] == existing.headers["location"]
    shown = stranger.get(existing.headers["location"])
    assert FLASH_SIGNUP in text_of(shown.text) and 'id="claim-login"' in shown.text  # not signed in: log in instead
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(User).where(User.email == "learner@b.example")) == 1
        held = db.scalar(select(User).where(User.email == "learner@b.example"))
        assert held is not None and not verify_password(held.password_hash, NEW_PASSWORD)
        assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.sign_up_existing")) is not None
    log_in(TestClient(client.app), "learner@b.example", world.passwords["learner@b.example"])  # as it was


def test_the_claim_sign_up_is_checked_protected_throttled_and_only_on_a_live_link(
    client: TestClient, database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    credential_id = issued(client, educator)
    path = api_link(client, educator, credential_id)

    weak, _page = _sign_up(TestClient(client.app), path, email="nora@example.org", password="short")
    assert weak.status_code == 422
    refused = weak.text
    assert 'href="#signup-password">The new password is too short' in refused and 'aria-invalid="true"' in refused
    assert (
        'value="nora@example.org"' in refused
        and 'value="Nina Nova"' in refused
        and "short" not in re.findall(r'name="password"[^>]*', refused)[0]
    )
    bad_email, _page = _sign_up(TestClient(client.app), path, email="not an email")
    assert bad_email.status_code == 422 and 'href="#signup-email"' in bad_email.text
    forged = TestClient(client.app)
    forged.get(path)
    no_token = forged.post(f"{path}/sign-up", data={"name": "N", "email": "nora@example.org", "password": NEW_PASSWORD})
    assert no_token.status_code == 403
    with database.session() as db:
        assert db.scalar(select(User.id).where(User.email == "nora@example.org")) is None

    client.app.state.settings.login_address_free_failures = 2
    frozen = utcnow()  # the clock of the count stands still: the 2 seconds' wait cannot run out under a slow test
    monkeypatch.setattr(login, "utcnow", lambda: frozen)
    for n in range(2):  # refused forms above cost no try; these two are free
        answer, _page = _sign_up(TestClient(client.app), path, email=f"nora{n}@example.org")
        assert answer.status_code == 303
    throttled, _page = _sign_up(TestClient(client.app), path, email="nora9@example.org")
    assert throttled.status_code == 429 and "Too many new accounts from your address" in throttled.text
    assert int(throttled.headers["retry-after"]) >= 1 and 'id="claim-signup"' in throttled.text
    with database.session() as db:
        assert db.scalar(select(User.id).where(User.email == "nora9@example.org")) is None
        assert db.get(LoginAddressThrottle, "testclient") is None  # logins from here are not slowed down

    client.app.state.settings.login_address_free_failures = 100
    monkeypatch.undo()
    visitor = TestClient(client.app)
    token = csrf_from(visitor.get(path).text)
    wrong = visitor.post(
        f"{path[:-2]}xx/sign-up", data={"csrf_token": token, "email": "x@example.org", "password": NEW_PASSWORD}
    )
    assert wrong.status_code == 404 and claims.NOT_VALID in text_of(wrong.text)
    with database.session() as db:
        row = db.get_one(IssuedCredential, uuid.UUID(credential_id))
        row.claim_expires_at = utcnow() - timedelta(seconds=1)
    gone = visitor.get(path)
    assert gone.status_code == 410 and 'id="claim-signup"' not in gone.text
    late = visitor.post(
        f"{path}/sign-up",
        data={
            "csrf_token": token,
            "name": "Late",
            "email": "late@example.org",
            "password": NEW_PASSWORD,
        },
    )
    assert late.status_code == 410
    with database.session() as db:
        assert db.scalar(select(User.id).where(User.email == "late@example.org")) is None


@pytest.mark.parametrize("token_length", [19, 101])
def test_a_token_of_an_impossible_length_is_not_looked_up(token_length: int) -> None:
    from microcred.errors import NotFound

    with pytest.raises(NotFound, match="not a valid claim link"):
        claims.look_up(None, "x" * token_length)  # type: ignore[arg-type]


def test_claim_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from microcred.web.errors import install_log_redaction

    install_log_redaction()
    token = "zh1sNyHgi2UXrqy-_OUR1dNwhtVOqfociIiLd3FePu0"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/claim/{token}/sign-up?done=claim_signup", "1.1", 200
        )
    assert "/claim/[redacted]/sign-up" in caplog.text and token not in caplog.text
