"""The wallet pages: a learner claims a credential into their wallet, sees it checked, shares it (hiding the
grade), sees who opened the link, withdraws it, adds a file, takes everything away as a zip, downloads a
presentation for a verifier, and erases themselves."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from microcred.accounts import members, service
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import seals
from microcred.store import Database
from microcred.wallet import service as wallet
from microcred.web.flash import FLASH
from tests import pki
from tests.conftest import World, csrf_from, log_in
from tests.issuing.test_credentials import LEARNER, published
from tests.verify.test_checks import revoke
from tests.wallet.fixtures import ASKED, ONE_EDTECH, claimed, learner_of, master
from tests.web.test_api import bearer


def issued_with_a_grade(client: TestClient, educator: dict[str, str]) -> str:
    """A published micro-credential issued to Ana with a Distinction; its id."""
    spec_id = published(client, educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Distinction"}}
    answer = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    return str(answer.json()["id"])


def test_claim_check_share_withdraw_upload_and_export(client: TestClient, database: Database, world: World) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    credential_id = issued_with_a_grade(client, educator)
    claim = urlparse(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator).json()["url"]
    ).path

    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(claim)
    claimed = learner.post(f"{claim}/wallet", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"].startswith("/wallet/")
    item, _, done = claimed.headers["location"].partition("?")
    assert FLASH["wallet-added"] in learner.get(f"{item}?{done}").text  # it answers
    assert learner.get(claim).status_code == 410  # one time: used up (it says where the credential went)
    listing = learner.get("/wallet")
    assert "Data analysis with Python" in listing.text and 'data-verified="true"' in listing.text

    shown = learner.get(item)
    assert 'id="item-verdict" data-verified="true"' in shown.text and "Distinction" in shown.text
    made = learner.post(f"{item}/share", data={"csrf_token": csrf_from(shown.text), "days": "7", "hide": ["Grade"]})
    link = re.search(r"/share/[A-Za-z0-9_-]{43}", made.text).group(0)  # type: ignore[union-attr]
    # The new link at the top, said so, in a box with a copy button; the list says it cannot be shown again.
    assert "Share link made: it works until" in made.text and 'data-copy="share-link-url"' in made.text
    assert made.text.index(link) < made.text.index('id="item-verdict"') and 'id="shares-shown-once"' in made.text
    assert len(re.findall(r"/share/[A-Za-z0-9_-]{43}", learner.get(item).text)) == 0  # shown only once
    employer = TestClient(client.app)
    seen = employer.get(link, headers={"user-agent": "EmployerBrowser/1.0"})
    assert seen.status_code == 200 and 'data-verified="true"' in seen.text
    assert "Distinction" not in seen.text and "Grade" in seen.text and "Data analysis with Python" in seen.text
    assert employer.get(f"{link}/credential.json").status_code == 404  # the file would show the grade
    again = learner.get(item)
    assert 'class="views">1 time' in again.text and "EmployerBrowser/1.0" in again.text  # who opened it, and when

    stranger = TestClient(client.app)
    log_in(stranger, "learner@b.example", world.passwords["learner@b.example"])
    assert stranger.get(item).status_code == 404
    share_id = re.search(r"/wallet/shares/([0-9a-f-]{36})/revoke", again.text).group(1)  # type: ignore[union-attr]
    refused = stranger.post(
        f"/wallet/shares/{share_id}/revoke", data={"csrf_token": csrf_from(stranger.get("/wallet").text)}
    )
    assert refused.status_code == 404 and employer.get(link).status_code == 200
    unconfirmed = learner.post(f"/wallet/shares/{share_id}/revoke", data={"csrf_token": csrf_from(again.text)})
    assert unconfirmed.status_code == 422 and f'<a href="#withdraw-{share_id}-confirm">Tick the box' in unconfirmed.text
    assert employer.get(link).status_code == 200  # not confirmed: still open
    withdrawn = learner.post(
        f"/wallet/shares/{share_id}/revoke", data={"csrf_token": csrf_from(again.text), "confirm": "yes"}
    )
    assert withdrawn.status_code == 200 and FLASH["share-withdrawn"] in withdrawn.text
    assert employer.get(link).status_code == 404
    assert f"/wallet/shares/{share_id}/revoke" not in withdrawn.text  # a withdrawn link offers no withdrawal

    revoke(client, database, world, credential_id)
    assert 'id="item-verdict" data-verified="false"' in learner.get(item).text  # checked again on view

    token = csrf_from(learner.get("/wallet").text)
    bad = learner.post("/wallet/upload", data={"csrf_token": token}, files={"file": ("x.json", b"{nope")})
    assert bad.status_code == 422 and "not JSON" in bad.text
    added = learner.post(
        "/wallet/upload",
        data={"csrf_token": token},
        files={"file": ("simple.json", (ONE_EDTECH / "simple.json").read_bytes())},
        follow_redirects=False,
    )
    assert added.status_code == 303

    archive = zipfile.ZipFile(io.BytesIO(learner.get("/wallet/export.zip").content))
    names = archive.namelist()
    assert "credentials.json" in names and "profile.json" in names
    assert len([n for n in names if n.startswith("credentials/")]) == 2
    index = json.loads(archive.read("credentials.json"))
    assert {entry["source"] for entry in index} == {"claim", "upload"}
    shared = next(entry for entry in index if entry["source"] == "claim")["shares"][0]
    assert shared["hidden"] == ["Grade"] and shared["revoked_at"] and len(shared["opened"]) == 3  # page, page, page
    assert json.loads(archive.read("profile.json"))["email"] == "learner@a.example"

    token = csrf_from(learner.get(item).text)
    kept = learner.post(f"{item}/remove", data={"csrf_token": token})
    assert kept.status_code == 422 and '<a href="#remove-confirm">Tick the box' in kept.text
    assert learner.get(item).status_code == 200  # not confirmed: nothing removed
    theirs = csrf_from(stranger.get("/wallet").text)
    assert stranger.post(f"{item}/remove", data={"csrf_token": theirs, "confirm": "yes"}).status_code == 404
    removed = learner.post(f"{item}/remove", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == "/wallet?done=wallet-removed"
    assert FLASH["wallet-removed"] in learner.get(removed.headers["location"]).text
    assert learner.get(item).status_code == 404


def claimed_by_the_learner(
    client: TestClient, world: World, educator: dict[str, str], credential_id: str
) -> TestClient:
    """The educator makes the credential's claim link; learner@a.example logs in and claims it into the wallet."""
    claim = urlparse(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator).json()["url"]
    ).path
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    learner.post(f"{claim}/wallet", data={"csrf_token": csrf_from(learner.get(claim).text)})
    return learner


def test_erasure_removes_the_learner_and_keeps_the_issuers_revocation_working(
    client: TestClient, database: Database, world: World
) -> None:
    from sqlalchemy import select

    from microcred.issuing.models import IssuedCredential

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20"}}
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    credential_id, credential = issued.json()["id"], issued.json()["credential"]
    learner = claimed_by_the_learner(client, world, educator, credential_id)
    page = learner.get("/wallet")
    refused = learner.post("/wallet/erase", data={"csrf_token": csrf_from(page.text), "confirm": "yes"})
    assert refused.status_code == 422 and '<a href="#erase-confirm">Tick the box' in refused.text
    erased = learner.post(
        "/wallet/erase", data={"csrf_token": csrf_from(page.text), "confirm": "ERASE"}, follow_redirects=False
    )
    assert erased.status_code == 303 and FLASH["erased"] in learner.get(erased.headers["location"]).text
    assert learner.get("/wallet", follow_redirects=False).status_code in (302, 303, 401)
    with database.session() as db:
        with pytest.raises(NotFound):
            service.user_by_email(db, "learner@a.example")
        row = db.scalar(select(IssuedCredential).where(IssuedCredential.id == uuid.UUID(credential_id)))
        assert row is not None and row.learner_email is None and "Ana" not in json.dumps(row.document)

    # The learner's own copy still verifies, and the issuer can still revoke it.
    verify = client.post("/credentials/verify", json={"verifiableCredential": credential}).json()
    assert verify["verified"] is True
    revoke(client, database, world, credential_id)
    after = client.post("/credentials/verify", json={"verifiableCredential": credential}).json()
    assert after["verified"] is False and "revoked" in " ".join(after["errors"])


def test_erasure_takes_the_learner_out_of_the_audit_log_and_the_issuance_runs(
    client: TestClient, database: Database, world: World
) -> None:
    from sqlalchemy import select

    from microcred.accounts.models import AuditEvent
    from microcred.issuing.models import IssuanceRun

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    other = {"name": "Bo Other", "email": "bo@example.org"}
    items = [{"learner": who, "result": {"awarded": "2026-11-20"}} for who in (LEARNER, other)]
    run = client.post(
        f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials/batch", json={"items": items}, headers=educator
    )
    outcomes = client.get(f"/api/orgs/a/runs/{run.json()['id']}", headers=educator).json()["outcomes"]
    credential_id = outcomes[0]["credential_id"]
    learner = claimed_by_the_learner(client, world, educator, credential_id)
    learner_id = world.users["a_learner"].id
    revoke(client, database, world, credential_id, "suspension", "Ana@Example.org (Ana Andromeda) asked for it")
    with database.session() as db:  # someone whose address contains the learner's, and whose events stay theirs
        members.add_member(
            db, Actor.operator(), db.merge(world.orgs["a"]), email="x.learner@a.example", role=Role.LEARNER
        )

    def texts(event: AuditEvent) -> str:
        text = f"{event.actor} {event.summary} {json.dumps(event.detail)} {event.ip}".lower()
        return text.replace("x.learner@a.example", "(someone else)")

    personal = ("learner@a.example", "ana andromeda", "ana@example.org")
    with database.session() as db:
        before = list(db.scalars(select(AuditEvent)))
        named = [e.id for e in before if any(p in texts(e) for p in personal) or e.actor_user_id == learner_id]
        assert len(named) >= 4  # the learner's login and claim, the issuing and the claim link that name Ana
        assert any(e.ip for e in before if e.actor_user_id == learner_id)

    staff = TestClient(client.app)  # staff keep their name on what they did for the organisation
    log_in(staff, "educator@a.example", world.passwords["educator@a.example"])
    refused = staff.post("/wallet/erase", data={"csrf_token": csrf_from(staff.get("/wallet").text), "confirm": "ERASE"})
    assert refused.status_code == 409 and "ask its admin to remove you" in refused.text
    with database.session() as db:  # removed, the educator still published the edition, which names them
        members.remove_member(db, Actor.operator(), db.merge(world.orgs["a"]), world.users["a_educator"].id)
    refused = staff.post("/wallet/erase", data={"csrf_token": csrf_from(staff.get("/wallet").text), "confirm": "ERASE"})
    assert refused.status_code == 409 and "You published micro-credentials" in refused.text

    erased = learner.post(
        "/wallet/erase", data={"csrf_token": csrf_from(learner.get("/wallet").text), "confirm": "ERASE"}
    )
    assert erased.status_code == 200

    with database.session() as db:
        after = {e.id: e for e in db.scalars(select(AuditEvent))}
        assert set(after) >= {e.id for e in before}  # nothing deleted
        for event in after.values():
            assert not any(p in texts(event) for p in personal), texts(event)
            assert event.actor_user_id != learner_id
        assert all(after[i].redacted_at is not None for i in named)
        assert all(after[e.id].ip is None for e in before if e.actor_user_id == learner_id)
        kept = [e for e in before if e.id not in named]
        assert kept and all(after[e.id].redacted_at is None and after[e.id].summary == e.summary for e in kept)
        assert any("(someone else)" in texts(e) for e in kept)
        assert any("asked for it" in texts(after[i]) for i in named)
        [record] = [e for e in after.values() if e.action == "user.erased"]
        assert f"{len(named)} audit events redacted" in record.summary and record.actor == "the learner"
        [job] = db.scalars(select(IssuanceRun))
        assert [row["name"] for row in job.rows] == ["(erased at the learner's request)", "Bo Other"]
        assert [row["email"] for row in job.rows] == [None, "bo@example.org"]

    admin = TestClient(client.app)
    log_in(admin, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = admin.get("/orgs/a/audit")
    assert page.status_code == 200 and "personal data erased" in page.text and "Ana Andromeda" not in page.text


def test_the_page_downloads_a_presentation_that_the_verifier_here_accepts(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    item = claimed(database, world, settings)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/wallet/{item}")
    assert "Share as a verifiable presentation" in page.text and 'id="presentation-form"' in page.text
    assert "/presentations/verify" in page.text
    token = csrf_from(page.text)

    refused = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": token, **ASKED, "domain": "a b"})
    assert refused.status_code == 422 and '<a href="#presentation-domain">The domain' in refused.text
    assert f'value="{ASKED["challenge"]}"' in refused.text  # what was typed, kept
    forged = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": "0" * 64, **ASKED})
    assert forged.status_code == 403

    made = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": token, **ASKED})
    assert made.status_code == 200 and made.headers["content-type"].startswith("application/json")
    assert made.headers["content-disposition"] == f'attachment; filename="presentation-{item}.json"'
    presentation = made.json()
    verified = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": ASKED})
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    replayed = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {**ASKED, "challenge": "c-next"}},
    )
    assert replayed.status_code == 400 and replayed.json()["verified"] is False

    stranger = TestClient(client.app)
    log_in(stranger, "learner@b.example", world.passwords["learner@b.example"])
    theirs = csrf_from(stranger.get("/wallet").text)
    assert stranger.post(f"/wallet/{item}/presentation", data={"csrf_token": theirs, **ASKED}).status_code == 404
    anonymous = TestClient(client.app)
    assert anonymous.post(f"/wallet/{item}/presentation", data=ASKED, follow_redirects=False).status_code == 403


def test_a_sealed_european_credential_is_not_offered_for_presentation(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        seals.import_pkcs12(db, Actor.operator(), organisation, pki.seal_p12(pki.CA()), "secret", master(settings))
    item = claimed(database, world, settings)
    with database.session() as db:
        held = wallet.find(db, learner_of(db), item)
        assert held.kind == "elm" and "signatures" in held.document and not wallet.presentable(held)
        with pytest.raises(InvalidInput, match="not signed with a Data Integrity proof"):
            wallet.present(db, learner_of(db), [item], master=master(settings), **ASKED)
        with pytest.raises(NotFound):
            wallet.present(db, learner_of(db), [uuid.uuid4()], master=master(settings), **ASKED)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/wallet/{item}")
    assert 'id="presentation-form"' not in page.text and 'id="presentation-unavailable"' in page.text
    assert "sealed as a European Digital Credential" in page.text
    refused = learner.post(f"/wallet/{item}/presentation", data={"csrf_token": csrf_from(page.text), **ASKED})
    assert refused.status_code == 422 and "not signed with a Data Integrity proof" in refused.text


def test_a_shared_credential_leads_with_its_verdict_and_why(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    credential_id = issued_with_a_grade(client, educator)
    learner = claimed_by_the_learner(client, world, educator, credential_id)
    item = re.search(r'href="(/wallet/[0-9a-f-]{36})"', learner.get("/wallet").text).group(1)  # type: ignore[union-attr]
    employer = TestClient(client.app)

    def shared() -> str:
        made = learner.post(f"{item}/share", data={"csrf_token": csrf_from(learner.get(item).text), "days": "7"})
        return employer.get(re.search(r"/share/[A-Za-z0-9_-]{43}", made.text).group(0)).text  # type: ignore[union-attr]

    valid = shared()
    assert 'id="share-reason">Every check passed.<' in valid and "share-unverified" not in valid
    revoke(client, database, world, credential_id)
    revoked = shared()
    reason = re.search(r'id="share-reason">([^<]+)<', revoked)
    assert reason is not None and "revoked" in reason.group(1).lower(), revoked  # the verdict says why, first
    assert revoked.index("share-reason") < revoked.index("share-unverified") < revoked.index("share-facts")


def test_someone_not_logged_in_is_led_from_the_claim_page_to_log_in_and_back(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    credential_id = issued_with_a_grade(client, educator)
    claim = urlparse(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator).json()["url"]
    ).path
    visitor = TestClient(client.app)
    page = visitor.get(claim)
    assert 'id="claim-wallet"' not in page.text  # a form that could only end on a login leading nowhere
    login = re.search(r'href="(/login\?next=[^"]+)" id="claim-login"', page.text)
    assert login is not None and login.group(1) == f"/login?next={claim}"
    form = visitor.get(login.group(1))
    back = visitor.post(
        login.group(1),
        data={
            "csrf_token": csrf_from(form.text),
            "email": "learner@a.example",
            "password": world.passwords["learner@a.example"],
            "next": claim,
        },
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == claim
    again = visitor.get(claim)
    assert 'id="claim-wallet"' in again.text and "claim-login" not in again.text
    added = visitor.post(f"{claim}/wallet", data={"csrf_token": csrf_from(again.text)}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"].startswith("/wallet/")


def test_the_claim_page_offers_a_wallet_app_a_code_to_scan_that_claims_the_award_once(
    client: TestClient, database: Database, world: World
) -> None:
    """Anyone holding the claim link (no account needed) asks for a wallet-app exchange; the QR code on the page,
    read back from its pixels, is the exchange's address, and a wallet answering there gets the award bound to
    its DID. The claim link is used up by it."""
    from microcred.verify.pictures import qr_link
    from tests.issuing.test_claims import api_link, issued
    from tests.issuing.test_exchanges import Wallet, path_of, start

    educator = bearer(database, world, "a", Role.EDUCATOR)
    award_id = issued(client, educator)
    token = api_link(client, educator, award_id).rsplit("/", 1)[1]
    stranger = TestClient(client.app)
    page = stranger.get(f"/claim/{token}")
    assert page.status_code == 200 and 'id="claim-wallet-app"' in page.text
    offered = stranger.post(f"/claim/{token}/wallet-app", data={"csrf_token": csrf_from(page.text)})
    assert offered.status_code == 200 and offered.headers["cache-control"] == "no-store"
    qr = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="QR code', offered.text)
    address = re.search(r'id="wallet-app-address" type="text" readonly value="([^"]+)"', offered.text)
    assert qr and address and 'href="https://lcw.app/request?request=' in offered.text
    import base64

    interaction = qr_link(base64.b64decode(qr.group(1)))
    assert interaction == address.group(1).replace("&amp;", "&") and interaction.endswith("/protocols?iuv=1")
    exchange_url = stranger.get(path_of(interaction)).json()["protocols"]["vcapi"]
    holder = Wallet()
    answer = stranger.post(
        path_of(exchange_url), json={"verifiablePresentation": holder.present(start(stranger, exchange_url))}
    )
    assert answer.status_code == 200, answer.text
    [bound] = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert bound["id"] == f"urn:uuid:{award_id}" and bound["credentialSubject"]["id"] == holder.did
    again = stranger.post(f"/claim/{token}/wallet-app", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 404  # the link is used up: no second wallet gets it
