"""The verifier page (no account): a file, pasted JSON, a link or a picture of a QR code; and the page a PDF's QR code
opens."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from tests.conftest import World, csrf_from
from tests.issuing.test_credentials import LEARNER, published
from tests.verify.test_checks import issued_with_a_seal
from tests.web.test_api import bearer

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"


def verdicts(html: str) -> list[str]:
    return re.findall(r'data-verified="(true|false)"', html)


def test_the_qr_page_shows_both_forms_valid_and_the_verifier_catches_a_change(
    client: TestClient, database: Database, world: World
) -> None:
    issued = issued_with_a_seal(client, database, world)
    credential_id, credential = issued.json()["id"], issued.json()["credential"]

    visitor = TestClient(client.app)
    page = visitor.get(f"/verify/{credential_id}")
    assert page.status_code == 200 and verdicts(page.text) == ["true", "true"]
    assert 'data-check="SEAL" data-outcome="OK"' in page.text and "Ana Andromeda" in page.text
    assert visitor.get("/verify/00000000-0000-4000-8000-000000000000").status_code == 404

    form = visitor.get("/verify")
    changed = json.dumps({**credential, "name": "Something else"}).encode()
    checked = visitor.post(
        "/verify",
        data={"csrf_token": csrf_from(form.text)},
        files={"file": ("credential.json", changed, "application/json")},
    )
    assert checked.status_code == 200 and verdicts(checked.text) == ["false"]
    assert 'data-check="PROOF" data-outcome="ERROR"' in checked.text
    # The verdict leads with its reason; the content after it is marked as the document's own unverified claim.
    reason = re.search(r'<p class="reason" id="reason-1">([^<]+)</p>', checked.text)
    assert reason is not None and "Something else" not in reason.group(1)
    proof = re.search(r'data-check="PROOF" data-outcome="ERROR">.*?</strong> ([^<\n]+)', checked.text, re.S)
    assert proof is not None and proof.group(1).strip() == reason.group(1).strip()
    assert checked.text.index('id="reason-1"') < checked.text.index('id="unverified-1"') < checked.text.index("<dt>")
    assert re.search(r'<div class="verdict verdict-invalid">\s*<h2 id="verdict-1-heading">', checked.text)
    assert re.search(r'<div class="content unverified">\s*<p class="hint" id="unverified-1">', checked.text)
    assert 'id="reason-1">Every check passed.<' in page.text and "unverified-1" not in page.text
    pasted = visitor.post("/verify", data={"csrf_token": csrf_from(form.text), "document": json.dumps(credential)})
    assert verdicts(pasted.text) == ["true"]
    garbage = visitor.post("/verify", data={"csrf_token": csrf_from(form.text), "document": "{not json"})
    assert garbage.status_code == 422 and "not JSON" in garbage.text
    # The refusal at the top, linked to the box the credential came from, and what was pasted kept in it.
    assert '<a href="#verify-text">' in garbage.text and ">{not json</textarea>" in garbage.text
    assert garbage.text.index('id="error-summary"') < garbage.text.index('id="verify-form"')
    nothing = visitor.post("/verify", data={"csrf_token": csrf_from(form.text)})
    assert nothing.status_code == 422 and '<a href="#verify-file">Choose a file' in nothing.text


def test_a_link_or_a_picture_of_the_pdfs_qr_code_opens_the_credentials_verification(
    client: TestClient, database: Database, world: World
) -> None:
    """Our verification and share links lead to their pages; the QR code inside the PDF, given as a picture
    (or a camera frame to /verify/scan), does the same; anything else is refused with the reason."""
    import io

    from pypdf import PdfReader
    from sqlalchemy import select

    from microcred.issuing import documents, pdf
    from microcred.issuing.models import IssuedCredential

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    credential_id = issued.json()["id"]
    base_url = client.app.state.settings.base_url  # type: ignore[attr-defined]
    with database.session() as db:
        row = db.scalars(select(IssuedCredential)).one()
        certificate = pdf.render(row, verify_url=documents.verify_url(base_url, row.id))
    [embedded] = PdfReader(io.BytesIO(certificate)).pages[0].images  # the QR code, as printed

    visitor = TestClient(client.app, follow_redirects=False)
    token = csrf_from(visitor.get("/verify").text)

    def post(**fields: str) -> Any:
        return visitor.post("/verify", data={"csrf_token": token, **fields})

    def picture(raw: bytes, name: str = "qr.png") -> Any:
        return visitor.post("/verify", data={"csrf_token": token}, files={"picture": (name, raw, "image/png")})

    for link in (f"{base_url}/verify/{credential_id}", f"/verify/{credential_id}"):
        opened = post(link=link)
        assert opened.status_code == 303 and opened.headers["location"] == f"/verify/{credential_id}", link
    assert post(link=f"{base_url}/share/{'x' * 43}").headers["location"] == f"/share/{'x' * 43}"
    from_pdf = picture(embedded.data, embedded.name)
    assert from_pdf.status_code == 303 and from_pdf.headers["location"] == f"/verify/{credential_id}"
    scanned = visitor.post("/verify/scan", data={"csrf_token": token}, files={"picture": ("f.png", embedded.data)})
    assert scanned.status_code == 200 and scanned.json() == {"link": f"{base_url}/verify/{credential_id}"}

    refused = {
        "does not lead to a credential": post(link=f"{base_url}/orgs/a/settings"),
        "switched off": post(link="https://college.example/credential.json"),
        "not an image": picture(b"%PDF-1.7 not a picture"),
    }
    empty = io.BytesIO()
    from PIL import Image

    Image.new("L", (300, 300), 255).save(empty, format="PNG")
    refused["No QR code"] = picture(empty.getvalue())
    for reason, answer in refused.items():
        assert answer.status_code == 422 and reason in answer.text, reason
    no_code = visitor.post("/verify/scan", data={"csrf_token": token}, files={"picture": ("f.png", empty.getvalue())})
    assert no_code.status_code == 422 and no_code.json()["error"] == "no_qr_code"


def test_the_content_shows_in_the_language_the_document_carries(client: TestClient) -> None:
    """The Commission's sample is written in English and French: its facts show in its primary language,
    and in French once the document says French is primary; the page marks the language."""
    from microcred.verify import checks

    sample = json.loads((ELM / "credential-sample.jsonld").read_text())
    english = checks.verify(sample)
    assert english.languages == ["en", "fr"]
    assert dict(checks.summary(english))["Title"] == "some kind of learning achievement"
    assert dict(checks.summary(english, "fr"))["Title"] == "une sorte de réussite scolaire"
    french_first = json.loads(json.dumps(sample))
    french_first["displayParameter"]["primaryLanguage"]["id"] = (
        "http://publications.europa.eu/resource/authority/language/FRA"
    )
    french = checks.verify(french_first)
    assert french.languages == ["fr", "en"]
    assert dict(checks.summary(french))["Title"] == "une sorte de réussite scolaire"

    visitor = TestClient(client.app)
    token = csrf_from(visitor.get("/verify").text)
    page = visitor.post("/verify", data={"csrf_token": token, "document": json.dumps(french_first)})
    assert 'lang="fr"' in page.text and "une sorte de réussite scolaire" in page.text
    assert "some kind of learning achievement" not in page.text and "Written in fr, en" in page.text
