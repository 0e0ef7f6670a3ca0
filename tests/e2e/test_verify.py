"""Anyone checks credentials on the verifier page in a real browser: valid, tampered, revoked, expired."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.issuing import credentials, keys, status
from microcred.store import Database
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def signed(database: Database, world: World, settings: Settings, base_url: str, **dates: str) -> dict[str, Any]:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        return credentials.issue(
            db,
            Actor.operator(),
            organisation,
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:learner", "name": "Ana Andromeda"},
                **dates,
            },
            base_url=base_url,
            master=keys.master_key(settings.resolved_master_key()),
        )


def test_the_verifier_page_tells_valid_tampered_revoked_and_expired_apart(
    live_server: str,
    world: World,
    database: Database,
    settings: Settings,
    page,  # type: ignore[no-untyped-def]
) -> None:
    valid = signed(database, world, settings, live_server, validFrom="2026-01-01T00:00:00Z")
    tampered = {**valid, "credentialSubject": {"id": "did:example:learner", "name": "Eve"}}
    revoked = signed(database, world, settings, live_server, validFrom="2026-01-01T00:00:00Z")
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        status.change(
            db, Actor.operator(), organisation, revoked["id"], purpose="revocation", value=True, reason="Fraud"
        )
    expired = signed(
        database, world, settings, live_server, validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z"
    )

    cases = (
        (valid, "Valid", "PROOF", "OK"),
        (tampered, "Not valid", "PROOF", "ERROR"),
        (revoked, "Not valid", "REVOCATION", "ERROR"),
        (expired, "Not valid", "VALIDITY", "ERROR"),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    for number, (document, verdict, check, outcome) in enumerate(cases):
        page.goto(f"{live_server}/verify")
        page.get_by_label("A credential file").set_input_files(
            {"name": "credential.json", "mimeType": "application/json", "buffer": json.dumps(document).encode()}
        )
        page.get_by_role("button", name="Verify").click()
        heading = page.locator("#verdict-1 h2")
        assert heading.inner_text().endswith(verdict), (check, heading.inner_text())
        row = page.locator(f'#verdict-1 li[data-check="{check}"]')
        assert row.get_attribute("data-outcome") == outcome
        if row.locator("summary").count():  # the technical detail opens under its toggle
            assert not row.locator("code").is_visible()
            row.locator("summary").click()
            assert row.locator("code").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"verify-{number}.png"), full_page=True)

    page.goto(f"{live_server}/verify")
    page.get_by_label("or paste it").fill("{ this is not json")
    page.get_by_role("button", name="Verify").click()
    assert page.locator("#verify-error").inner_text() == "The file is not JSON."
