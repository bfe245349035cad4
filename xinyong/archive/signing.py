"""The platform's report signature: Ed25519 over the SHA-256 of a report's canonical content.

The private key is derived from ``XINYONG_SECRET_KEY`` (HKDF), so a deployment has one
secret to keep and a restart keeps the same key; the public key is shown on the
verification page so anyone can check a signature without asking the platform.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_INFO = b"xinyong report signing key v1"


def canonical(content: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    """SHA-256 of the canonical text, hex."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Signer:
    """Signs and checks report digests with the platform key."""

    private_key: Ed25519PrivateKey

    @classmethod
    def from_secret(cls, secret: str) -> Signer:
        """The key derived from the platform secret."""
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(
            secret.encode()
        )
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public_key(self) -> str:
        """The raw public key, hex (published on the verification page)."""
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return raw.hex()

    @property
    def key_id(self) -> str:
        """A short name for the key: the first 16 hex digits of its SHA-256."""
        return hashlib.sha256(bytes.fromhex(self.public_key)).hexdigest()[:16]

    def sign(self, hex_digest: str) -> str:
        """The signature of a digest, hex."""
        return self.private_key.sign(bytes.fromhex(hex_digest)).hex()

    def verify(self, hex_digest: str, signature: str) -> bool:
        """Whether ``signature`` is this key's signature of ``hex_digest``."""
        public: Ed25519PublicKey = self.private_key.public_key()
        try:
            public.verify(bytes.fromhex(signature), bytes.fromhex(hex_digest))
        except (InvalidSignature, ValueError):
            return False
        return True
