"""Finding 16: an address on another machine without TLS stops the process before it connects."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from bot.channels.rasa_client import RasaClient
from bot.cli import main
from bot.rasa_endpoints import rasa_endpoints
from bot.security.transport import InsecureTransport
from bot.storage.db import make_engine

LOCAL_DB = "postgresql://prr@127.0.0.1:5432/prr"
REMOTE_DB = "postgresql://prr@db.internal:5432/prr"
LOCAL_ACTIONS = "http://127.0.0.1:5055/webhook"


@pytest.mark.parametrize("url", [REMOTE_DB, REMOTE_DB + "?sslmode=require", REMOTE_DB + "?sslmode=prefer"])
def test_a_remote_database_without_a_verified_tls_connection_is_refused(url):
    with pytest.raises(InsecureTransport, match="sslmode=verify-full"):
        make_engine(url)


def test_a_remote_database_with_verify_full_is_accepted_and_its_tls_settings_reach_rasas_tracker_store():
    url = REMOTE_DB + "?sslmode=verify-full&sslrootcert=/etc/prr/db-ca.pem"
    make_engine(url)  # no connection is made until first use
    store = rasa_endpoints(url, LOCAL_ACTIONS)["tracker_store"]
    assert store["query"] == {"sslmode": "verify-full", "sslrootcert": "/etc/prr/db-ca.pem"}


def test_local_addresses_need_no_tls():
    for url in (LOCAL_DB, "postgresql://prr@localhost/prr", "postgresql://prr@[::1]:5432/prr", "postgresql:///prr"):
        make_engine(url)
    endpoints = rasa_endpoints(LOCAL_DB, LOCAL_ACTIONS, "redis://127.0.0.1:6379/1")
    assert "use_ssl" not in endpoints["lock_store"]


def test_a_remote_lock_store_needs_tls_and_a_password():
    with pytest.raises(InsecureTransport, match="rediss://"):
        rasa_endpoints(LOCAL_DB, LOCAL_ACTIONS, "redis://cache.internal:6379/1")
    with pytest.raises(InsecureTransport):
        rasa_endpoints(LOCAL_DB, LOCAL_ACTIONS, "rediss://cache.internal:6379/1")
    lock = rasa_endpoints(LOCAL_DB, LOCAL_ACTIONS, "rediss://:s3cret-for-test@cache.internal:6380/1")["lock_store"]
    assert lock["use_ssl"] is True and lock["url"] == "cache.internal" and lock["port"] == 6380


def test_a_remote_action_server_needs_https():
    with pytest.raises(InsecureTransport, match="action server"):
        rasa_endpoints(LOCAL_DB, "http://node2.internal:5055/webhook")
    assert rasa_endpoints(LOCAL_DB, "https://node2.internal/webhook")["action_endpoint"]["url"].startswith("https")


def test_a_bridge_refuses_a_remote_rasa_server_in_clear():
    with pytest.raises(InsecureTransport, match="Rasa server"):
        RasaClient("http://rasa.internal:5005", "t" * 40)
    asyncio.run(RasaClient("https://rasa.internal", "t" * 40).close())


def test_the_command_line_says_what_to_add_instead_of_connecting_in_clear(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", REMOTE_DB)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "sslmode=verify-full" in result.output and "Traceback" not in result.output
