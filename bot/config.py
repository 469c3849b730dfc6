"""Settings read from the environment, with defaults that work from a fresh clone."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The case and knowledge store. Any SQLAlchemy URL; SQLite under var/ by default."""
    default = f"sqlite:///{PROJECT_ROOT / 'var' / 'prr.db'}"
    return os.environ.get("DATABASE_URL", default)


def knowledge_dir() -> Path:
    return Path(os.environ.get("PRR_KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"))
