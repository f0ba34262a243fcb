"""EnOS APIM access tokens and the record of used token-request encryptions."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Optional


@dataclasses.dataclass
class TokenRecord:
    """An issued token of one app."""

    app_key: str
    expires_at: float


class TokenStore:
    """Issued tokens (never exposed through controls or logs)."""

    def __init__(self) -> None:
        self.tokens: dict[str, TokenRecord] = {}
        self.current: dict[str, str] = {}
        self.used_encryptions: set[str] = set()

    def claim_encryption(self, encryption: str) -> bool:
        """Record an encryption value; False when it was used before (replay)."""
        if encryption in self.used_encryptions:
            return False
        self.used_encryptions.add(encryption)
        return True

    def get_or_issue(self, app_key: str, ttl: int, now: float) -> tuple[str, int]:
        """The app's unexpired token with its remaining seconds, or a new one."""
        token = self.current.get(app_key)
        record = self.tokens.get(token) if token else None
        if token and record and record.expires_at - now >= 1:
            return token, int(record.expires_at - now)
        return self.issue(app_key, ttl, now), ttl

    def issue(self, app_key: str, ttl: int, now: float) -> str:
        """A new token (older tokens stay valid until they expire)."""
        token = "APIM" + secrets.token_hex(20)
        self.tokens[token] = TokenRecord(app_key=app_key, expires_at=now + ttl)
        self.current[app_key] = token
        return token

    def lookup(self, token: str) -> Optional[TokenRecord]:
        """The record of a token, or None when unknown."""
        return self.tokens.get(token)

    def expire_all(self, now: float) -> int:
        """Make every issued token expired; return how many."""
        for record in self.tokens.values():
            record.expires_at = min(record.expires_at, now)
        return len(self.tokens)
