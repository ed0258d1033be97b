"""Use cases: each one runs the domain's rules over what the data layer returns and calls
the adapters. No HTTP here (the api layer) and no DynamoDB calls (the db layer)."""
