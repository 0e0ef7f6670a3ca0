"""The link in a picture of a QR code: only the formats cameras make are decoded, and a picture's size is capped
before a pixel is decoded."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
import segno
from fastapi.testclient import TestClient
from PIL import Image

from microcred.trust import TrustError
from microcred.verify.pictures import MAX_LINK, MAX_PICTURE_BYTES, MAX_PICTURE_PIXELS, PictureTooLarge, qr_link
from tests.conftest import csrf_from


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size: the header is read before anything is decoded, so this is all an attacker sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def test_only_the_picture_formats_cameras_make_are_decoded() -> None:
    """A TIFF or an icon is refused by name before any decoder of those formats runs (a corrupt ICNS made
    Pillow's PNG decoder raise SyntaxError: a 500)."""
    for kind in ("TIFF", "ICNS", "BMP"):
        picture = io.BytesIO()
        Image.new("RGB", (64, 64)).save(picture, kind)
        with pytest.raises(TrustError, match=r"not an image microcred can read \(PNG, JPEG, WebP or GIF\)"):
            qr_link(picture.getvalue())


def test_a_40_megapixel_picture_is_refused_before_it_is_decoded(client: TestClient) -> None:
    picture = io.BytesIO()
    Image.new("1", (8000, 5000)).save(picture, "PNG")  # a real 40-megapixel PNG, small once compressed
    csrf = {"x-csrf-token": csrf_from(client.get("/verify").text)}
    started = time.monotonic()
    answer = client.post("/verify/scan", files={"picture": ("big.png", picture.getvalue(), "image/png")}, headers=csrf)
    assert answer.status_code == 413 and answer.json()["error"] == "picture_too_large"
    assert "more than 16 megapixels" in answer.json()["detail"]
    assert time.monotonic() - started < 1.0
    assert MAX_PICTURE_PIXELS == 16_000_000
    for width, height in ((5000, 4000), (100_000, 100_000)):  # over the cap, and a bomb Pillow itself refuses
        with pytest.raises(Exception, match="more than 16 megapixels"):
            qr_link(png_header(width, height))


def qr(text: str, kind: str = "png") -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind=kind, scale=4, border=4)
    return out.getvalue()


def test_the_link_in_a_qr_code_is_read_from_a_png_or_a_camera_jpeg_and_capped_in_length() -> None:
    link = "https://mc.example/verify/00000000-0000-4000-8000-000000000000"
    assert qr_link(qr(link)) == link
    photo = io.BytesIO()
    Image.open(io.BytesIO(qr(link))).convert("RGB").resize((600, 600)).save(photo, "JPEG", quality=90)
    assert qr_link(photo.getvalue()) == link
    long = "https://mc.example/" + "x" * 2100
    assert qr_link(qr(long)) == long[:MAX_LINK]


def test_a_picture_over_the_byte_limit_is_refused_unread() -> None:
    with pytest.raises(PictureTooLarge, match="larger than 8 MiB"):
        qr_link(b"\x89PNG" + b"\0" * MAX_PICTURE_BYTES)
