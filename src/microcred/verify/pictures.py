"""The link in a picture of a QR code (a photo or screenshot of our PDF, a camera frame): only the picture formats
cameras and screenshots make are decoded, and a picture's size is checked from its header before a pixel is."""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

from microcred.trust import TrustError

MAX_LINK = 2000
MAX_PICTURE_BYTES = 8 * 1024 * 1024
MAX_PICTURE_PIXELS = 16_000_000  # a 4K camera frame is 8.3 megapixels; a QR code needs far fewer
# Pillow refuses (DecompressionBombError) pictures over twice its limit wherever it opens them in this process.
Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or MAX_PICTURE_PIXELS, MAX_PICTURE_PIXELS)
PICTURE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")  # what cameras and screenshots make; no other decoder runs


class PictureTooLarge(TrustError):
    """A picture refused for its size before it is decoded."""


def qr_link(raw: bytes) -> str:
    """The text of the QR code in a picture (a photo or screenshot of our PDF, a camera frame). Its size is read
    from the header and checked before a pixel is decoded."""
    if len(raw) > MAX_PICTURE_BYTES:
        raise PictureTooLarge(f"The picture is larger than {MAX_PICTURE_BYTES // (1024 * 1024)} MiB.")
    too_many = PictureTooLarge(
        f"The picture has more than {MAX_PICTURE_PIXELS // 1_000_000} megapixels: crop it to the QR code."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=PICTURE_FORMATS)  # reads the header only
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise too_many
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):  # Pillow's decoders raise SyntaxError too
        raise TrustError("The picture is not an image microcred can read (PNG, JPEG, WebP or GIF).") from None
    found = [code.text for code in zxingcpp.read_barcodes(image.convert("L")) if code.text]
    if not found:
        raise TrustError("No QR code was found in the picture: hold it flat, in focus and whole in the frame.")
    return found[0][:MAX_LINK]
