"""Create the tables (local stack and tests); in the cloud, infra/template.json does it."""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.db.models import ALL_MODELS


def ttl_attribute(model: type[Model]) -> str | None:
    """The model's TTL attribute's name (PynamoDB allows one), or None."""
    found = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return found[0] if found else None


def create_tables() -> None:
    """Idempotent: an existing table is left as it is. PynamoDB turns TTL on where the model
    has a TTL attribute, as infra/template.json does."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")


def tables_answer() -> bool:
    from pynamodb.exceptions import PynamoDBException

    try:
        return all(model.exists() for model in ALL_MODELS)
    except PynamoDBException:
        return False
