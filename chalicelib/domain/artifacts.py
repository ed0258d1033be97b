"""Artifact rules: kinds and when each may be written, the rich-text allow-list, the length.

- A reflection (心得体会) or insight (学习感悟) from the batch's first day on.
- An outcome (学习成果) only after the batch ends, within the programme's outcome window
  (three months by default): the seed's 研修结束三个月内.
- Title 1–100 characters; body sanitised to the allow-list below, then at most 10,000
  characters of text (the seed's 10000字符: characters, not bytes or words).
- Images: `<img src="upload:<upload_id>">`, only the author's own uploads that passed the
  image check; any other src is dropped.
- Deleting hides an artifact from every list; the office can restore it for 30 days.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.errors import ConflictError, PayloadTooLargeError, ValidationFailedError, problem

KINDS = ("reflection", "insight", "outcome")
KIND_NAMES_ZH = {"reflection": "心得体会", "insight": "学习感悟", "outcome": "学习成果"}
# A featured artifact that its author changes leaves the showcase until the office features
# it again: the public sees only what the office has read. The author is told so.
UNFEATURED_NOTICE = "该内容已修改，已暂停在优秀成果展示中展示，待中心实验区管理办公室重新审核后再展示"
MAX_TEXT = 10_000
# The stored HTML, markup included: sanitising escapes (each "&" in a link becomes "&amp;"), so
# a request well under the body limit could grow past DynamoDB's 400 KB item. 10,000 Chinese
# characters are ~30 KB; the rest is room for ordinary formatting.
MAX_HTML_BYTES = 120_000
RESTORE_DAYS = 30
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# The presigned POST is good for UPLOAD_WINDOW; an upload whose object has not landed well
# after that never will, and is settled as rejected ("expired") rather than left pending.
UPLOAD_WINDOW = timedelta(minutes=5)
UPLOAD_ABANDONED = timedelta(minutes=15)
MAX_IMAGE_PIXELS = 40_000_000  # ~6300 x 6300: any photo a phone takes, far from a bomb

TAGS = {
    "p",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "img",
    "blockquote",
}
# "*": nothing on every tag (ammonia would otherwise keep lang and title everywhere).
ATTRIBUTES: dict[str, set[str]] = {"*": set(), "a": {"href", "title"}, "img": {"src", "alt"}}
LINK_SCHEMES = {"http", "https", "mailto"}
_UPLOAD_SRC = re.compile(r"upload:([0-9a-f]{32})")
_TAG = re.compile(r"<[^>]*>")


def sanitize(body: str, own_images: set[str]) -> str:
    """The body reduced to the allow-list: scripts, styles, event handlers and javascript:
    links are removed (never stored); an img keeps its src only for the author's images."""
    import nh3

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            found = _UPLOAD_SRC.fullmatch(value)
            return value if found and found.group(1) in own_images else None
        if attribute == "href" and value.lower().startswith("upload:"):
            return None
        return value

    def clean(html_in: str) -> str:
        return nh3.clean(
            html_in,
            tags=TAGS,
            clean_content_tags={"script", "style"},
            attributes=ATTRIBUTES,
            attribute_filter=keep,
            url_schemes=LINK_SCHEMES | {"upload"},
            link_rel="noopener noreferrer nofollow",
        )

    # Twice: removing a disallowed tag can leave nesting the parser never builds (<p><p>),
    # which the next parse splits; the second pass is a fixed point, so what is stored is
    # what any later sanitising (an edit, the yearbook) would produce.
    return clean(clean(body))


# A showcase page is at most this many bytes as JSON: under API Gateway's 6 MB answer, with
# room to spare for the envelope. An image adds its short-lived URL twice (in the body and in
# `images`); a presigned SigV4 URL is under SIGNED_URL_BYTES.
SHOWCASE_PAGE_BYTES = 5_000_000
SIGNED_URL_BYTES = 1_500


def shown_bytes(a: Any) -> int:
    """An upper bound of an artifact's size in a showcase answer: its text as JSON, twice
    (the answer's JSON goes into API Gateway's proxy answer as a JSON string, which escapes
    every quote and backslash again), its images' links, and room for the other fields."""
    text = json.dumps([a.body, a.title, a.author_name, a.region_name], ensure_ascii=False)
    # The proxy answer is ASCII JSON: each Chinese character is \uXXXX, each quote \"
    return len(json.dumps(text)) + len(a.image_ids) * 2 * SIGNED_URL_BYTES + 500


def text_length(clean_html: str) -> int:
    return len(html.unescape(_TAG.sub("", clean_html)))


def check_body(clean_html: str) -> None:
    if text_length(clean_html) > MAX_TEXT:
        raise ValidationFailedError(fields={"body": problem("body_too_long", limit=MAX_TEXT)})
    if len(clean_html.encode()) > MAX_HTML_BYTES:
        raise ValidationFailedError(fields={"body": problem("body_markup_too_large")})


def check_can_write(kind: str, today: date, start: date, end: date, window_days: int) -> None:
    if kind == "outcome":
        if not end < today <= end + timedelta(days=window_days):
            raise ConflictError("outcome_window_closed")
    elif today < start:
        raise ConflictError("batch_not_started")


def check_restorable(deleted_at: datetime | None, now: datetime) -> None:
    if deleted_at is None:
        raise ConflictError("not_deleted")
    if now - deleted_at > timedelta(days=RESTORE_DAYS):
        raise ConflictError("restore_window_closed")


def check_image(content_type: str, size: int) -> None:
    if content_type not in IMAGE_TYPES:
        raise ValidationFailedError(fields={"content_type": problem("image_type")})
    if size > MAX_IMAGE_BYTES:
        raise PayloadTooLargeError("upload_too_large")
