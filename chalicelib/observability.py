"""One Logger and one Metrics for the whole service.

Personal data (phone, password, token, ID number, e-mail) is never passed to a log call; the
log-capture test in tests/integration/test_logs.py holds us to it.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="yanxiu")
metrics = Metrics(namespace="yanxiu", service="yanxiu")


def flush_metrics() -> None:
    # Only flush when something was recorded: an empty flush only warns.
    if metrics.metric_set:
        metrics.flush_metrics()
