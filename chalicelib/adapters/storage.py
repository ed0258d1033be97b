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


def put_object(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=settings().bucket, Key=key, Body=body, ContentType=content_type)


def presigned_get(key: str, expires: int = 900, filename: str | None = None) -> str:
    """A short-lived download link (SigV4)."""
    params: dict[str, str] = {"Bucket": settings().bucket, "Key": key}
    if filename:
        from urllib.parse import quote

        params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires))
