"""Text bound for an Office file: XML 1.0 refuses some characters outright."""

from __future__ import annotations

import re

# C0 controls but tab and line breaks, lone surrogates, U+FFFE and U+FFFF (openpyxl's
# ILLEGAL_CHARACTERS_RE, and what lxml refuses in a .docx).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_text(value: str) -> str:
    """`value` without the characters XML cannot hold: input refuses them today (schemas),
    but a file built from older rows must not fail on one."""
    return _ILLEGAL.sub("", value)
