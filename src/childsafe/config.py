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
    # Text risk detection: an optional external model server (see childsafe.detect.external).
    text_model_url: str | None = None
    text_model_token: str | None = None
    text_model_timeout_seconds: float = Field(default=0.5, gt=0, le=30)
    pii_region: str = Field(default="GB", pattern="^[A-Z]{2}$")  # default region for phone numbers
    webhook_url: str | None = None
    webhook_secret: str | None = None
    platform_name: str = "Example Platform"
    terms_url: str = "https://example.org/terms"
    log_level: str = "INFO"

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
