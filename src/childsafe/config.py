"""Settings from environment variables (``CHILDSAFE_*``) or a TOML file (``CHILDSAFE_CONFIG``).

Environment variables win over the file, so a deployment can keep shared defaults in TOML and
inject secrets through the environment.
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from childsafe.vocabulary import RiskCategory


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHILDSAFE_", extra="forbid")

    database_url: str = "sqlite:///childsafe.db"
    # "inprocess" runs background jobs in a thread of the service (embedded default);
    # "dramatiq" relays them to Dramatiq workers on Redis (production, several replicas).
    task_queue: str = Field(default="inprocess", pattern="^(inprocess|dramatiq|none)$")
    redis_url: str = "redis://127.0.0.1:6379/0"

    sla_hours: dict[str, float] = Field(default_factory=dict)  # per risk category override
    lock_minutes: int = Field(default=30, ge=1, le=24 * 60)
    appeal_window_days: int = Field(default=183, ge=1)  # DSA Art. 20: at least six months
    strike_threshold: int = Field(default=3, ge=1)
    strike_expiry_days: int = Field(default=365, ge=1)

    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # Hash matching: uploads are hashed in memory and dropped; only hashes are kept.
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_video_seconds: int = Field(default=600, ge=1, le=24 * 3600)
    scan_concurrency: int = Field(default=0, ge=0, le=256)  # uploads hashed at once; 0 = 2 per CPU core
    scan_queue_wait_seconds: float = Field(default=0.5, ge=0, le=30)  # then 503 instead of a growing queue
    index_dir: str | None = None  # index snapshots; default: beside an SQLite database, else memory only
    index_refresh_seconds: float = Field(default=1.0, gt=0, le=60)
    confirmed_bank: str = "confirmed-local"  # where specialists' confirmed material goes
    # Evidence vault (childsafe.evidence): AES-GCM sealed objects; a missing key file fails closed (503).
    evidence_key_file: str | None = None  # JSON master keys, written by `childsafe evidence init-key`
    evidence_dir: str | None = None  # sealed objects; default: beside an SQLite database file (<db>.evidence)
    evidence_s3_bucket: str | None = None  # set to keep sealed objects in S3-compatible storage instead
    evidence_s3_endpoint_url: str | None = None  # MinIO, Ceph, ...; unset: AWS (credentials: boto3's chain)
    evidence_s3_prefix: str = "evidence"
    evidence_s3_region: str | None = None
    evidence_jurisdiction: str = "US"  # whose rule the automatic preservation hold follows
    evidence_hold_days: dict[str, int] = Field(default_factory=lambda: {"US": 365})  # 18 U.S.C. 2258A(h)
    evidence_legal_basis: dict[str, str] = Field(
        default_factory=lambda: {"US": "18 U.S.C. 2258A(h) as amended by the REPORT Act 2024"})
    # Text risk detection: an optional external model server (see childsafe.detect.external).
    text_model_url: str | None = None
    text_model_token: str | None = None
    text_model_timeout_seconds: float = Field(default=0.5, gt=0, le=30)
    pii_region: str = Field(default="GB", pattern="^[A-Z]{2}$")  # default region for phone numbers
    webhook_url: str | None = None
    webhook_secret: str | None = None
    platform_name: str = "Example Platform"
    # EU DSA Transparency Database (Art. 24(5) statements of reasons). The sandbox unless "production" is set;
    # the sandbox address comes with onboarding by the Digital Services Coordinator, so set tdb_url for it.
    tdb_environment: str = Field(default="sandbox", pattern="^(sandbox|production)$")
    tdb_url: str | None = None  # overrides the environment's address (a local fake in tests)
    tdb_token: str | None = None  # Bearer token generated in the TDB user profile
    tdb_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    tdb_free_text: str = Field(default="redact", pattern="^(redact|omit)$")  # omit: facts from codes only
    terms_url: str = "https://example.org/terms"
    # NCMEC CyberTipline (ISPWS). NCMEC issues separate test and production credentials; the test
    # environment is used unless "production" is set. ncmec_url overrides both (a local fake in tests).
    ncmec_environment: str = Field(default="test", pattern="^(test|production)$")
    ncmec_url: str | None = None
    ncmec_username: str | None = None
    ncmec_password: str | None = None
    ncmec_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    ncmec_lease_seconds: float = Field(default=300.0, gt=0, le=3600)  # one worker per report; longer than a step
    ncmec_retry_delay_seconds: float = Field(default=0.5, ge=0, le=60)  # quick in-process retries, then the outbox
    ncmec_records_ips: bool = True  # the platform logs IPs, so a report without IP events is incomplete
    ncmec_reporter_first_name: str | None = None
    ncmec_reporter_last_name: str | None = None
    ncmec_reporter_email: str | None = None  # required by NCMEC
    ncmec_reporter_phone: str | None = None
    ncmec_legal_url: str | None = None  # the platform's law-enforcement guidelines
    log_level: str = "INFO"
    # Web console (/console): server-side sessions, ended on sign-out, expiry or idleness.
    console_session_hours: float = Field(default=12, gt=0, le=24 * 7)  # absolute lifetime of a sign-in
    console_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)  # signed out after this long unused
    console_secure_cookie: bool = False  # set true behind HTTPS: the cookie is then sent over HTTPS only
    console_lockout_failures: int = Field(default=5, ge=1, le=100)  # failed sign-ins before a lock-out
    console_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)  # how long the lock-out lasts
    # Child-friendly report form (/report): HMAC key shared with the platform, which signs the context it passes
    # (ctx=..., see childsafe.reportform.sign_context) and keys the form's anti-forgery tokens; unset: no signed
    # context is accepted and each process has its own key (one replica only).
    report_form_secret: str | None = None
    # CSP frame-ancestors: the sites that may embed the form in a frame, e.g. "'self' https://app.example".
    report_form_frame_ancestors: str = Field(default="'self'", pattern=r"^[^\r\n;,]+$")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be an sqlite:// or postgresql:// URL")
        return value

    @field_validator("sla_hours")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {c.value for c in RiskCategory})
        if unknown:
            raise ValueError(f"sla_hours has unknown risk categories: {', '.join(unknown)}")
        if any(hours <= 0 for hours in value.values()):
            raise ValueError("sla_hours must be positive")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("CHILDSAFE_CONFIG")
        if toml_path:
            if not Path(toml_path).is_file():
                raise FileNotFoundError(f"CHILDSAFE_CONFIG points to {toml_path!r}, which is not a file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def make_settings(**overrides: Any) -> Settings:
    """Settings built explicitly (tests, CLI flags) without touching the process-wide cache."""
    return Settings(**overrides)
