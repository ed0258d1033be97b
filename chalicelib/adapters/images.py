"""The image check: the bytes really are PNG, JPEG, WebP or GIF, not a bomb; re-encoded
without metadata (EXIF, GPS, text chunks). Pillow is imported only here, only when used."""

from __future__ import annotations

import io
import warnings

from chalicelib.domain.artifacts import IMAGE_TYPES, MAX_IMAGE_PIXELS

FORMATS = tuple(IMAGE_TYPES.values())
MIME = {fmt: mime for mime, fmt in IMAGE_TYPES.items()}


class ImageRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """(clean bytes, content type, (width, height)), or ImageRejected with a reason. Whatever
    the bytes do to the decoder, the orientation or the encoder, the answer is one of those
    two: a hostile file is rejected on its own, never an error that stops other uploads."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _clean(data)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too_many_pixels") from exc
        except UnidentifiedImageError as exc:
            raise ImageRejected("not_an_image") from exc
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types on hostile bytes (a broken eXIf chunk: SyntaxError, struct.error, KeyError...)
            raise ImageRejected("broken_image") from exc


def _clean(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    from PIL import Image, ImageOps

    image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    if image.width * image.height > MAX_IMAGE_PIXELS:  # from the header, before decoding
        raise ImageRejected("too_many_pixels")
    image.seek(0)  # an animated GIF keeps its first frame
    image.load()
    fmt = image.format or "PNG"
    # A phone's portrait photo is stored sideways with an EXIF Orientation tag: turn the pixels
    # upright before the EXIF goes, or it would show on its side.
    pixels: Image.Image = ImageOps.exif_transpose(image) or image
    if fmt == "JPEG" or (fmt == "WEBP" and image.mode not in ("RGB", "RGBA")):
        pixels = pixels.convert("RGB")
    elif fmt == "GIF" and image.mode not in ("P", "L"):
        pixels = pixels.convert("P")
    pixels.info = {}  # no EXIF, ICC, XMP or text chunks go out with the pixels
    out = io.BytesIO()
    pixels.save(out, fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue(), MIME[fmt], pixels.size
