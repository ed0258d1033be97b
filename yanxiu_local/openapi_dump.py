"""Write the service's OpenAPI document (`chalicelib.api.openapi.document()`) to a file, with no
server: `make web-types` turns it into web/src/api/schema.d.ts, and `make test` checks that
both committed files still match the code."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("用法：python -m yanxiu_local.openapi_dump OUTPUT.json")
    import app  # noqa: F401 - registers every blueprint, and with them every route
    from chalicelib.api.openapi import document

    text = json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    Path(args[0]).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
