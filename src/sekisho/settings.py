"""One settings object: env vars `SEKISHO_*`, then `$SEKISHO_HOME/config.toml`, then defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def _home_from_env() -> Path:
    return Path(os.environ.get("SEKISHO_HOME", "~/.sekisho")).expanduser()


@dataclass(frozen=True)
class Settings:
    """Where Sekisho keeps its state and how it talks to the outside."""

    home: Path = field(default_factory=_home_from_env)
    database_url: str | None = None  # None: SQLite file in home
    http_timeout: float = 30.0
    http_retries: int = 3
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def store_dir(self) -> Path:
        """Folder of the versioned list store (snapshots, history)."""
        return self.home / "store"

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the records database (SQLite in home by default)."""
        return self.database_url or f"sqlite:///{self.home / 'sekisho.db'}"

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read the config file and environment; explicit overrides win."""
        home = Path(overrides.pop("home", None) or _home_from_env()).expanduser()
        values: dict[str, Any] = {}
        config = home / "config.toml"
        if config.is_file():
            with config.open("rb") as fh:
                values.update(tomllib.load(fh))
        env = {
            "database_url": os.environ.get("SEKISHO_DATABASE_URL"),
            "http_timeout": os.environ.get("SEKISHO_HTTP_TIMEOUT"),
            "http_retries": os.environ.get("SEKISHO_HTTP_RETRIES"),
        }
        for key, value in env.items():
            if value is not None:
                values[key] = value
        known = {"database_url", "http_timeout", "http_retries"}
        settings = cls(home=home, extra={k: v for k, v in values.items() if k not in known})
        typed: dict[str, Any] = {}
        if "database_url" in values:
            typed["database_url"] = str(values["database_url"])
        if "http_timeout" in values:
            typed["http_timeout"] = float(values["http_timeout"])
        if "http_retries" in values:
            typed["http_retries"] = int(values["http_retries"])
        typed.update({k: v for k, v in overrides.items() if v is not None})
        return replace(settings, **typed)
