"""Reading baked badges: exactly one credential comes out of a PNG or an SVG, or a sentence says why not; hostile
images (entities, a DTD, deep nesting, damaged or huge files) get a sentence, never a crash or a fetch."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from microcred.issuing import baking
from microcred.store import Database
from microcred.trust import TrustError
from microcred.verify import baked, checks
from tests.conftest import World, csrf_from
from tests.verify.test_checks import issue

ONE_EDTECH = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3" / "1edtech"
SIMPLE = json.loads((ONE_EDTECH / "simple.json").read_text())


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def plain_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


def with_chunks(png: bytes, *extra: bytes) -> bytes:
    """`png` with `extra` chunks put right after its IHDR (8 + 25 bytes)."""
    return png[:33] + b"".join(extra) + png[33:]


def itxt(text: str, *, compressed: bool = False, keyword: bytes = b"openbadgecredential") -> bytes:
    body = zlib.compress(text.encode()) if compressed else text.encode()
    return chunk(b"iTXt", keyword + b"\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + body)


SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'


def test_what_a_baked_png_or_svg_carries_comes_out_as_it_went_in() -> None:
    for image in (baking.bake_png(SIMPLE), baking.bake_svg(SIMPLE).encode()):
        assert json.loads(baked.carried(image) or b"") == SIMPLE
    # 1EdTech's own SVG example form: whitespace around the CDATA, an XML declaration
    pretty = json.dumps(SIMPLE, indent=2)
    spaced = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{SVG_HEAD}\n<openbadges:credential>\n  <![CDATA[\n{pretty}\n]]>\n'
        "</openbadges:credential></svg>"
    )
    assert json.loads(baked.carried(spaced.encode()) or b"") == SIMPLE
    jwt = f'{SVG_HEAD}<openbadges:credential verify="eyJh.eyJi.c2ln"></openbadges:credential></svg>'
    assert baked.carried(jwt.encode()) == b"eyJh.eyJi.c2ln"  # a VC-JWT, handed on as its compact form
    assert baked.carried(b'{"not": "an image"}') is None  # JSON goes on to be read as JSON


@pytest.mark.parametrize(
    ("image", "sentence"),
    [
        (plain_png(), "carries no Open Badge credential: it is a picture, not a baked badge"),
        (
            with_chunks(plain_png(), itxt("{}"), itxt("{}")),
            "carries 2 Open Badge credentials; a baked badge carries exactly one",
        ),
        (
            with_chunks(plain_png(), itxt(json.dumps(SIMPLE), compressed=True)),
            "compressed, which Open Badges 3.0 forbids",
        ),
        (with_chunks(plain_png(), chunk(b"iTXt", b"openbadges\0\0\0\0\0{}")), "Open Badges 2.0"),
        (with_chunks(plain_png(), itxt("   ")), "credential is empty"),
        (plain_png()[:-20], "cut short"),
        (plain_png()[:33] + itxt("{}")[:-1] + b"X" + plain_png()[33:], "checksum does not match"),
        (f"{SVG_HEAD}<rect/></svg>".encode(), "carries no Open Badge credential"),
        (
            f"{SVG_HEAD}<openbadges:credential>{{}}</openbadges:credential><openbadges:credential>{{}}</openbadges:credential></svg>".encode(),
            "carries 2 Open Badge credentials",
        ),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>', "XML but not an SVG"),
        (f"{SVG_HEAD}<openbadges:credential>".encode(), "not well-formed XML"),
        (f"{SVG_HEAD}{'<g>' * 100}{'</g>' * 100}</svg>".encode(), "nested more than"),
    ],
    ids=[
        "png-none",
        "png-two",
        "png-compressed",
        "png-ob2",
        "png-empty",
        "png-cut",
        "png-crc",
        "svg-none",
        "svg-two",
        "not-svg",
        "svg-broken",
        "svg-deep",
    ],
)
def test_an_image_without_exactly_one_readable_credential_is_refused_with_a_sentence(
    image: bytes, sentence: str
) -> None:
    with pytest.raises(TrustError, match=re.escape(sentence)):
        baked.carried(image)


def test_no_entity_is_expanded_and_nothing_is_fetched() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"{SVG_HEAD}<openbadges:credential>&b;</openbadges:credential></svg>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"{SVG_HEAD}<openbadges:credential>&x;</openbadges:credential></svg>"
    )
    remote_dtd = f'<!DOCTYPE svg SYSTEM "http://127.0.0.1:9/evil.dtd">{SVG_HEAD}<openbadges:credential>{{}}</openbadges:credential></svg>'
    for hostile in (laughs, external, remote_dtd):
        with pytest.raises(TrustError, match="declares a DTD"):
            baked.carried(hostile.encode())
    undeclared = f"{SVG_HEAD}<openbadges:credential>&x;</openbadges:credential></svg>"
    with pytest.raises(TrustError, match="not well-formed XML"):
        baked.carried(undeclared.encode())


def test_sizes_are_bounded() -> None:
    with pytest.raises(TrustError, match="larger than 8 MiB"):
        baked.carried(plain_png() + b"\0" * baked.MAX_IMAGE_BYTES)
    huge = "x" * (checks.MAX_BYTES + 1)
    with pytest.raises(TrustError, match="credential in the image is larger than"):
        baked.carried(with_chunks(plain_png(), itxt(huge)))
    many = with_chunks(plain_png(), *(chunk(b"tIME", b"\0" * 7) for _ in range(baked.MAX_CHUNKS + 1)))
    with pytest.raises(TrustError, match="more than 10000 chunks"):
        baked.carried(many)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_after_a_png_signature_get_a_sentence_or_a_credential(tail: bytes) -> None:
    try:
        baked.carried(baked.PNG_SIGNATURE + tail)
    except TrustError as error:
        assert str(error).endswith(".")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_in_an_svg_gets_a_sentence_or_a_credential(body: str) -> None:
    try:
        baked.carried(f"{SVG_HEAD}{body}</svg>".encode())
    except TrustError as error:
        assert str(error).endswith(").") or str(error).endswith(".")


def post_file(client: TestClient, name: str, raw: bytes, media: str) -> Any:
    form = client.get("/verify")
    return client.post("/verify", data={"csrf_token": csrf_from(form.text)}, files={"file": (name, raw, media)})


def test_the_verifier_page_reads_our_baked_badges_and_catches_a_changed_one(
    client: TestClient, database: Database, world: World
) -> None:
    credential, _id = issue(client, database, world)
    visitor = TestClient(client.app)
    for name, image, media in (
        ("badge.png", baking.baked_badge(credential, "png"), "image/png"),
        ("badge.svg", baking.baked_badge(credential, "svg"), "image/svg+xml"),
    ):
        checked = post_file(visitor, name, image, media)
        assert checked.status_code == 200 and re.findall(r'data-verified="(true|false)"', checked.text) == ["true"]
        shown = re.search(
            r'<figure class="badge-picture" id="badge-picture"><img src="data:([^;]+);base64,([^"]+)"', checked.text
        )
        assert shown is not None and shown.group(1) == media  # the image it came in, shown as it was
        assert base64.b64decode(shown.group(2)) == image
    changed = {**credential, "name": "Something else"}
    checked = post_file(visitor, "badge.png", baking.bake_png(changed), "image/png")
    assert re.findall(r'data-verified="(true|false)"', checked.text) == ["false"]
    assert 'data-check="PROOF" data-outcome="ERROR"' in checked.text
    assert (
        'id="badge-picture"'
        not in post_file(visitor, "c.json", json.dumps(credential).encode(), "application/json").text
    )
    refused = post_file(visitor, "photo.png", plain_png(), "image/png")
    assert refused.status_code == 422 and "it is a picture, not a baked badge" in refused.text
    two = post_file(visitor, "two.png", with_chunks(plain_png(), itxt("{}"), itxt("{}")), "image/png")
    assert two.status_code == 422 and "a baked badge carries exactly one" in two.text
