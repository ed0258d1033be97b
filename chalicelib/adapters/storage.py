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


def presigned_post(key: str, content_type: str, max_bytes: int, expires: int = 300) -> dict[str, object]:
    """A browser upload straight to S3. Only a POST policy can bound the size: S3 itself
    refuses a file over `max_bytes` or of another content type."""
    return dict(
        client("s3").generate_presigned_post(
            Bucket=settings().bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires,
        )
    )


def read(key: str, max_bytes: int) -> bytes | None:
    """The object's bytes (None if absent); never more than max_bytes + 1 are read."""
    from botocore.exceptions import ClientError

    try:
        response = client("s3").get_object(Bucket=settings().bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return bytes(response["Body"].read(max_bytes + 1))


def copy(key: str, new_key: str) -> None:
    client("s3").copy_object(
        Bucket=settings().bucket, Key=new_key, CopySource={"Bucket": settings().bucket, "Key": key}
    )


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=settings().bucket, Key=key)
