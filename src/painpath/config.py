"""Runtime settings, read from PAINPATH_* environment variables (and an optional .env file)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The development secret. A production server refuses to start while it is in use.
DEFAULT_SECRET_KEY = "painpath-development-secret-change-me"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class InsecureConfigurationError(RuntimeError):
    """The settings are not safe for the chosen environment."""


def default_database_url() -> str:
    data_dir = Path(user_data_dir("painpath", appauthor=False))
    return f"sqlite:///{data_dir / 'painpath.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAINPATH_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    # development, test or production; production turns on the safety checks below.
    environment: Environment = Environment.development
    # SQLAlchemy URL: sqlite:///path (embedded default) or postgresql+psycopg://user:pw@host/db.
    database_url: str = Field(default_factory=default_database_url)
    # Signs session cookies and CSRF tokens. Must be set (>= 32 characters) in production.
    secret_key: str = DEFAULT_SECRET_KEY
    # Send cookies only over HTTPS; on by default in production.
    secure_cookies: bool = False
    # Lifetime of a browser session, in minutes.
    session_minutes: int = 8 * 60
    # Lifetime of an API bearer token issued by POST /api/auth/token, in minutes.
    token_minutes: int = 60
    # Failed logins allowed per username (and per client address) within login_window_seconds.
    login_max_failures: int = 5
    login_window_seconds: int = 300
    # Largest request body the API accepts, in bytes (uploads have their own limit).
    max_body_bytes: int = 1_000_000
    # Largest file upload (a patient's VCF/BCF), in bytes; streamed to a temporary file on disk.
    max_upload_bytes: int = 200_000_000
    # Directory uploads are spooled to (each in its own private subdirectory, removed after the
    # request); the system temporary directory when unset.
    upload_dir: Path | None = None
    # What reading one uploaded or imported file may cost (VCF/BCF, wearable exports; API and
    # CLI alike): bytes after decompression, the longest line (VCF, NDJSON; an XML stretch
    # before an element completes), VCF `##` header lines and header bytes, a JSON document or
    # zip member read whole, and members of a zip. Passing one answers 413 naming it.
    max_decompressed_bytes: int = Field(default=8 * 1024**3, ge=1)
    max_line_bytes: int = Field(default=4 * 1024**2, ge=1024)
    max_header_lines: int = Field(default=100_000, ge=10)
    max_header_bytes: int = Field(default=16 * 1024**2, ge=1024)
    max_json_bytes: int = Field(default=8 * 1024**2, ge=1024)
    max_zip_members: int = Field(default=100_000, ge=1)
    # CDS Hooks clients (EHRs) allowed to call /cds-services: issuer → its JWKS URL, or the JWKS
    # itself as inline JSON. A client whose JWT names another issuer is refused.
    cds_allowed_issuers: dict[str, str] = Field(default_factory=dict)
    # Expected `aud` of CDS client JWTs; when unset, the URL of the service being called.
    cds_audience: str | None = None
    # Snooze length in days per CDS override-reason code; other reasons snooze for "default".
    cds_snooze_days: dict[str, int] = Field(
        default_factory=lambda: {"default": 90, "snooze-1-week": 7, "snooze-1-month": 30}
    )
    # Seconds to wait for an EHR FHIR server (CDS prefetch, JWKS) before giving up.
    cds_fhir_timeout_seconds: float = 5.0
    # Public address of this server, for links in CDS cards (e.g. https://painpath.example).
    public_base_url: str | None = None
    # Host and port for `painpath serve`.
    host: str = "127.0.0.1"
    port: int = 8000
    # Anonymous denials (no or a bad token, failed logins, CSRF refusals) written as one audit
    # row each, per minute: per client address, and in all; the rest become summary rows.
    audit_anonymous_denials_per_address: int = Field(default=30, ge=1)
    audit_anonymous_denials_per_minute: int = Field(default=600, ge=1)
    # Strict-Transport-Security max-age in seconds, sent on HTTPS requests (on every response
    # when public_base_url is https://, as behind a TLS proxy); 0 sends none.
    hsts_seconds: int = Field(default=31_536_000, ge=0)

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, url: str) -> str:
        """Accept postgres:// and postgresql:// and use psycopg 3 for both."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    def check_safe_for_production(self) -> None:
        """Raise InsecureConfigurationError when production runs with development defaults."""
        if self.environment is not Environment.production:
            return
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            raise InsecureConfigurationError(
                "PAINPATH_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (the development default is refused)."
            )

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.environment is Environment.production


@lru_cache
def get_settings() -> Settings:
    return Settings()
