"""Configuration from the environment: the one place that reads it.

``Settings`` is the base every deployable extends (central, edge, the store client):
a subclass adds its own fields and may widen ``production_required``. Nothing else in
the project reads ``os.environ`` for these values; they are passed down from here.

Production refuses to start without its secrets, naming every missing variable in one
message. Development needs no configuration at all: the JWT secret is random and kept
in the data directory so that several development processes agree on it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.domain.errors import ConfigError

BUSINESS_TIMEZONE = ZoneInfo("America/Argentina/Buenos_Aires")
"""The business day (sales per day, reports, forecasts) is the day in Buenos Aires."""

MIN_JWT_SECRET_LENGTH = 32
DEV_JWT_SECRET_FILE = ".dev-jwt-secret"  # noqa: S105 - a file name, not a secret


def business_day(at: datetime) -> date:
    """The business day an aware instant falls on."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"business_day needs an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(BUSINESS_TIMEZONE).date()


class Settings(BaseSettings):
    """Settings shared by every deployable; see CONTRACTS.md for the variable names."""

    model_config = SettingsConfigDict(
        case_sensitive=False,
        env_ignore_empty=True,  # VAR= in a compose file means "not set", not ""
        extra="forbid",  # a misspelt override is an error, not silently dropped
        validate_by_name=True,
        validate_by_alias=True,
        frozen=True,
    )

    business_timezone: ClassVar[ZoneInfo] = BUSINESS_TIMEZONE

    # Settings that must be set in production. A deployable that needs more (or fewer)
    # overrides this tuple; the names are field names.
    production_required: ClassVar[tuple[str, ...]] = (
        "jwt_secret_key",
        "dashboard_api_key",
        "database_encryption_key",
        "database_url",
    )

    env: Literal["development", "production"] = Field(
        "development", validation_alias="MINIMARKET_ENV"
    )
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    #: Connections each central process keeps open to PostgreSQL (plus a few overflow).
    database_pool_size: int = Field(20, ge=1, le=200, validation_alias="DATABASE_POOL_SIZE")
    # The store PC: its machine secret (outside the data folder) and enrollment token.
    machine_secret_path: Path = Field(
        Path("~/.minimarket/machine.key"), validation_alias="MINIMARKET_MACHINE_SECRET"
    )
    enroll_token: SecretStr | None = Field(None, validation_alias="MINIMARKET_ENROLL_TOKEN")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    jwt_secret_key: SecretStr | None = Field(None, validation_alias="JWT_SECRET_KEY")
    jwt_expire_minutes: int = Field(480, gt=0, validation_alias="JWT_EXPIRE_MINUTES")
    dashboard_api_key: SecretStr | None = Field(None, validation_alias="DASHBOARD_API_KEY")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="CORS_ORIGINS"
    )
    database_encryption_key: SecretStr | None = Field(
        None, validation_alias="DATABASE_ENCRYPTION_KEY"
    )
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    data_dir: Path = Field(Path("data"), validation_alias="MINIMARKET_DATA_DIR")
    # Content-addressed attachments (invoice photos, models); None: data_dir/attachments.
    attachments_dir: Path | None = Field(None, validation_alias="MINIMARKET_ATTACHMENTS_DIR")
    store_passphrase: SecretStr | None = Field(None, validation_alias="MINIMARKET_STORE_PASSPHRASE")
    # The password of a user created from the command line, so scripts need no prompt.
    cli_password: SecretStr | None = Field(None, validation_alias="MINIMARKET_PASSWORD")

    _dev_jwt_secret: str | None = PrivateAttr(None)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read the environment (``overrides`` win) and turn any problem into ConfigError.

        This is what entry points call: a bad value becomes one line naming the variable.
        """
        try:
            return cls(**overrides)
        except ValidationError as error:
            problems = []
            for item in error.errors():
                name = ".".join(str(part) for part in item["loc"]) or "settings"
                problems.append(f"{cls.env_name(name)}: {item['msg']}")
            raise ConfigError("invalid configuration: " + "; ".join(problems)) from None

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from (the field name if it has none)."""
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info is not None else None
        return alias if isinstance(alias, str) else field.upper()

    @field_validator("env", mode="before")
    @classmethod
    def _normalize_env(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [origin.strip() for origin in text.split(",") if origin.strip()]

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        self.require_production_secrets(*self.production_required)
        return self

    def require_production_secrets(self, *names: str) -> None:
        """In production, raise ConfigError listing every problem at once.

        ``names`` are field names that must be set. The JWT secret's length and a
        wildcard CORS origin are checked whatever the names. In development: no-op.
        """
        unknown = [name for name in names if name not in type(self).model_fields]
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(unknown)}")
        if self.env != "production":
            return
        problems: list[str] = []
        missing = [self.env_name(name) for name in names if not _is_set(getattr(self, name))]
        if missing:
            problems.append("missing " + ", ".join(missing))
        jwt = self.jwt_secret_key
        if jwt is not None and len(jwt.get_secret_value()) < MIN_JWT_SECRET_LENGTH:
            problems.append(
                f"{self.env_name('jwt_secret_key')} must be at least "
                f"{MIN_JWT_SECRET_LENGTH} characters"
            )
        if "*" in self.cors_origins:
            problems.append(f"{self.env_name('cors_origins')} must list origins, not '*'")
        if problems:
            raise ConfigError(
                "refusing to start with MINIMARKET_ENV=production: " + "; ".join(problems)
            )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def jwt_secret(self) -> str:
        """The key that signs JWTs.

        The configured one if any; in development otherwise a random secret created once
        in ``data_dir`` (mode 0600) and shared by every process using that directory.
        """
        if self.jwt_secret_key is not None:
            return self.jwt_secret_key.get_secret_value()
        if self.is_production:
            raise ConfigError(f"missing {self.env_name('jwt_secret_key')}")
        if self._dev_jwt_secret is None:
            self._dev_jwt_secret = _read_or_create_secret(
                self.data_dir.resolve() / DEV_JWT_SECRET_FILE
            )
        return self._dev_jwt_secret

    def database_url_or_default(self) -> str:
        """DATABASE_URL, or the embedded SQLite file ``data_dir/central.db`` (absolute)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir.resolve() / 'central.db').as_posix()}"

    def attachments_dir_or_default(self) -> Path:
        """MINIMARKET_ATTACHMENTS_DIR, or ``data_dir/attachments`` (absolute)."""
        if self.attachments_dir is not None:
            return self.attachments_dir.expanduser().resolve()
        return self.data_dir.resolve() / "attachments"


def _is_set(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)


def _read_or_create_secret(path: Path) -> str:
    """Read the secret in ``path``, creating it first if needed, race-free across processes."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a complete file under a private name, then link it into place: a link
        # never replaces an existing file, so two processes starting together cannot
        # end up with different secrets, nor read a half-written one.
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):  # another process won the race
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        raise ConfigError(f"{path} holds no usable secret; delete it to create a new one")
    return secret
