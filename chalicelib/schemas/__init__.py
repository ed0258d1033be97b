"""pydantic request and response models: the contract and the OpenAPI document's source."""
