"""Baked badges (Open Badges 3.0, "Baked Badge"): a credential carried inside its own image, so that the picture a
learner posts is the credential itself.

PNG: one iTXt chunk, keyword `openbadgecredential`, uncompressed, its text the credential's JSON (or, for a
VC-JWT, the compact JWS), put right after IHDR so a reader finds it first. SVG: `xmlns:openbadges` on the
<svg> tag and, directly after it, one <openbadges:credential> holding the JSON in CDATA (or a JWS in its
`verify` attribute).

The picture is the achievement's own image when the credential carries one we can bake into without
opening it to the world: a PNG given as a data: URL, checked chunk by chunk (no pixel is decoded, no link
followed). Anything else (a link to fetch, an SVG, which may hold scripts and references) gives way to a
generated badge: the achievement's name and its issuer in dark text on a light ground (contrast over 7:1),
with the same words as the image's title and description for screen readers.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import textwrap
import zlib
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from microcred.errors import InvalidInput
from microcred.trust import TrustError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
MAX_SOURCE_IMAGE = 2 * 1024 * 1024  # an achievement image to bake into, decoded
MAX_SOURCE_PIXELS = 4096 * 4096
SIZE = 512  # the generated badge, square
INK, GROUND, ACCENT = "#1a1a1a", "#ffffff", "#1f4e79"  # 17.4:1 and 9.3:1 on white
OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf")  # wide script coverage, if present


def baked_badge(document: Any, form: str) -> bytes:
    """The credential baked into a PNG (into its achievement's image when that is safe, else a generated one)
    or an SVG. InvalidInput for what Open Badges 3.0 does not bake: anything but an Open Badge credential."""
    types = document.get("type") if isinstance(document, dict) else None
    types = types if isinstance(types, list) else [types]
    if not OB3_TYPES & {t for t in types if isinstance(t, str)}:
        raise InvalidInput(
            "Only an Open Badge can be baked into an image: this credential is another kind (its JSON file is "
            "what to share).",
            code="not_an_open_badge",
        )
    if form == "png":
        return bake_png(document, achievement_png(document))
    if form == "svg":
        return bake_svg(document).encode("utf-8")
    raise InvalidInput("A badge image is a PNG or an SVG.", code="unknown_image_format")


def credential_text(credential: dict[str, Any] | str) -> str:
    """What a baked image carries: the JSON of a credential with an embedded proof, or a VC-JWT as it is."""
    if isinstance(credential, str):
        return credential
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def labels(credential: dict[str, Any] | str) -> tuple[str, str]:
    """The achievement's name and the issuer's, for the generated picture and its text alternative."""
    if not isinstance(credential, dict):
        return "Open Badge", "its issuer"
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = achievement.get("name") if isinstance(achievement, dict) else None
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    return (
        _plain(name or credential.get("name"), "Open Badge"),
        _plain(issuer_name, issuer if isinstance(issuer, str) else "its issuer"),
    )


# What XML 1.0 cannot hold (its Char production): C0 controls, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _plain(value: Any, fallback: str) -> str:
    if isinstance(value, dict):  # a language map: its first value
        value = next(iter(value.values()), None)
    text = " ".join(NOT_XML.sub("", value).split()) if isinstance(value, str) else ""
    return (text or fallback)[:160]


# PNG ------------------------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _itxt(keyword: bytes, text: str) -> bytes:
    """An uncompressed iTXt chunk: keyword, NUL, compression flag 0 and method 0, no language, no translation."""
    return _chunk(b"iTXt", keyword + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8"))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk, their lengths and CRCs checked; TrustError for a PNG this does not hold."""
    if not png.startswith(PNG_SIGNATURE):
        raise TrustError("The image is not a PNG.")
    found, at = [], len(PNG_SIGNATURE)
    while at + 12 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if len(data) != length or at + 12 + length > len(png):
            raise TrustError("The PNG is cut short.")
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise TrustError("The PNG is damaged: a chunk's checksum does not match.")
        found.append((kind, data))
        at += 12 + length
        if kind == b"IEND":
            return found
    raise TrustError("The PNG is cut short: it has no end chunk.")


def bake_png(credential: dict[str, Any] | str, image: bytes | None = None) -> bytes:
    """The PNG `image` (else a generated badge) with the credential in its one `openbadgecredential` chunk: any
    credential it carried before is replaced, not doubled."""
    name, issuer = labels(credential)
    chunks = _chunks(image if image is not None else generated_png(name, issuer))
    if not chunks or chunks[0][0] != b"IHDR":
        raise TrustError("The PNG does not start with its header chunk.")
    kept = [(kind, data) for kind, data in chunks[1:] if not (kind == b"iTXt" and data.startswith(KEYWORD + b"\0"))]
    return b"".join(
        [PNG_SIGNATURE, _chunk(*chunks[0]), _itxt(KEYWORD, credential_text(credential))]
        + [_chunk(kind, data) for kind, data in kept]
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def generated_png(name: str, issuer: str) -> bytes:
    """A plain square badge: a ring, the achievement's name, "Awarded by" its issuer; its words again in the PNG's
    Title and Description text chunks."""
    picture = Image.new("RGB", (SIZE, SIZE), GROUND)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((16, 16, SIZE - 16, SIZE - 16), outline=ACCENT, width=14)
    title, small = _font(34), _font(22)
    lines = textwrap.wrap(name, 20)[:5]
    y = SIZE // 2 - (len(lines) * 42) // 2 - 30
    for line in lines:
        draw.text((SIZE // 2, y), line, fill=INK, font=title, anchor="mt")
        y += 42
    y += 18
    for line in ["Awarded by", *textwrap.wrap(issuer, 30)[:2]]:
        draw.text((SIZE // 2, y), line, fill=ACCENT if line == "Awarded by" else INK, font=small, anchor="mt")
        y += 28
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    chunks = _chunks(out.getvalue())
    words = [_itxt(b"Title", name), _itxt(b"Description", f"{name}, awarded by {issuer}. An Open Badge.")]
    return b"".join([PNG_SIGNATURE, _chunk(*chunks[0]), *words, *(_chunk(k, d) for k, d in chunks[1:])])


def achievement_png(credential: dict[str, Any] | str) -> bytes | None:
    """The achievement's image when it is a PNG carried in the credential itself (a data: URL) that is safe to
    bake into: bounded, well formed chunk by chunk, not too many pixels. None otherwise."""
    if not isinstance(credential, dict):
        return None
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    image = achievement.get("image") if isinstance(achievement, dict) else None
    url = image.get("id") if isinstance(image, dict) else image
    prefix = "data:image/png;base64,"
    if not isinstance(url, str) or not url.startswith(prefix) or len(url) > MAX_SOURCE_IMAGE * 4 // 3 + 64:
        return None
    try:
        png = base64.b64decode(url[len(prefix) :], validate=True)
        chunks = _chunks(png)
    except (ValueError, TrustError):
        return None
    if chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height = struct.unpack(">II", chunks[0][1][:8])
    return png if 0 < width * height <= MAX_SOURCE_PIXELS else None


# SVG ------------------------------------------------------------------------------------------------------


def bake_svg(credential: dict[str, Any] | str) -> str:
    """A generated SVG badge with the credential in its one <openbadges:credential>, directly after <svg>: JSON in
    CDATA (a `]]>` inside a JSON string is written `]]\\u003e`, the same JSON), a VC-JWT in `verify`."""
    name, issuer = labels(credential)
    if isinstance(credential, str):
        carried = f'<openbadges:credential verify="{escape(credential, {chr(34): "&quot;"})}"></openbadges:credential>'
    else:
        # the same JSON: `]]>` and what XML cannot hold (only ever inside JSON strings) written as \u escapes
        text = NOT_XML.sub(
            lambda c: f"\\u{ord(c.group()):04x}", credential_text(credential).replace("]]>", "]]\\u003e")
        )
        carried = f"<openbadges:credential><![CDATA[{text}]]></openbadges:credential>"
    lines = textwrap.wrap(name, 22)[:5]
    top = SIZE // 2 - len(lines) * 21 - 30
    words = "".join(
        f'<text x="256" y="{top + 42 * i}" font-size="34" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(lines, start=1)
    )
    below = top + 42 * len(lines) + 46
    by = "".join(
        f'<text x="256" y="{below + 28 * (i + 1)}" font-size="22" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(textwrap.wrap(issuer, 30)[:2])
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_NAMESPACE}" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" role="img" aria-labelledby="badge-title badge-desc">'
        f"{carried}"
        f'<title id="badge-title">{escape(name)}</title>'
        f'<desc id="badge-desc">{escape(name)}, awarded by {escape(issuer)}. An Open Badge.</desc>'
        f'<rect width="{SIZE}" height="{SIZE}" fill="{GROUND}"/>'
        f'<circle cx="256" cy="256" r="233" fill="none" stroke="{ACCENT}" stroke-width="14"/>'
        f'<g fill="{INK}" font-family="DejaVu Sans, Verdana, sans-serif">{words}'
        f'<text x="256" y="{below}" font-size="22" text-anchor="middle" fill="{ACCENT}">Awarded by</text>{by}</g>'
        "</svg>\n"
    )
