"""SMS through SNS and e-mail through SES. Callers go through the notifications outbox
(services/notify.py), never straight here, so a failed send is retried, not lost."""

from __future__ import annotations

from chalicelib.adapters.aws import client
from chalicelib.config import settings


class DeliveryError(Exception):
    """SNS or SES refused or failed; `reason` is safe to store (no personal data)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def _reason(exc: Exception) -> tuple[str, bool]:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        permanent = code in {"InvalidParameter", "InvalidParameterValue", "MessageRejected"}
        return code, permanent
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__, False
    raise exc


def send_sms(phone: str, text: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("sns").publish(
            PhoneNumber="+86" + phone,
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
    except (ClientError, BotoCoreError) as exc:
        reason, permanent = _reason(exc)
        raise DeliveryError(reason, permanent) from exc


def send_email(address: str, subject: str, text: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("ses").send_email(
            Source=settings().mail_from,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        reason, permanent = _reason(exc)
        raise DeliveryError(reason, permanent) from exc
