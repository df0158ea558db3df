"""Access-control settings (``FACTURO_*``), kept beside the code that uses them."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SIGNING_KEY_FILE = "jwt-secret"
MIN_SECRET_LENGTH = 32


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTURO_", extra="ignore")

    # Same variable and default as kit.config's, read here so auth does not depend on that cache.
    data_dir: Path = Path("./var")
    jwt_secret: str | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        description="HS256 signing key. Unset: a random key kept in <data_dir>/jwt-secret (mode 0600).",
    )
    jwt_previous_secrets: str = Field(
        default="", description="Comma-separated retired keys, still accepted for decoding during a rotation."
    )
    jwt_issuer: str = "facturo"
    jwt_audience: str = "facturo-api"
    access_ttl_minutes: int = Field(default=15, ge=1)
    refresh_ttl_days: int = Field(default=14, ge=1)
    # Login limits (auth.throttle; docs/security.md "Login limits").
    login_max_failures: int = Field(
        default=5, ge=1, description="Free failures for one account from one address before backoff."
    )
    login_backoff_seconds: int = Field(default=60, ge=1, description="First wait; it doubles with each failure.")
    login_max_delay_minutes: int = Field(default=15, ge=1, description="The longest single wait.")
    login_account_ceiling: int = Field(
        default=20,
        ge=1,
        description="Failures on one account from all addresses after which every address gets one free failure.",
    )
    login_address_max_failures: int = Field(
        default=20, ge=1, description="Free failures from one address over all accounts before backoff."
    )
    login_window_minutes: int = Field(
        default=60, ge=1, description="Failures are forgotten this many minutes after the last one."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For is "
        "believed. Empty: the direct peer is the client.",
    )

    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def signing_key(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret
        return persisted_secret(self.data_dir.resolve())

    def verification_keys(self) -> list[str]:
        """The signing key first, then retired ones: tokens issued before a rotation stay valid
        until they expire instead of logging everyone out at once."""
        previous = [k.strip() for k in self.jwt_previous_secrets.split(",") if k.strip()]
        return [self.signing_key(), *previous]


@lru_cache(maxsize=8)
def persisted_secret(data_dir: Path) -> str:
    """A random key created on first use, so a fresh install is secure without configuration and
    a restart does not invalidate sessions."""
    path = data_dir / SIGNING_KEY_FILE
    if path.exists():
        return _read_key(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole to a private temporary file (mode 0600 from creation, never world-readable)
    # and then hard-linked into place: the link fails if another process won the race, and then
    # everyone uses the winner's key.
    tmp = data_dir / f".{SIGNING_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(64))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{path} holds a signing key shorter than {MIN_SECRET_LENGTH} characters")
    return key


@lru_cache(maxsize=1)
def get_auth_settings() -> AuthSettings:
    return AuthSettings()
