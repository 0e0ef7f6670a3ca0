"""The credential inside a baked badge (Open Badges 3.0, "Baked Badge"): a PNG's `openbadgecredential` iTXt chunk or
an SVG's <openbadges:credential>. Exactly one must be there: an image with none is no credential, and one with two
is refused (the specification allows one), each with a sentence.

Untrusted images are read, never rendered: a PNG's chunks are walked (lengths and checksums checked, no pixel
decoded, no compressed text inflated); an SVG is parsed by expat with no DTD allowed at all (so no entity,
internal or external, can be declared or expanded, and nothing is fetched), its depth and size bounded.
"""

from __future__ import annotations

import base64
import struct
import xml.parsers.expat
import zlib
from typing import Any

from microcred.trust import TrustError
from microcred.verify.checks import MAX_BYTES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_CHUNKS = 10_000
MAX_SHOWN_BYTES = 1024 * 1024  # a baked image shown inline on the verifier page
MAX_SVG_DEPTH = 64
KEYWORD = b"openbadgecredential"
OB2_KEYWORD = b"openbadges"  # Open Badges 2.0's baked assertion: another standard


def image_kind(raw: bytes) -> str | None:
    """ "png" or "svg" when the bytes look like one (a PNG's signature; XML whose text starts with a tag), else None."""
    if raw.startswith(PNG_SIGNATURE):
        return "png"
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in raw[:65536]:
        return "svg"
    return None


def carried(raw: bytes) -> bytes | None:
    """The credential a baked image carries (its JSON, or a VC-JWT's compact form), as bytes; None when `raw` is no
    PNG or SVG at all (it may be the JSON itself). TrustError, with a sentence, for an image that carries none,
    two, or cannot be read."""
    kind = image_kind(raw)
    if kind is None:
        return None
    if len(raw) > MAX_IMAGE_BYTES:
        raise TrustError(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    found = _from_png(raw) if kind == "png" else _from_svg(raw)
    text = found.strip()
    if not text:
        raise TrustError(f"The {kind.upper()} image's Open Badge credential is empty.")
    if len(text) > MAX_BYTES:
        raise TrustError(f"The credential in the image is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    return text.encode("utf-8")


def picture(raw: bytes) -> str | None:
    """A baked image as a data: URL to show beside its verdict, when it is small enough to inline (an <img> shows
    an SVG with no script run and nothing fetched); None otherwise."""
    kind = image_kind(raw)
    if kind is None or len(raw) > MAX_SHOWN_BYTES:
        return None
    media = "image/png" if kind == "png" else "image/svg+xml"
    return f"data:{media};base64,{base64.b64encode(raw).decode('ascii')}"


# PNG ------------------------------------------------------------------------------------------------------


def _from_png(png: bytes) -> str:
    texts: list[str] = []
    older = False
    at, count = len(PNG_SIGNATURE), 0
    while True:
        if at + 12 > len(png):
            raise TrustError("The PNG image is cut short: it has no end chunk.")
        count += 1
        if count > MAX_CHUNKS:
            raise TrustError(f"The PNG image has more than {MAX_CHUNKS} chunks.")
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if at + 12 + length > len(png):
            raise TrustError("The PNG image is cut short.")
        data = png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        at += 12 + length
        if kind == b"IEND":
            break
        if kind not in (b"iTXt", b"tEXt", b"zTXt"):
            continue  # pixels and the rest: never decoded
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise TrustError("The PNG image is damaged: a text chunk's checksum does not match.")
        keyword = data.split(b"\0", 1)[0]
        if kind == b"iTXt" and keyword == KEYWORD:
            texts.append(_itxt_text(data))
        elif keyword in (KEYWORD, OB2_KEYWORD):
            older = True
    if not texts:
        if older:
            raise TrustError(
                "The PNG image carries an Open Badges 2.0 badge (or one not in an iTXt chunk): only Open Badges 3.0 "
                "credentials, in an iTXt chunk named openbadgecredential, are read here."
            )
        raise TrustError("The PNG image carries no Open Badge credential: it is a picture, not a baked badge.")
    if len(texts) > 1:
        raise TrustError(
            f"The PNG image carries {len(texts)} Open Badge credentials; a baked badge carries exactly one."
        )
    return texts[0]


def _itxt_text(data: bytes) -> str:
    """The text of an iTXt chunk (keyword, NUL, compression flag and method, language, NUL, translated keyword,
    NUL, text), which must not be compressed (the specification forbids it)."""
    rest = data[len(KEYWORD) + 1 :]
    if len(rest) < 2:
        raise TrustError("The PNG image's openbadgecredential chunk is malformed.")
    if rest[0] != 0:
        raise TrustError(
            "The PNG image's credential is compressed, which Open Badges 3.0 forbids: it cannot be trusted as baked."
        )
    parts = rest[2:].split(b"\0", 2)
    if len(parts) != 3:
        raise TrustError("The PNG image's openbadgecredential chunk is malformed.")
    try:
        return parts[2].decode("utf-8")
    except UnicodeDecodeError:
        raise TrustError("The PNG image's credential is not UTF-8 text.") from None


# SVG ------------------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def _from_svg(svg: bytes) -> str:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    found: list[list[str]] = []  # each credential's text parts
    state: dict[str, Any] = {"depth": 0, "inside": None, "root": None}

    def no_dtd(*_args: Any) -> None:
        raise _Refused("The SVG image declares a DTD, which is not read here (it could define entities).")

    def start(name: str, attributes: dict[str, str]) -> None:
        state["depth"] += 1
        if state["depth"] > MAX_SVG_DEPTH:
            raise _Refused(f"The SVG image is nested more than {MAX_SVG_DEPTH} levels deep.")
        if state["root"] is None:
            state["root"] = name
            if name != f"{SVG_NAMESPACE} svg":
                raise _Refused("The image is XML but not an SVG.")
        if name == f"{OB3_NAMESPACE} credential":
            if state["inside"] is not None:
                raise _Refused("The SVG image nests one Open Badge credential in another.")
            parts: list[str] = []
            verify = attributes.get("verify") or attributes.get(f"{OB3_NAMESPACE} verify")
            if verify:
                parts.append(verify)
            found.append(parts)
            state["inside"] = (state["depth"], parts, bool(verify))

    def end(_name: str) -> None:
        inside = state["inside"]
        if inside is not None and inside[0] == state["depth"]:
            state["inside"] = None
        state["depth"] -= 1

    def characters(text: str) -> None:
        inside = state["inside"]
        if inside is not None and not inside[2]:
            inside[1].append(text)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.ExternalEntityRefHandler = lambda *_args: 0  # never fetched (and without a DTD, never named)
    try:
        parser.Parse(svg, True)
    except _Refused as refused:
        raise TrustError(refused.sentence) from None
    except xml.parsers.expat.ExpatError as error:
        reason = xml.parsers.expat.ErrorString(error.code)
        raise TrustError(f"The SVG image is not well-formed XML ({reason}, line {error.lineno}).") from None
    if not found:
        raise TrustError("The SVG image carries no Open Badge credential: it is a picture, not a baked badge.")
    if len(found) > 1:
        raise TrustError(
            f"The SVG image carries {len(found)} Open Badge credentials; a baked badge carries exactly one."
        )
    return "".join(found[0])
