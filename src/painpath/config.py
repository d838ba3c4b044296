"""Runtime settings, read from PAINPATH_* environment variables (and an optional .env file)."""

from __future__ import annotations

import ipaddress
import math
import string
from collections import Counter
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Keys that were ever published (painpath's former development default): refused everywhere,
#: because anyone can sign a session cookie with them.
PUBLISHED_SECRET_KEYS = frozenset({"painpath-development-secret-change-me"})
MIN_SECRET_KEY_LENGTH = 32
#: Estimated entropy a configured key must carry in production (character-frequency estimate).
MIN_SECRET_KEY_BITS = 128

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class InsecureConfigurationError(RuntimeError):
    """The settings are not safe for the chosen environment."""


def default_data_dir() -> Path:
    return Path(user_data_dir("painpath", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'painpath.sqlite3'}"


def estimated_entropy_bits(key: str) -> float:
    """Length × the Shannon entropy of the key's own character frequencies.

    An upper bound for a random key and a low number for repetitive ones ("a" × 39 gives 0,
    "ab" × 20 gives 40); it cannot see dictionary words, so it is a floor check, not a proof.
    """
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def _is_periodic(key: str) -> bool:
    """A short unit said again and again ("0123456789" × 4), which frequencies cannot see."""
    return any(
        key == (key[:size] * (len(key) // size + 1))[: len(key)]
        for size in range(1, len(key) // 2 + 1)
    )


def secret_key_problem(key: str) -> str | None:
    """Why `key` is unfit to sign sessions in production, or None when it will do."""
    if key in PUBLISHED_SECRET_KEYS:
        return "it is a published key"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"it is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if estimated_entropy_bits(key) < MIN_SECRET_KEY_BITS or _is_periodic(key):
        return (
            "it is too repetitive to be random (generate one: python -c "
            "'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return None


def check_url_template(template: str, placeholder: str) -> str:
    """Return `template` if usable, else raise ValueError saying why."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ValueError(f"not a valid template: {error}") from error
    if fields != [placeholder]:
        raise ValueError(f"must contain {{{placeholder}}} exactly once and no other placeholder")
    if any(ch.isspace() for ch in template):
        raise ValueError("must not contain spaces")
    parts = urlsplit(template.replace("{" + placeholder + "}", "x"))
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError("must be an https URL (http only for localhost)")
    if not parts.hostname or parts.username or parts.password:
        raise ValueError("must name a host and carry no user name or password")
    return template


class CdsIssuer(BaseModel):
    """One trusted CDS client (an EHR), as `PAINPATH_CDS_ALLOWED_ISSUERS` names it.

    Full form: `{"jwks": URL or inline JWKS, "fhir_servers": [base URL, …],
    "patient_identifier_system": system URI}`. The old form, issuer → JWKS string, is still
    accepted and means: JWTs are verified, but painpath reads nothing from the client's FHIR
    server (the EHR must send the prefetch) and matches no painpath patient (no
    pharmacogenomic cards), because it knows neither where it may send the EHR's token nor
    which identifier system carries painpath's MRN.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The issuer's JWKS: an https URL, or the JWKS itself as inline JSON.
    jwks: str = Field(min_length=1)
    # FHIR base URLs painpath may read prefetch from (with the EHR's token); no others.
    fhir_servers: tuple[str, ...] = ()
    # Identifier system under which the EHR's Patient carries painpath's MRN.
    patient_identifier_system: str | None = None

    @field_validator("fhir_servers")
    @classmethod
    def _absolute_http_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for url in urls:
            scheme, _, rest = url.partition("://")
            host = rest.split("/", 1)[0]
            if scheme not in ("http", "https") or not host or "@" in host or "?" in url:
                raise ValueError(f"{url!r} is not an http(s) FHIR base URL")
            cleaned.append(url.rstrip("/"))
        return tuple(cleaned)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAINPATH_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    # development, test or production; production turns on the safety checks below.
    environment: Environment = Environment.development
    # SQLAlchemy URL: sqlite:///path (embedded default) or postgresql+psycopg://user:pw@host/db.
    database_url: str = Field(default_factory=default_database_url)
    # Directory for painpath's own files: the generated secret key, message attachments
    # (attachments/) and the default database.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Signs session cookies. When unset, a random key is generated once and kept in
    # data_dir/secret_key (mode 0600); production refuses short or repetitive keys.
    secret_key: SecretStr | None = None
    # Send cookies only over HTTPS; on by default in production.
    secure_cookies: bool = False
    # Lifetime of a browser session, in minutes.
    session_minutes: int = 8 * 60
    # Lifetime of an API bearer token issued by POST /api/auth/token, in minutes.
    token_minutes: int = 60
    # Login throttling (see docs/security.md): failed attempts allowed per (username, address)
    # before each further attempt waits, doubling from 1 s up to login_max_delay_seconds; looser
    # ceilings per username (across addresses) and per address (across usernames).
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    login_account_max_failures: int = Field(default=50, ge=1)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    # Proxies whose X-Forwarded-For is believed (IP addresses or CIDR networks, comma-separated).
    # Empty: the header is ignored and the connecting address is the client.
    trusted_proxies: str = ""
    # Staff (clinicians, pharmacists, admins) must enroll TOTP before anything else.
    # Unset: required in production only.
    mfa_required: bool | None = None
    # Sensitive actions (changing a password or MFA, account administration, break-glass) need
    # a password (and second factor) given within this many minutes.
    reauth_minutes: int = Field(default=15, ge=1)
    # Lifetime of a one-time password reset code issued by an administrator.
    reset_code_minutes: int = Field(default=60, ge=1, le=24 * 60)
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
    # Largest file attached to a secure message, in bytes (PDF, PNG or JPEG only). Attachments
    # are kept in data_dir/attachments, each file named by its SHA-256.
    max_attachment_bytes: int = Field(default=10 * 1024**2, ge=1)
    # CDS Hooks clients (EHRs) allowed to call /cds-services: issuer → CdsIssuer (its JWKS, the
    # FHIR servers painpath may read, the MRN identifier system), or the old form issuer → JWKS
    # URL or inline JWKS (verified, but no FHIR reads and no patient matching; see CdsIssuer).
    # A client whose JWT names another issuer is refused.
    cds_allowed_issuers: dict[str, CdsIssuer | str] = Field(default_factory=dict)
    # Expected `aud` of CDS client JWTs, besides `{public_base_url}/cds-services/{id}`. When
    # neither is set, production refuses CDS calls; development and test accept the URL the
    # request was sent to (Host header) and log a warning.
    cds_audience: str | None = None
    # Snooze length in days per CDS override-reason code; other reasons snooze for "default".
    cds_snooze_days: dict[str, int] = Field(
        default_factory=lambda: {"default": 90, "snooze-1-week": 7, "snooze-1-month": 30}
    )
    # Seconds to wait for an EHR FHIR server (CDS prefetch, JWKS) before giving up.
    cds_fhir_timeout_seconds: float = 5.0
    # Hook calls per process that run their CPU and database work at once; the rest wait their
    # turn (not counting the wait for an EHR's FHIR server). More threads than cores only share
    # the process's GIL: a call holding the audit chain's lock then waits behind all of them
    # (bench/README.md, CDS).
    cds_concurrent_calls: int = Field(default=2, ge=1, le=64)
    # Public address of this server, for links in CDS cards (e.g. https://painpath.example).
    public_base_url: str | None = None
    # Guideline profile for care suggestions when a request names none: US (ACP, ACR, AAN,
    # AHS first) or UK (NICE first). Both sides of a disagreement are always shown.
    care_profile: Literal["US", "UK"] = "US"
    # Host and port for `painpath serve`.
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes `painpath serve` starts; each has its own thread and database pools.
    # Production on this project's reference machine (2 cores): 2 (docs/deployment.md).
    workers: int = Field(default=1, ge=1, le=64)
    # Admission control per process: requests handled at once; the rest wait at most
    # queue_timeout_seconds for a slot, then get 503 with Retry-After. /health, static files
    # and the alert streams are not counted. The thread pool and the database pool are sized
    # from it, so an admitted request never waits for a thread while holding a connection.
    # 4, not more: a process runs Python on one core at a time, and more requests at once only
    # make each wait longer for the GIL, the audit chain's lock holder too (issue 15: 16 at once
    # stopped 2 processes near 50 req/s; 4 served 94 req/s of the same mix on 2 cores).
    max_concurrent_requests: int = Field(default=4, ge=1, le=1000)
    queue_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # PostgreSQL: how long each server process gathers committed audit events before one short
    # transaction chains them all (painpath.audit.chaining; issue 15); 0 chains a request's
    # events right after its response. Unset: 250 ms, but 0 in the test environment, so a test
    # finds its requests' events chained when the response comes back. 250 rather than 50: at
    # 100 req/s of the patient API mix on PostgreSQL, 2 processes, the server spent 10.2 and
    # 10.8 ms of CPU per request against 13.1 and 12.8 at 50 ms (bench/README.md, "Audit chain
    # gathering").
    audit_chain_batch_ms: int | None = Field(default=None, ge=0, le=1000)
    # On SIGTERM, seconds to let requests in flight finish before connections are closed.
    shutdown_grace_seconds: float = Field(default=10.0, gt=0, le=300)
    # Anonymous denials (no or a bad token, failed logins, CSRF refusals) written as one audit
    # row each, per minute: per client address, and in all; the rest become summary rows.
    audit_anonymous_denials_per_address: int = Field(default=30, ge=1)
    audit_anonymous_denials_per_minute: int = Field(default=600, ge=1)
    # Strict-Transport-Security max-age in seconds, sent on HTTPS requests (on every response
    # when public_base_url is https://, as behind a TLS proxy); 0 sends none.
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    # Outgoing e-mail (notifications, visit reminders; see docs/telehealth.md). Unset host: the
    # notification worker writes messages to the log instead of sending them. The password is
    # read from PAINPATH_SMTP_PASSWORD only; it has no default.
    smtp_host: str | None = None
    # 587 with STARTTLS, 465 with implicit TLS (smtp_security="tls").
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # starttls (upgrade a plain connection) or tls (TLS from the first byte); never plaintext.
    smtp_security: Literal["starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # The From address of every message painpath sends, e.g. painpath@clinic.example.
    smtp_from: str | None = None
    # Seconds to wait for the mail server before an attempt counts as failed.
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    # A notification that failed to send is retried this many times in all, waiting
    # notify_retry_seconds × 2^(attempt-1) between attempts.
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    notify_retry_seconds: int = Field(default=60, ge=1)
    # A claim older than this (a worker stopped mid-send) is given up as failed, never resent:
    # the message may have gone out, and a reminder must not arrive twice.
    notify_claim_lease_seconds: int = Field(default=600, ge=30)
    # Video visits (docs/telehealth.md): the provider's join URL with {room} where the visit's
    # unguessable room name goes, e.g. https://meet.example.org/{room} (a self-hosted Jitsi or
    # any provider). Unset: visits are booked without a join link.
    video_room_url_template: str | None = None
    # Reminders before a visit, in hours (sent by `painpath notify send`).
    visit_reminder_hours: tuple[int, ...] = (24, 1)
    # Patients may book a slot no sooner than this many minutes from now.
    visit_booking_lead_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, url: str) -> str:
        """Accept postgres:// and postgresql:// and use psycopg 3 for both."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as error:
                raise ValueError(f"{entry!r} is not an IP address or network") from error
        return value

    @field_validator("smtp_from")
    @classmethod
    def _one_plain_address(cls, value: str | None) -> str | None:
        if value is not None and (
            "@" not in value or any(c in value for c in "\r\n<>,;") or len(value) > 320
        ):
            raise ValueError(f"{value!r} is not one plain e-mail address")
        return value

    @field_validator("video_room_url_template")
    @classmethod
    def _usable_room_template(cls, value: str | None) -> str | None:
        return None if value is None else check_url_template(value, "room")

    @field_validator("visit_reminder_hours")
    @classmethod
    def _reminder_hours(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= hours <= 24 * 14 for hours in value) or len(set(value)) != len(value):
            raise ValueError("each reminder is 1 to 336 hours before the visit, each once")
        return tuple(sorted(value, reverse=True))

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        entries = filter(None, (part.strip() for part in self.trusted_proxies.split(",")))
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)

    @property
    def audit_chain_batch_seconds(self) -> float:
        if self.audit_chain_batch_ms is not None:
            return self.audit_chain_batch_ms / 1000
        return 0.0 if self.environment is Environment.test else 0.25

    @property
    def mfa_enforced(self) -> bool:
        if self.mfa_required is not None:
            return self.mfa_required
        return self.environment is Environment.production

    def check_safe_for_production(self) -> None:
        """Raise InsecureConfigurationError for a key no environment may sign with, and for a
        weak configured key in production."""
        if self.secret_key is None:
            return  # a random key is generated (web.signing_key)
        key = self.secret_key.get_secret_value()
        if key in PUBLISHED_SECRET_KEYS:
            raise InsecureConfigurationError(
                "PAINPATH_SECRET_KEY is painpath's published development key; unset it (a random "
                "key is then generated) or set a random value of your own."
            )
        if self.environment is not Environment.production:
            return
        if problem := secret_key_problem(key):
            raise InsecureConfigurationError(
                f"PAINPATH_SECRET_KEY is refused in production: {problem}."
            )

    def cds_issuers(self) -> dict[str, CdsIssuer]:
        """Every allowed CDS client in the full form (old-form entries: JWKS only)."""
        return {
            issuer: entry if isinstance(entry, CdsIssuer) else CdsIssuer(jwks=entry)
            for issuer, entry in self.cds_allowed_issuers.items()
        }

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.environment is Environment.production


@lru_cache
def get_settings() -> Settings:
    return Settings()
