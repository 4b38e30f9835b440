"""The stack's secrets provider: AES-256-GCM, keyed per stack, so secrets never reach a file in plaintext.

Ciphertext has the passphrase provider's shape, `v1:<base64 nonce>:<base64 ciphertext>`. The key comes from
`PULUMI_CONFIG_PASSPHRASE` (PBKDF2-SHA256 over a per-stack salt, as pulumi's passphrase provider derives it)
or, without a passphrase, from a random key generated once into the state directory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets as _random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PBKDF2_ITERATIONS = 1_000_000


class SecretsError(Exception):
    """A secret could not be decrypted (wrong passphrase or key file, or tampered ciphertext)."""


class Crypter:
    """Encrypts and decrypts strings with one stack's key."""

    def __init__(self, key: bytes, provider_type: str, provider_state: dict[str, Any]) -> None:
        self._aead = AESGCM(key)
        self.provider_type = provider_type
        self.provider_state = provider_state

    def encrypt(self, plaintext: str) -> str:
        nonce = _random.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"

    def decrypt(self, ciphertext: str) -> str:
        try:
            version, nonce_b64, sealed_b64 = ciphertext.split(":", 2)
            if version != "v1":
                raise ValueError(f"unknown ciphertext version {version!r}")
            return self._aead.decrypt(
                base64.b64decode(nonce_b64), base64.b64decode(sealed_b64), None
            ).decode()
        except Exception as exc:
            raise SecretsError(
                "failed to decrypt a secret: wrong PULUMI_CONFIG_PASSPHRASE or stack key file"
            ) from exc

    def encrypt_value(self, value: Any) -> str:
        """Encrypts a property value (its JSON text, as pulumi does)."""
        return self.encrypt(json.dumps(value, sort_keys=True))

    def decrypt_value(self, ciphertext: str) -> Any:
        return json.loads(self.decrypt(ciphertext))


def load_crypter(state_dir: Path, stack: str, env: Mapping[str, str] | None = None) -> Crypter:
    """The stack's crypter, creating its salt or key file on first use."""
    info_path = state_dir / f"{stack}.secrets.json"
    info: dict[str, Any] = json.loads(info_path.read_text()) if info_path.exists() else {}
    passphrase = (os.environ if env is None else env).get("PULUMI_CONFIG_PASSPHRASE")
    if passphrase is not None:
        salt_b64 = info.get("salt")
        if info.get("type") != "passphrase" or not salt_b64:
            if info.get("type") == "keyfile":
                raise SecretsError(
                    f"stack {stack!r} was created without a passphrase; unset PULUMI_CONFIG_PASSPHRASE"
                )
            salt_b64 = base64.b64encode(_random.token_bytes(16)).decode()
            info = {"type": "passphrase", "salt": salt_b64}
            _write_private(info_path, info)
        key = hashlib.pbkdf2_hmac(
            "sha256", passphrase.encode(), base64.b64decode(salt_b64), PBKDF2_ITERATIONS
        )
        return Crypter(key, "passphrase", {"salt": f"v1:{salt_b64}"})
    if info.get("type") == "passphrase":
        raise SecretsError(f"stack {stack!r} uses a passphrase: set PULUMI_CONFIG_PASSPHRASE")
    if info.get("type") != "keyfile":
        info = {"type": "keyfile", "key": base64.b64encode(_random.token_bytes(32)).decode()}
        _write_private(info_path, info)
    return Crypter(base64.b64decode(info["key"]), "pulumi-local-keyfile", {"keyFile": info_path.name})


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
