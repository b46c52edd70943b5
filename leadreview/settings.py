"""Settings: LEADREVIEW_ environment variables over a TOML config file over defaults.

The config file is `$LEADREVIEW_CONFIG` if set, else `config.toml` in the user's config
directory. Data (the SQLite database, galleries) lives in the user's data directory
unless told otherwise. Nothing here is read at import time: call `load_settings()`.
"""

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from leadreview.errors import ConfigurationError

APP_NAME = "leadreview"
# A served session's idle timeout: long enough to read a case, at most a working day.
MIN_IDLE_SECONDS = 5
MAX_IDLE_SECONDS = 86_400


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def config_file_path() -> Path:
    override = os.environ.get("LEADREVIEW_CONFIG")
    return Path(override) if override else user_config_dir() / "config.toml"


class AwsSettings(BaseModel):
    # A plain model, not BaseSettings: otherwise bare REGION or PROFILE variables in the
    # environment would leak in. Environment overrides come as LEADREVIEW_AWS__REGION.
    model_config = ConfigDict(extra="forbid")

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = Field(default=5, ge=1, le=20)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEADREVIEW_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=user_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir"
    )
    signing_key_path: Path | None = Field(
        default=None,
        description="Ed25519 key for checkpoints; default: in the config dir, never the database",
    )
    log_origin: str = Field(
        default="leadreview.local/audit", description="checkpoint origin line (C2SP)"
    )
    backend: Literal["simulated", "rekognition"] = "simulated"
    # No `actor` setting: who acts is established (the OS user, the database login, a
    # join code), never configured; an old config naming one is refused (extra="forbid").
    aws: AwsSettings = Field(default_factory=AwsSettings)
    serve_idle_seconds: int = Field(
        default=1800,
        ge=MIN_IDLE_SECONDS,
        le=MAX_IDLE_SECONDS,
        description="serve: a browser session with no key or click for this long is closed",
    )
    keymap: dict[str, str] = Field(
        default_factory=dict, description="terminal app: binding id -> keys, e.g. decide = 'D'"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'leadreview.db'}"

    def resolved_signing_key_path(self) -> Path:
        return self.signing_key_path or user_config_dir() / "checkpoint-signing.key"


def check_config_file(path: Path) -> None:
    """Refuse a config path that is not a readable, bounded, sanely nested TOML file.

    pydantic-settings silently skips a path that is not a file (a directory named by
    LEADREVIEW_CONFIG would be ignored), and Python's TOML parser recurses once per
    nesting level; both are turned into one line here. A missing file is no config.
    """
    from leadreview.errors import InputFileError
    from leadreview.io.limits import parse_toml, read_limited

    if not os.path.lexists(path):
        return
    try:
        parse_toml(read_limited(path, "config"), f"{path}: the config")
    except InputFileError as exc:
        raise ConfigurationError(exc.message) from None


def load_settings(**overrides: object) -> Settings:
    check_config_file(config_file_path())
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(
            f"settings ({config_file_path()} or LEADREVIEW_ environment): "
            f"field {field!r}: {first['msg']}"
        ) from None
    except ValueError as exc:  # a TOML syntax error in the config file
        raise ConfigurationError(f"{config_file_path()}: {exc}") from None
