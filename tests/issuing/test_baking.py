"""Baking our credentials into badge images as Open Badges 3.0 says (one uncompressed iTXt `openbadgecredential`
chunk; one <openbadges:credential> directly after <svg>), read back by independent readers (Pillow's PNG text
chunks, the standard library's ElementTree), and carried by a learner from the wallet to a verifier."""

from __future__ import annotations

import base64
import io
import json
import struct
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from microcred.errors import InvalidInput
from microcred.issuing import baking
from microcred.store import Database
from microcred.verify import baked
from tests.conftest import World, csrf_from, log_in
from tests.wallet.fixtures import claimed

ONE_EDTECH = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech"
SIMPLE = json.loads((ONE_EDTECH / "simple.json").read_text())
OB = "{https://purl.imsglobal.org/ob/v3p0}"


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    found, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        found.append((png[at + 4 : at + 8], png[at + 8 : at + 8 + length]))
        at += 12 + length
    return found


def test_a_png_carries_one_uncompressed_credential_chunk_right_after_its_header() -> None:
    png = baking.bake_png(SIMPLE)
    kinds = chunks(png)
    assert kinds[0][0] == b"IHDR" and kinds[1][0] == b"iTXt" and kinds[-1][0] == b"IEND"
    keyword, _, rest = kinds[1][1].partition(b"\0")
    assert keyword == b"openbadgecredential" and rest[:2] == b"\0\0"  # compression flag and method: none
    picture = Image.open(io.BytesIO(png))  # an independent reader of the chunk, and of the pixels
    assert json.loads(picture.text["openbadgecredential"]) == SIMPLE  # type: ignore[attr-defined]
    assert picture.size == (512, 512) and picture.text["Title"] == "Teamwork"  # type: ignore[attr-defined]
    assert "awarded by Example Corp" in picture.text["Description"]  # type: ignore[attr-defined]
    picture.load()
    again = baking.bake_png({**SIMPLE, "name": "Rebaked"}, png)  # baking a baked badge replaces, never doubles
    carried = [data for kind, data in chunks(again) if data.startswith(b"openbadgecredential\0")]
    assert len(carried) == 1 and json.loads(baked.carried(again) or b"")["name"] == "Rebaked"


def test_an_svg_carries_the_credential_in_cdata_directly_after_its_svg_tag() -> None:
    tricky = {**SIMPLE, "name": "Ends ]]> & <here>"}  # CDATA's end marker inside a JSON string
    svg = baking.bake_svg(tricky)
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output, read by an independent parser)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root[0].tag == f"{OB}credential"
    assert len(root.findall(f".//{OB}credential")) == 1 and "verify" not in root[0].attrib
    assert json.loads(root[0].text or "") == tricky and "<![CDATA[" in svg
    assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title").text == "Teamwork"  # type: ignore[union-attr]
    hostile = {**SIMPLE, "name": "Bad \ufffe\uffff\ud800\x01 text"}  # characters XML 1.0 cannot hold
    read_back = ElementTree.fromstring(baking.bake_svg(hostile))  # noqa: S314 (our own output)
    assert json.loads(read_back[0].text or "") == hostile
    jwt = ElementTree.fromstring(baking.bake_svg("eyJh.eyJi.c2ln"))  # noqa: S314 (our own output)
    assert jwt[0].get("verify") == "eyJh.eyJi.c2ln" and not (jwt[0].text or "").strip()


def small_png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()


def with_image(url: Any) -> dict[str, Any]:
    subject = {**SIMPLE["credentialSubject"]}
    subject["achievement"] = {**subject["achievement"], "image": {"id": url, "type": "Image"}}
    return {**SIMPLE, "credentialSubject": subject}


def test_the_achievements_own_png_is_used_when_it_is_safe_else_a_generated_badge() -> None:
    own = with_image("data:image/png;base64," + base64.b64encode(small_png("#336699")).decode())
    picture = Image.open(io.BytesIO(baking.baked_badge(own, "png")))
    assert picture.size == (40, 30) and picture.getpixel((5, 5)) == (0x33, 0x66, 0x99)  # type: ignore[attr-defined]
    assert json.loads(picture.text["openbadgecredential"]) == own  # type: ignore[attr-defined]
    damaged = small_png("#336699")[:-5]
    for unsafe in (
        "https://example.com/badge.png",  # never fetched while baking
        "data:image/svg+xml;base64,PHN2Zy8+",  # an SVG may hold scripts
        "data:image/png;base64," + base64.b64encode(damaged).decode(),
        "data:image/png;base64,not base64!",
    ):
        assert Image.open(io.BytesIO(baking.baked_badge(with_image(unsafe), "png"))).size == (512, 512)


def test_only_an_open_badge_is_baked() -> None:
    for document in ({**SIMPLE, "type": ["VerifiableCredential", "EuropeanDigitalCredential"]}, "x.y.z", None):
        with pytest.raises(InvalidInput, match="Only an Open Badge can be baked"):
            baking.baked_badge(document, "png")
    with pytest.raises(InvalidInput, match="PNG or an SVG"):
        baking.baked_badge(SIMPLE, "gif")


def test_non_latin_names_wrap_and_the_png_still_decodes() -> None:
    greek = {**SIMPLE, "credentialSubject": {**SIMPLE["credentialSubject"]}}
    greek["credentialSubject"]["achievement"] = {
        **SIMPLE["credentialSubject"]["achievement"],
        "name": "Ανάλυση δεδομένων " * 20,
    }
    picture = Image.open(io.BytesIO(baking.bake_png(greek)))
    picture.load()
    assert len(picture.text["Title"]) <= 160  # type: ignore[attr-defined]


def test_a_learner_downloads_the_badges_and_the_verifier_and_wallet_take_them_back(
    client: TestClient, database: Database, world: World
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    item = claimed(database, world, settings)
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    page = learner.get(f"/wallet/{item}")
    assert f'href="/wallet/{item}/badge.png"' in page.text and f'href="/wallet/{item}/badge.svg"' in page.text
    verifier = TestClient(client.app)
    for form, media in (("png", "image/png"), ("svg", "image/svg+xml")):
        image = learner.get(f"/wallet/{item}/badge.{form}")
        assert image.status_code == 200 and image.headers["content-type"].startswith(media)
        assert f'filename="badge-{item}.{form}"' in image.headers["content-disposition"]
        checked = verifier.post(
            "/verify",
            data={"csrf_token": csrf_from(verifier.get("/verify").text)},
            files={"file": (f"badge.{form}", image.content, media)},
        )
        assert 'data-verified="true"' in checked.text and 'data-verified="false"' not in checked.text, form
        added = learner.post(
            "/wallet/upload",
            data={"csrf_token": csrf_from(learner.get("/wallet").text)},
            files={"file": (f"badge.{form}", image.content, media)},
            follow_redirects=False,
        )
        assert added.status_code == 303 and added.headers["location"].startswith("/wallet/"), added.text
        shown = learner.get(added.headers["location"].partition("?")[0])
        assert 'id="item-verdict" data-verified="true"' in shown.text
    refused = learner.post(
        "/wallet/upload",
        data={"csrf_token": csrf_from(learner.get("/wallet").text)},
        files={"file": ("photo.png", small_png("white"), "image/png")},
    )
    assert refused.status_code == 422 and "it is a picture, not a baked badge" in refused.text
    assert learner.get(f"/wallet/{item}/badge.gif").status_code == 422
    stranger = TestClient(client.app)
    log_in(stranger, "learner@b.example", world.passwords["learner@b.example"])
    assert stranger.get(f"/wallet/{item}/badge.png").status_code == 404


def test_the_crc_of_every_chunk_we_write_holds() -> None:
    png, at = baking.bake_png(SIMPLE), 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert zlib.crc32(png[at + 4 : at + 8 + length]) & 0xFFFFFFFF == crc
        at += 12 + length
    assert at == len(png)


def test_staff_download_the_badge_of_what_their_organisation_issued(
    client: TestClient, database: Database, world: World
) -> None:
    from tests.verify.test_checks import issue

    credential, credential_id = issue(client, database, world)
    staff = TestClient(client.app)
    log_in(staff, "educator@a.example", world.passwords["educator@a.example"])
    page = staff.get(f"/orgs/a/credentials/{credential_id}")
    assert f'href="/orgs/a/credentials/{credential_id}/badge.svg"' in page.text
    png = staff.get(f"/orgs/a/credentials/{credential_id}/badge.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert json.loads(baked.carried(png.content) or b"") == credential
    assert staff.get(f"/orgs/a/credentials/{credential_id}/badge.bmp").status_code == 422
    other = TestClient(client.app)
    log_in(other, "educator@b.example", world.passwords["educator@b.example"])
    assert other.get(f"/orgs/b/credentials/{credential_id}/badge.png").status_code == 404
