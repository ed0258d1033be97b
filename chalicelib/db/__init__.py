"""The data layer: PynamoDB models and repository functions. The only pynamodb importer."""
