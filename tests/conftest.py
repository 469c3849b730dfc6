"""Shared fixtures: real SQLite files and a real PostgreSQL database, migrated with Alembic."""

from __future__ import annotations

import os
import tempfile
import uuid

import pytest
from sqlalchemy import create_engine, text

from bot.security import crypto
from bot.storage.db import session_factory
from bot.storage.migrate import upgrade
from tests.support.audit import without_audit_guard

# Keys and tokens the tests generate go to a throw-away folder, never to the checkout's var/.
os.environ.setdefault("PRR_KEYS_DIR", tempfile.mkdtemp(prefix="prr-test-keys-"))
os.environ.setdefault("PRR_AUDIT_DIR", tempfile.mkdtemp(prefix="prr-test-audit-"))
if not crypto.has_keys():  # keys are never made on the fly; the start-up check or `prr keys init` make them
    crypto.create_first_key()
POSTGRES_ADMIN_URL = os.environ.get("PRR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # each database its own anchors
    url = f"sqlite:///{tmp_path / 'prr.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away database on the machine's PostgreSQL, migrated to the newest schema."""
    name = f"prr_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    from bot.storage.db import engine_for

    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    """Run a test once on SQLite and once on PostgreSQL."""
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # each emptied database its own anchors
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prr.db'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url, future=True)
    with engine.begin() as conn:  # each test starts from empty tables
        without_audit_guard(conn)
        tables = (
            "cases, case_referrals, case_notes, case_status_changes, case_sequences, knowledge_sections, "
            "staff, access_refusals, audit_log"
        )
        conn.execute(text(f"TRUNCATE {tables}; UPDATE knowledge_version SET version = 1"))
    engine.dispose()
    return url


@pytest.fixture
def sessions(db_url):
    return session_factory(db_url)
