"""The image check of uploads (adapters/images.py): what comes out is a clean, upright image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.adapters.images import ImageRejected, clean

pytestmark = pytest.mark.unit


def _jpeg(width: int, height: int, orientation: int | None = None, gps: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (23.0, 7.0, 0.0)}  # GPSInfo: a place on a map
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_exif_is_gone_and_a_sideways_photo_is_turned_upright() -> None:
    # Given a phone's portrait photo: pixels stored 40 x 20, EXIF says "rotate 90°", and GPS
    data = _jpeg(40, 20, orientation=6, gps=True)
    assert Image.open(io.BytesIO(data)).getexif()
    # When it is cleaned
    out, content_type, size = clean(data)
    # Then it is upright (20 x 40) and carries no EXIF at all
    stored = Image.open(io.BytesIO(out))
    assert content_type == "image/jpeg" and size == (20, 40) and stored.size == (20, 40)
    assert not stored.getexif() and "exif" not in stored.info


def test_an_upright_photo_keeps_its_shape() -> None:
    out, _, size = clean(_jpeg(40, 20))
    assert size == (40, 20)


@pytest.mark.parametrize("data", [b"GIF89a not really", b"%PDF-1.4", b"<svg onload=alert(1)>"])
def test_what_is_not_an_allowed_image_is_refused(data: bytes) -> None:
    with pytest.raises(ImageRejected):
        clean(data)
