"""S3: the uploads bucket."""

from __future__ import annotations

from chalicelib.adapters.aws import client
from chalicelib.config import settings


def bucket_answers() -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("s3").head_bucket(Bucket=settings().bucket)
    except (ClientError, BotoCoreError):
        return False
    return True
