"""Print the figures: cold import, DynamoDB calls per request, latency against raw moto, the
demand routes' DynamoDB calls, the allocation solver's time and its optimum against networkx,
the roster routes' and the archive's DynamoDB calls, the artifact routes' calls and the
yearbook's build time, the reminder job's and the evaluation's calls, reads and time, the 国培
import (calamine against openpyxl, calls per 1,000 rows, peak memory), the 国培 workshops'
grading page and survey results for 340 trainees, the web client's first load and time to
an interactive login page, the built package's sizes and cold import, and a national
programme's model (the reminders' fan-out, the evaluation's calls), and its office reads
measured on DynamoDB Local."""

from __future__ import annotations

import time

from bench import env

env.apply()  # before chalicelib (settings are read once) and before any botocore session

from bench import (  # noqa: E402
    allocation,
    artifacts,
    calls,
    demand,
    enrolment,
    imports,
    national,
    package,
    reminders,
    rosters,
    routes,
    scale,
    web,
    workshops,
)
from bench.table import Row, render  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    recorder = calls.install()
    reminders.install()  # items read, from botocore's after-call event: before any session too
    rows: list[Row] = imports.measure()
    count_rows, latency_rows = routes.measure(recorder)
    demand_rows = demand.measure(recorder)
    allocation_rows = allocation.measure()
    roster_rows = rosters.measure(recorder)
    artifact_rows = artifacts.measure(recorder)
    reminder_rows = reminders.measure(recorder)
    enrolment_rows = enrolment.measure(recorder)
    scale_rows = scale.measure(recorder)
    national_rows = national.measure(recorder)
    workshop_rows = workshops.measure(recorder)
    web_rows = web.measure()
    package_rows = package.measure()
    print(
        render(
            rows
            + count_rows
            + latency_rows
            + demand_rows
            + allocation_rows
            + roster_rows
            + artifact_rows
            + reminder_rows
            + enrolment_rows
            + workshop_rows
            + web_rows
            + package_rows
            + scale_rows
            + national_rows
        )
    )
    print(f"\n(no figure is pass/fail; see bench/README.md)  took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
