"""Create the tables (local stack and tests); in the cloud, infra/template.json does it."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.db.common import connection
from chalicelib.db.models import ALL_MODELS


def ttl_attribute(model: type[Model]) -> str | None:
    """The model's TTL attribute's name (PynamoDB allows one), or None."""
    found = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return found[0] if found else None


def _existing() -> set[str]:
    names: set[str] = set()
    start: str | None = None
    while True:
        page: dict[str, Any] = connection().list_tables(exclusive_start_table_name=start)
        names.update(page.get("TableNames", []))
        start = page.get("LastEvaluatedTableName")
        if not start:
            return names


def create_tables() -> None:
    """Idempotent: an existing table is left as it is. TTL is turned on where the model has a
    TTL attribute, as infra/template.json does. One listing, then one call per missing table
    (and its TTL): moto and DynamoDB Local make a table ACTIVE at once, so nothing waits
    (every integration test provisions afresh: this is most of a test's set-up)."""
    existing = _existing()
    for model in ALL_MODELS:
        if model.Meta.table_name in existing:
            continue
        schema = model._get_schema()
        model._get_connection().create_table(
            attribute_definitions=schema["attribute_definitions"],
            key_schema=schema["key_schema"],
            global_secondary_indexes=schema["global_secondary_indexes"],
            local_secondary_indexes=schema["local_secondary_indexes"],
            billing_mode="PAY_PER_REQUEST",
        )
        model.update_ttl(ignore_update_ttl_errors=False)


def tables_answer() -> bool:
    from pynamodb.exceptions import PynamoDBException

    try:
        return all(model.exists() for model in ALL_MODELS)
    except PynamoDBException:
        return False
