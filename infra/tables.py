"""Write the DynamoDB tables of infra/template.json from chalicelib/db/models.py: keys,
attribute definitions, indexes (projection ALL) and TTL as the models declare them. Other
properties of a table already in the template stay as they are. `make infra-tables` runs it;
tests/unit/test_infra_agrees.py fails when the two disagree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.config import settings
from chalicelib.db.bootstrap import ttl_attribute
from chalicelib.db.models import ALL_MODELS

TEMPLATE = Path(__file__).resolve().parent / "template.json"


def _logical(table: str) -> str:
    return "".join(part.capitalize() for part in table.split("_")) + "Table"


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    """HASH then RANGE (CloudFormation's order), whatever order PynamoDB lists them in."""
    ordered = sorted(keys, key=lambda k: k["KeyType"] != "HASH")
    return [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in ordered]


def table(model: Any, name: str, existing: dict[str, Any] | None) -> dict[str, Any]:
    schema = model._get_schema()
    props: dict[str, Any] = dict((existing or {}).get("Properties", {}))
    props.update(
        {
            "TableName": {"Fn::Sub": f"yanxiu-${{Stage}}-{name}"},
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                for a in schema["attribute_definitions"]
            ],
            "KeySchema": _key_schema(schema["key_schema"]),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
        }
    )
    indexes = [
        {
            "IndexName": g["index_name"],
            "KeySchema": _key_schema(g["key_schema"]),
            "Projection": {"ProjectionType": g["projection"]["ProjectionType"]},
        }
        for g in schema["global_secondary_indexes"]
    ]
    props.pop("GlobalSecondaryIndexes", None)
    if indexes:
        props["GlobalSecondaryIndexes"] = indexes
    props.pop("TimeToLiveSpecification", None)
    if ttl := ttl_attribute(model):
        props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def main() -> None:
    template = json.loads(TEMPLATE.read_text())
    resources = template["Resources"]
    by_table = {t: n for n, t in settings().table_names.items()}
    tables = {}
    for model in ALL_MODELS:
        name = by_table[model.Meta.table_name]
        logical = _logical(name)
        tables[logical] = table(model, name, resources.get(logical))
    # Tables first, in the models' order, then everything else as it was
    others = {k: v for k, v in resources.items() if v.get("Type") != "AWS::DynamoDB::Table"}
    template["Resources"] = {**tables, **others}
    TEMPLATE.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n")
    print(f"infra/template.json: {len(tables)} tables from chalicelib/db/models.py")


if __name__ == "__main__":
    main()
