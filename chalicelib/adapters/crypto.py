"""Field-level encryption with a KMS key (envelope encryption), and keyed digests (HMAC) for
what must be found or compared without being readable: reset codes, blind indexes.

A sealed value is "sealed:v1:<the data key, encrypted by KMS>:<nonce + AES-256-GCM ciphertext>"
(base64). The data key is asked of KMS once per container (GenerateDataKey) and kept in
memory; opening a value asks KMS to decrypt its data key once per distinct key (cached), so a
page of sealed values costs one KMS call, not one each. The encryption context binds a value
to its purpose: an SMS's sealed text does not open as an ID number.

KMS is moto's locally (the local stack creates the key); in the cloud, infra/template.json's
key, with rotation on. The HMAC key is a Secrets Manager secret (infra/template.json generates
it; the local stack makes a random one), read once per container."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from chalicelib.adapters.aws import client, on_reset
from chalicelib.config import settings

PREFIX = "sealed:v1:"


@lru_cache(maxsize=8)
def _data_key(purpose: str) -> tuple[bytes, bytes]:
    """(plaintext key, KMS-encrypted key) for this container's sealing of `purpose`."""
    answer = client("kms").generate_data_key(
        KeyId=settings().kms_key, KeySpec="AES_256", EncryptionContext={"purpose": purpose}
    )
    return bytes(answer["Plaintext"]), bytes(answer["CiphertextBlob"])


@lru_cache(maxsize=256)
def _open_key(encrypted_key: bytes, purpose: str) -> bytes:
    answer = client("kms").decrypt(CiphertextBlob=encrypted_key, EncryptionContext={"purpose": purpose})
    return bytes(answer["Plaintext"])


@lru_cache(maxsize=1)
def _hmac_key() -> bytes:
    secret = client("secretsmanager").get_secret_value(SecretId=settings().hmac_secret)["SecretString"]
    return str(secret).encode()


def keyed_digest(purpose: str, value: str | bytes) -> str:
    """HMAC-SHA256 of `value` under the service's secret key, bound to `purpose`: whoever
    reads the table cannot test guesses against it without the key."""
    data = value if isinstance(value, bytes) else value.encode()
    return hmac.new(_hmac_key(), purpose.encode() + b":" + data, hashlib.sha256).hexdigest()


def digests_match(purpose: str, value: str, stored: str) -> bool:
    return hmac.compare_digest(keyed_digest(purpose, value), stored)


def forget_keys() -> None:
    """Tests start a new KMS (and Secrets Manager) for each test."""
    _data_key.cache_clear()
    _open_key.cache_clear()
    _hmac_key.cache_clear()


on_reset(forget_keys)


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


def seal(plaintext: str, purpose: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, encrypted_key = _data_key(purpose)
    nonce = os.urandom(12)
    box = AESGCM(key).encrypt(nonce, plaintext.encode(), purpose.encode())
    b64 = base64.b64encode
    return f"{PREFIX}{b64(encrypted_key).decode()}:{b64(nonce + box).decode()}"


def open_sealed(value: str, purpose: str) -> str:
    """The plaintext of a sealed value (a value that is not sealed is returned as it is)."""
    if not is_sealed(value):
        return value
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    encrypted_key, box = (base64.b64decode(part) for part in value.removeprefix(PREFIX).split(":", 1))
    key = _open_key(encrypted_key, purpose)
    return AESGCM(key).decrypt(box[:12], box[12:], purpose.encode()).decode()
