"""Print the figures: cold import, DynamoDB calls per request, latency against raw moto."""

from __future__ import annotations

import time

from bench import env

env.apply()  # before chalicelib (settings are read once) and before any botocore session

from bench import calls, imports, routes  # noqa: E402
from bench.table import Row, render  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    recorder = calls.install()
    rows: list[Row] = imports.measure()
    count_rows, latency_rows = routes.measure(recorder)
    print(render(rows + count_rows + latency_rows))
    print(f"\n(no figure is pass/fail; see bench/README.md)  took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
