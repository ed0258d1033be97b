"""Create the tables (local stack and tests); in the cloud, infra/template.json does it."""

from __future__ import annotations

from chalicelib.db.models import ALL_MODELS


def create_tables() -> None:
    """Idempotent: an existing table is left as it is."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")


def tables_answer() -> bool:
    from pynamodb.exceptions import PynamoDBException

    try:
        return all(model.exists() for model in ALL_MODELS)
    except PynamoDBException:
        return False
