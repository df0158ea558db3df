"""Settings read from the environment (``FACTURO_*``), one object for every surface."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTURO_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where the SQLite file and archives live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file inside data_dir."
    )
    timezone: str = "America/Guatemala"
    currency: str = "GTQ"
    locale: str = "es_GT"
    auto_migrate: bool = True
    sql_echo: bool = False
    warm_caches: bool = Field(
        default=False, description="Fill the dashboard's memo in the background at start (facturo serve does)."
    )
    allow_reset: bool = Field(default=False, description="Allow wiping usage data (demo and classroom installs only).")
    max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest request body, in bytes, everywhere uploads are not expected."
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, gt=0, description="Largest request body, in bytes, on the routes that upload files."
    )
    db_pool_size: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Database connections per process (a fixed pool); the API admits as many units of work at once.",
    )
    statement_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="PostgreSQL only: longest single SQL statement of a web request (API and pages), in "
        "milliseconds; 0 means none. The command line and jobs never have one.",
    )

    reception_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Worker threads inside `facturo serve` that validate and index received documents; 0 leaves "
        "them to `facturo reception work` processes.",
    )
    reception_lease_seconds: int = Field(
        default=120,
        ge=1,
        le=3600,
        description="How long a worker holds the documents it claimed; a worker that died is taken over after this.",
    )
    audit_restart_threshold: int = Field(
        default=10_000,
        ge=1,
        le=10**12,
        description="Sequence audit: a gap whose sides are more than this many numbers apart is flagged as a "
        "suspected restart of the issuer's numbering instead of counting its missing numbers (docs/audit-gaps.md).",
    )
    fel_trusted_certificates: Path | None = Field(
        default=None,
        description="A PEM file (or a folder of .pem/.crt/.cer files) with the FEL certifiers' certificates: when set, "
        "received DTE signatures are verified cryptographically and a failure rejects the document.",
    )

    en16931_xslt: Path | None = Field(
        default=None,
        description="The official EN 16931 UBL rules (compiled Schematron XSLT) on this disk: received UBL "
        "documents are also judged by it (needs saxonche), and its verdict replaces the native one on the "
        "EN 16931 rules.",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'facturo.sqlite3').resolve()}"

    @property
    def archive_dir(self) -> Path:
        """Where received originals are archived, content-addressed (kit.archive)."""
        return self.data_dir / "archive"

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
