"""Key rotation sees the whole schema, whatever else the process happened to import."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import create_engine, inspect

from tests.support.paths import ROOT

ONLY_KEY_ROTATION = (
    "import json; from bot.security import key_rotation as k; "
    "print(json.dumps([t.name for t in k.metadata.sorted_tables]))"
)


def test_key_rotation_knows_every_table_the_migrations_make(sqlite_url):
    migrated = set(inspect(create_engine(sqlite_url)).get_table_names()) - {"alembic_version"}
    # A fresh interpreter: in this one, other tests have imported every model already.
    listed = subprocess.run(
        [sys.executable, "-c", ONLY_KEY_ROTATION], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert set(json.loads(listed)) == migrated
