"""An issued credential as a PDF certificate: what a person reads, and a QR code that opens its verify page."""

from __future__ import annotations

import io
import uuid
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import credentials, documents, keys, pdf
from microcred.issuing.models import IssuedCredential
from microcred.store import Database
from microcred.trust.keystore import new_master_key, parse_master_key
from tests.conftest import World, log_in
from tests.design.fixtures import annex_i_minimum, full

MASTER = parse_master_key(new_master_key())
BASE_URL = "https://mc.example"


def issued_to(db: Session, name: str, grade: str | None = "Pass") -> IssuedCredential:
    org = accounts.create_organisation(db, Actor.operator(), legal_name="Uni Zed", country="IE", slug="zed")
    spec = design.create(db, Actor.operator(), org, full())
    design.publish(db, Actor.operator(), org, spec.id)
    return credentials.issue_edition(
        db,
        Actor.operator(),
        org,
        spec.id,
        1,
        documents.Learner(name=name, email="ana@example.org"),
        documents.Result(awarded=date(2026, 11, 20), grade=grade),
        base_url=BASE_URL,
        master=MASTER,
    )


def read(certificate: bytes) -> tuple[PdfReader, str]:
    assert certificate.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(certificate))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def scanned(reader: PdfReader) -> list[str]:
    """What a phone would read from the QR codes printed in the PDF."""
    found = []
    for page in reader.pages:
        for embedded in page.images:
            image = embedded.image if embedded.image is not None else Image.open(io.BytesIO(embedded.data))
            found += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return found


def test_the_certificate_reads_as_the_credential_says_and_its_qr_code_opens_the_verify_page(db: Session) -> None:
    row = issued_to(db, "Ana Andromeda")
    verify_url = documents.verify_url(BASE_URL + "/", row.id)
    assert verify_url == f"{BASE_URL}/verify/{row.id}"

    reader, text = read(pdf.render(row, verify_url=verify_url))

    assert len(reader.pages) == 1  # a full specification still fits on one page
    for expected in (
        "Ana Andromeda",
        "Data analysis with Python",
        "by Uni Zed on 20 November 2026",
        "Result: Pass",
        "Analyse a data set with pandas and report the findings",  # learning outcomes
        "Explain the limits of a statistical summary",
        "University of Zed (IE); Partner School (FR)",  # awarding bodies
        "62.5 hours · 2.5 ECTS credits",  # workload and credits
        "EQF level 6 · Irish NFQ level 8",
        "Project or artefact · graded Pass/fail",  # assessment type
        "Supervised online with identity verification",
        "Blended",  # form of participation
        "Accredited by a recognised accreditation body · QQI",  # quality assurance
        "English, French",
        "Stackable towards MSc Data Science",
        verify_url,
        f"urn:uuid:{row.id}",
    ):
        assert expected in text, expected
    assert scanned(reader) == [verify_url]


def test_text_from_people_is_printed_as_text(db: Session) -> None:
    row = issued_to(db, "<b>Ana</b> & co", grade=None)

    _reader, text = read(pdf.render(row, verify_url=documents.verify_url(BASE_URL, row.id)))

    assert "<b>Ana</b> & co" in text
    assert "Result:" not in text  # no grade, no line for it


def test_rendering_reads_nothing_but_data_uris(tmp_path: Path) -> None:
    fetcher = pdf.DataOnlyFetcher()
    for url in ("file:///etc/passwd", "https://example.org/logo.png", "http://169.254.169.254/", "ftp://x/y"):
        with pytest.raises(ValueError, match="only data: URIs"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    png = tmp_path / "secret.png"
    png.write_bytes(documents.qr_png("https://example.org/secret"))
    for source, images in ((png.as_uri(), 0), (documents.qr_data_uri("https://example.org/ok"), 1)):
        made = pdf.html_to_pdf(f'<p>Hi</p><img src="{source}"><link rel="stylesheet" href="{png.as_uri()}">')
        assert len(PdfReader(io.BytesIO(made)).pages[0].images) == images, source


def test_an_achievement_with_no_annex_i_extensions_still_renders() -> None:
    """A credential whose achievement is plain OB3 (outcomes only in the criteria) prints what it has."""
    row = IssuedCredential(
        id=uuid.uuid4(),
        learner_name="Bo",
        document={
            "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "name": "Plain badge",
            "issuer": {"id": "did:web:x", "type": ["Profile"], "name": "Somewhere"},
            "awardedDate": "2026-01-02T00:00:00Z",
            "credentialSubject": {
                "achievement": {"type": ["Achievement"], "name": "Plain badge", "criteria": {"narrative": "- Do it"}}
            },
        },
    )

    _reader, text = read(pdf.render(row, verify_url="https://mc.example/verify/x"))

    assert "Bo" in text and "Plain badge" in text and "2 January 2026" in text and "Do it" in text


# The download --------------------------------------------------------------------------------------


def issued_in(client: TestClient, database: Database, organisation: Organisation) -> uuid.UUID:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with database.session() as db:
        organisation = db.merge(organisation)
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        row = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec.id,
            1,
            documents.Learner(name="Ana Andromeda", email="ana@example.org"),
            documents.Result(awarded=date(2026, 11, 20)),
            base_url=settings.base_url,
            master=keys.master_key(settings.resolved_master_key()),
        )
        return row.id


def test_the_organisation_downloads_the_pdf_and_no_one_else(
    client: TestClient, database: Database, world: World
) -> None:
    credential_id = issued_in(client, database, world.orgs["a"])
    url = f"/orgs/a/credentials/{credential_id}/credential.pdf"
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    assert url in client.get(f"/orgs/a/credentials/{credential_id}").text  # the page links to it

    download = client.get(url)

    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == f'attachment; filename="credential-{credential_id}.pdf"'
    reader, text = read(download.content)
    base_url = client.app.state.settings.base_url.rstrip("/")  # type: ignore[attr-defined]
    assert "Ana Andromeda" in text and "Digital content for teams" in text and "Alpha Academy" in text
    assert scanned(reader) == [f"{base_url}/verify/{credential_id}"]

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert client.get(url).status_code == 403  # a learner of A does not issue: as for the JSON download
    log_in(client, "educator@b.example", world.passwords["educator@b.example"])
    refused = client.get(url)
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
    assert client.get(f"/orgs/b/credentials/{credential_id}/credential.pdf").status_code == 404
