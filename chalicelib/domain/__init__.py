"""The rules, in plain Python: no boto3, pynamodb or chalice imports here."""
