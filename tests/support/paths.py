"""Where things are, for tests and the benchmark."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
