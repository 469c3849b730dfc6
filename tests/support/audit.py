"""Writing to the audit trail past its guard, as the tests' reset and an attacker who owns the
database can: on PostgreSQL a superuser may switch the session's triggers off."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def without_audit_guard(conn: Connection) -> None:
    """Until the end of this transaction, the append-only trigger of audit_log does not fire."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def tamper(sessions, statement: str, **params) -> None:
    """Run one UPDATE or DELETE on the audit trail as its attacker would, past the guard."""
    with sessions.begin() as session:
        without_audit_guard(session.connection())
        session.execute(text(statement), params)
