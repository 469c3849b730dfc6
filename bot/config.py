"""Settings: every environment variable the project reads, in one object, with defaults that
work from a fresh clone; and the variables that keep Rasa, TensorFlow and SQLAlchemy quiet.

`settings()` looks at the environment when called and builds the object again only when one of
its variables changed (a few dict look-ups: it runs on hot paths), so a test or a command that
sets a variable sees it at once. Apart from crypto's key lookup, no other module reads our
variables from os.environ.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# No telemetry or error reports leave this machine (Rasa sends both by default); TensorFlow's
# start-up chatter and SQLAlchemy's 2.0 banner (from Rasa's own store) are noise for staff.
QUIET_ENVIRONMENT = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


class Settings(BaseSettings):
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'prr.db'}", env="DATABASE_URL")
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge", env="PRR_KNOWLEDGE_DIR")
    keys_dir: Path = Field(default=PROJECT_ROOT / "var" / "keys", env="PRR_KEYS_DIR")
    # The audit chain's HMAC key (else generated under keys_dir) and where its signed heads go.
    audit_key: str = Field(default="", env="PRR_AUDIT_KEY")
    audit_dir: Path = Field(default=PROJECT_ROOT / "var" / "audit", env="PRR_AUDIT_DIR")
    # The acting staff member's password for `prr ... --as NAME` in scripts (else it is asked for).
    cli_password: str = Field(default="", env="PRR_PASSWORD")
    data_key: str = Field(default="", env="PRR_DATA_KEY")  # Fernet keys, comma-separated, newest first
    api_token: str = Field(default="", env="PRR_API_TOKEN")
    bridge_token: str = Field(default="", env="PRR_BRIDGE_TOKEN")
    actions_token: str = Field(default="", env="PRR_ACTIONS_TOKEN")
    telegram_bot_token: str = Field(default="", env="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default="", env="TELEGRAM_API_BASE_URL")
    # The language every reply is in: a catalogue in bot/language/messages/ ("en", later "ru").
    language: str = Field(default="en", env="PRR_LANGUAGE")

    class Config:
        case_sensitive = True


_NAMES = tuple(field.field_info.extra["env"] for field in Settings.__fields__.values())


def settings() -> Settings:
    return _settings(tuple(os.environ.get(name) for name in _NAMES))


@lru_cache(maxsize=4)
def _settings(_values: tuple) -> Settings:
    return Settings()


def quiet_environment(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Set the quiet variables (unless already set) in `env`, or in this process's environment."""
    target = os.environ if env is None else env
    for name, value in QUIET_ENVIRONMENT.items():
        target.setdefault(name, value)
    return target


def database_url() -> str:
    """The case and knowledge store. Any SQLAlchemy URL; SQLite under var/ by default."""
    return settings().database_url


def knowledge_dir() -> Path:
    return settings().knowledge_dir
