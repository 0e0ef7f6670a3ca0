"""Anyone checks credentials on the verifier page in a real browser: valid, tampered, revoked, expired."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.issuing import credentials, documents, keys, pdf, status
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
    assert page.locator("#error-summary li").inner_text() == "The file is not JSON."
    assert page.locator("#verify-text").input_value() == "{ this is not json"  # kept, to correct


def camera_file(qr: bytes, folder: Path) -> Path:
    """A Y4M video of the QR code as a phone held up to the printed PDF would see it, for Chromium's fake
    camera: one 640×480 frame, the code large and centred on white."""
    from PIL import Image

    code = Image.open(io.BytesIO(qr)).convert("L")
    side = 360
    frame = Image.new("L", (640, 480), 255)
    frame.paste(code.resize((side, side), Image.Resampling.NEAREST), ((640 - side) // 2, (480 - side) // 2))
    chroma = bytes([128]) * (320 * 240)
    path = folder / "camera.y4m"
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_the_camera_reads_the_qr_code_of_our_pdf_and_opens_its_verification(
    live_server: str,
    world: World,
    database: Database,
    settings: Settings,
    tmp_path: Path,
    driver,  # type: ignore[no-untyped-def]
) -> None:
    from pypdf import PdfReader

    from tests.e2e.conftest import launch, published_minimum

    spec_id = published_minimum(database, "a", world)
    with database.session() as db:
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            db.merge(world.orgs["a"]),
            spec_id,
            1,
            documents.Learner(name="Ana Andromeda", email="learner@a.example"),
            documents.Result(awarded=date(2026, 11, 20)),
            base_url=live_server,
            master=keys.master_key(settings.resolved_master_key()),
        )
        certificate = pdf.render(issued, verify_url=documents.verify_url(live_server, issued.id))
    [printed] = PdfReader(io.BytesIO(certificate)).pages[0].images
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_file(printed.data, tmp_path)}",
    ]
    browser = launch(driver, *camera)
    try:
        page = browser.new_context().new_page()
        page.goto(f"{live_server}/verify")
        page.get_by_role("button", name="Scan with the camera").click()
        page.wait_for_url(f"{live_server}/verify/{issued.id}", timeout=20_000)
        assert page.locator("[data-verified]").first.get_attribute("data-verified") == "true"
        assert "Ana Andromeda" in page.locator("main").inner_text()
        page.screenshot(path=str(ARTIFACTS / "verify-camera.png"), full_page=True)
    finally:
        browser.close()
