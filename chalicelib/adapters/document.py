"""The yearbook as .docx (python-docx, imported only when a yearbook is built).

Bodies are the stored, sanitised HTML: block tags become paragraphs, headings and list
items, `<img src="upload:<id>">` becomes the picture (fetched through `image`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from chalicelib.adapters.xml_text import safe_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Entry:
    title: str
    byline: str
    body: str


@dataclass(frozen=True)
class Section:
    heading: str
    subsections: Sequence[tuple[str, Sequence[Entry]]]


class _Blocks(HTMLParser):
    """Sanitised HTML -> [(kind, text | image id)], kind in p, h, li, img."""

    BLOCKS = {"p": "p", "h1": "h", "h2": "h", "h3": "h", "h4": "h", "li": "li", "blockquote": "p"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []
        self._kind = "p"
        self._text: list[str] = []

    def _flush(self) -> None:
        text = safe_text("".join(self._text)).strip()
        if text:
            self.out.append((self._kind, text))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()
            self._kind = self.BLOCKS[tag]
        elif tag == "br":
            self._text.append("\n")
        elif tag == "img":
            src = dict(attrs).get("src") or ""
            if src.startswith("upload:"):
                self._flush()
                self.out.append(("img", src.removeprefix("upload:")))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._flush()
            self._kind = "p"

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def blocks(body: str) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(body)
    parser.close()
    return parser.out


def _toc(document: object) -> None:
    """A Word table-of-contents field (Word fills it in on opening: 更新域)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, 'TOC \\o "1-3" \\h \\z \\u'),
        ("separate", None),
        (None, "（在 Word 中右键“更新域”以生成目录）"),
        ("end", None),
    ):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text and text.startswith("TOC"):
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _word_image(data: bytes) -> bytes:
    """Word takes PNG, JPEG and GIF but not WebP (an allowed upload): WebP goes in as PNG."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        from PIL import Image

        out = io.BytesIO()
        Image.open(io.BytesIO(data), formats=["WEBP"]).save(out, "PNG")
        return out.getvalue()
    return data


def _update_fields_on_open(document: object) -> None:
    """Ask Word to fill the table of contents when the file is opened, not on a right-click."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)  # type: ignore[attr-defined]


def build_yearbook(
    title: str, subtitle: str, sections: Sequence[Section], image: Callable[[str], bytes | None]
) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    document = Document()
    _update_fields_on_open(document)
    cover = document.add_paragraph()
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(8):
        cover.add_run().add_break()
    run = cover.add_run(safe_text(title))
    run.bold, run.font.size = True, Pt(26)
    sub = document.add_paragraph(safe_text(subtitle))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("目录", level=1)
    _toc(document)
    for section in sections:
        document.add_page_break()
        document.add_heading(safe_text(section.heading), level=1)
        for sub_heading, entries in section.subsections:
            document.add_heading(safe_text(sub_heading), level=2)
            for entry in entries:
                document.add_heading(safe_text(entry.title), level=3)
                document.add_paragraph().add_run(safe_text(entry.byline)).italic = True
                for kind, value in blocks(entry.body):
                    if kind == "img":
                        data = image(value)
                        if data:
                            try:
                                document.add_picture(io.BytesIO(_word_image(data)), width=Cm(12))
                            except Exception:  # noqa: BLE001 - a picture Word cannot take is left out, not the book
                                document.add_paragraph("［图片无法嵌入］")
                    elif kind == "h":
                        document.add_paragraph(value).runs[0].bold = True
                    elif kind == "li":
                        document.add_paragraph(value, style="List Bullet")
                    else:
                        document.add_paragraph(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
