"""The yearbook's .docx (adapters/document.py), built without AWS."""

from __future__ import annotations

import io

import pytest
from docx import Document
from PIL import Image

from chalicelib.adapters.document import Entry, Section, build_yearbook

pytestmark = pytest.mark.unit


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def test_every_allowed_image_type_is_in_the_book_and_the_toc_fills_on_opening() -> None:
    # Given one outcome per allowed image type (WebP is one Word itself cannot take)
    images = {fmt.lower(): _image(fmt) for fmt in ("PNG", "JPEG", "GIF", "WEBP")}
    entries = [Entry(f"成果{fmt}", "作者", f'<p>正文</p><img src="upload:{fmt}">') for fmt in images]
    # When the book is built
    data = build_yearbook("汇编", "2026", [Section("小学", [("基地", entries)])], images.get)
    # Then it opens, holds all four pictures and no placeholder, and asks Word to update its fields
    book = Document(io.BytesIO(data))
    assert len(book.inline_shapes) == 4
    assert not any("图片无法嵌入" in p.text for p in book.paragraphs)
    assert book.settings.element.xpath("./w:updateFields[@w:val='true']")
