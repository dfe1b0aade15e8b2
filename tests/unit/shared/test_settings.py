import os
import stat
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field

from shared.domain.errors import ConfigError
from shared.settings import BUSINESS_TIMEZONE, Settings, business_day

STRONG_SECRET = "s" * 40

PRODUCTION_ENV = {
    "MINIMARKET_ENV": "production",
    "DATABASE_URL": "postgresql://minimarket@db/minimarket",
    "JWT_SECRET_KEY": STRONG_SECRET,
    "DASHBOARD_API_KEY": "dashboard-key",
    "DATABASE_ENCRYPTION_KEY": "encryption-key",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No variable from the developer's shell leaks in; relative paths land in tmp_path."""
    for field in Settings.model_fields:
        monkeypatch.delenv(Settings.env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


def set_env(monkeypatch, values):
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_development_needs_no_configuration():
    settings = Settings()

    assert settings.env == "development"
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.jwt_secret_key is None
    assert settings.cors_origins == []
    assert settings.log_level == "INFO"
    assert settings.data_dir == Path("data")
    assert settings.jwt_expire_minutes == 480
    assert settings.store_passphrase is None


def test_every_setting_is_read_from_its_documented_variable(monkeypatch):
    set_env(
        monkeypatch,
        {
            **PRODUCTION_ENV,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CORS_ORIGINS": "https://hq.example.com, https://admin.example.com,",
            "LOG_LEVEL": "debug",
            "MINIMARKET_DATA_DIR": "/var/lib/minimarket",
            "JWT_EXPIRE_MINUTES": "60",
            "MINIMARKET_STORE_PASSPHRASE": "store passphrase",
        },
    )

    settings = Settings()

    assert settings.env == "production"
    assert settings.database_url == PRODUCTION_ENV["DATABASE_URL"]
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.jwt_secret() == STRONG_SECRET
    assert settings.dashboard_api_key.get_secret_value() == "dashboard-key"
    assert settings.database_encryption_key.get_secret_value() == "encryption-key"
    assert settings.cors_origins == ["https://hq.example.com", "https://admin.example.com"]
    assert settings.log_level == "DEBUG"
    assert settings.data_dir == Path("/var/lib/minimarket")
    assert settings.jwt_expire_minutes == 60
    assert settings.store_passphrase.get_secret_value() == "store passphrase"


def test_cors_origins_also_accept_a_json_list(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", '["https://a.example", "https://b.example"]')

    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "")

    assert Settings().database_url is None


def test_secrets_do_not_appear_in_repr(monkeypatch):
    set_env(monkeypatch, PRODUCTION_ENV)

    text = repr(Settings()) + str(Settings())

    assert STRONG_SECRET not in text
    assert "dashboard-key" not in text
    assert "encryption-key" not in text


def test_production_names_every_missing_secret_in_one_message(monkeypatch):
    monkeypatch.setenv("MINIMARKET_ENV", "production")

    with pytest.raises(ConfigError) as raised:
        Settings()

    message = str(raised.value)
    assert "\n" not in message
    for name in ("JWT_SECRET_KEY", "DASHBOARD_API_KEY", "DATABASE_ENCRYPTION_KEY", "DATABASE_URL"):
        assert name in message


def test_production_refuses_a_short_jwt_secret(monkeypatch):
    set_env(monkeypatch, {**PRODUCTION_ENV, "JWT_SECRET_KEY": "x" * 31})

    with pytest.raises(ConfigError, match="JWT_SECRET_KEY must be at least 32"):
        Settings()


def test_production_refuses_a_wildcard_cors_origin(monkeypatch):
    set_env(monkeypatch, {**PRODUCTION_ENV, "CORS_ORIGINS": "https://hq.example.com,*"})

    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        Settings()


def test_production_with_every_secret_starts(monkeypatch):
    set_env(monkeypatch, PRODUCTION_ENV)

    assert Settings().is_production


def test_development_tolerates_what_production_refuses(monkeypatch):
    set_env(monkeypatch, {"JWT_SECRET_KEY": "short", "CORS_ORIGINS": "*"})

    settings = Settings()

    assert settings.jwt_secret() == "short"
    assert settings.cors_origins == ["*"]


def test_require_production_secrets_checks_more_names_on_demand(monkeypatch):
    set_env(monkeypatch, PRODUCTION_ENV)
    settings = Settings()

    with pytest.raises(ConfigError, match="missing REDIS_URL, MINIMARKET_STORE_PASSPHRASE"):
        settings.require_production_secrets("redis_url", "store_passphrase")
    with pytest.raises(ValueError, match="unknown settings: nonsense"):
        settings.require_production_secrets("nonsense")


def test_a_deployable_extends_the_base_settings(monkeypatch):
    class StoreSettings(Settings):
        production_required: ClassVar[tuple[str, ...]] = ("store_passphrase",)
        server_url: str | None = Field(None, validation_alias="MINIMARKET_SERVER_URL")

    set_env(monkeypatch, {"MINIMARKET_ENV": "production"})
    with pytest.raises(ConfigError, match=r"missing MINIMARKET_STORE_PASSPHRASE$"):
        StoreSettings()

    set_env(
        monkeypatch,
        {"MINIMARKET_STORE_PASSPHRASE": "p", "MINIMARKET_SERVER_URL": "https://hq.example"},
    )
    assert StoreSettings().server_url == "https://hq.example"


def test_load_turns_bad_values_into_one_config_error(monkeypatch):
    set_env(monkeypatch, {"MINIMARKET_ENV": "staging", "JWT_EXPIRE_MINUTES": "soon"})

    with pytest.raises(ConfigError) as raised:
        Settings.load()

    message = str(raised.value)
    assert "MINIMARKET_ENV" in message
    assert "JWT_EXPIRE_MINUTES" in message


def test_load_rejects_an_unknown_log_level(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "chatty")

    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        Settings.load()


def test_load_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")

    assert Settings.load(database_url="sqlite:///from-flag.db").database_url == (
        "sqlite:///from-flag.db"
    )


def test_dev_jwt_secret_is_random_private_and_shared_through_the_data_dir(tmp_path):
    first = Settings(data_dir=tmp_path / "a")
    same_dir = Settings(data_dir=tmp_path / "a")
    other_dir = Settings(data_dir=tmp_path / "b")

    secret = first.jwt_secret()

    assert len(secret) >= 32
    assert same_dir.jwt_secret() == secret
    assert other_dir.jwt_secret() != secret
    secret_file = tmp_path / "a" / ".dev-jwt-secret"
    assert secret_file.read_text().strip() == secret
    if os.name == "posix":
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert [p.name for p in secret_file.parent.iterdir()] == [".dev-jwt-secret"]


def test_a_configured_jwt_secret_wins_and_writes_no_file(tmp_path):
    settings = Settings(data_dir=tmp_path, jwt_secret_key="configured")

    assert settings.jwt_secret() == "configured"
    assert not (tmp_path / ".dev-jwt-secret").exists()


def test_a_corrupt_dev_secret_file_is_reported(tmp_path):
    (tmp_path / ".dev-jwt-secret").write_text("\n")

    with pytest.raises(ConfigError, match="delete it"):
        Settings(data_dir=tmp_path).jwt_secret()


def test_database_url_defaults_to_an_absolute_sqlite_file(tmp_path):
    url = Settings().database_url_or_default()

    assert url == f"sqlite:///{(tmp_path / 'data' / 'central.db').resolve().as_posix()}"
    assert Path(url.removeprefix("sqlite:///")).is_absolute()


def test_database_url_wins_over_the_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/minimarket")

    assert Settings().database_url_or_default() == "postgresql://u@localhost/minimarket"


def test_business_day_is_the_day_in_buenos_aires():
    just_after_utc_midnight = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    late_in_the_day = datetime(2026, 11, 28, 23, 30, tzinfo=timezone(timedelta(hours=-3)))

    assert business_day(just_after_utc_midnight) == date(2026, 11, 27)
    assert business_day(late_in_the_day) == date(2026, 11, 28)
    assert Settings.business_timezone is BUSINESS_TIMEZONE
    assert str(BUSINESS_TIMEZONE) == "America/Argentina/Buenos_Aires"


def test_business_day_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        business_day(datetime(2026, 11, 28, 12, 0))
