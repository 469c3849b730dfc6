"""Audit trail that cannot be rewritten unnoticed: the chain keyed with an HMAC (key outside the
database), the OS account and a detail in each entry, no updatable head row, and on PostgreSQL
no UPDATE, DELETE or TRUNCATE of audit rows.

The entries written so far (plain SHA-256) are checked, then keyed; an entry `chain_keyed`
records whether the plain chain was intact ("ok") or not ("broken", with where).

Revision ID: 0009
Revises: 0008
"""

import hashlib
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from bot.security.audit import GENESIS, AuditAction, chain_digest, origin
from bot.security.tokens import audit_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("staff", sa.String),
    sa.column("action", sa.String),
    sa.column("case_ref", sa.String),
    sa.column("channel", sa.String),
    sa.column("outcome", sa.String),
    sa.column("origin", sa.String),
    sa.column("detail", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)

APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on audit_log is refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
"""


def _plain_digest(row) -> str:
    """How revisions 0003 to 0006 hashed an entry."""
    at = row.at.replace(tzinfo=timezone.utc) if row.at.tzinfo is None else row.at.astimezone(timezone.utc)
    stamp = at.replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [row.prev_hash, stamp, row.staff, row.action, row.case_ref or "", row.channel, row.outcome]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def _key_the_chain(bind) -> None:
    rows = bind.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()
    if not rows:
        return
    plain_head = bind.execute(sa.text("SELECT last_hash FROM audit_head WHERE id = 1")).scalar()
    broken_at, expected = None, GENESIS
    for row in rows:
        if broken_at is None and (row.prev_hash != expected or _plain_digest(row) != row.hash):
            broken_at = row.id
        expected = row.hash
    if broken_at is None and plain_head != expected:
        broken_at = rows[-1].id + 1
    key, prev = audit_key(), GENESIS
    for row in rows:
        digest = chain_digest(key, prev, row.at, row.staff, row.action, row.case_ref, row.channel, row.outcome, "", "")
        bind.execute(
            sa.update(audit_log).where(audit_log.c.id == row.id).values(prev_hash=prev, hash=digest, origin=None)
        )
        prev = digest
    detail = (
        f"{len(rows)} earlier entries keyed; their plain chain was intact"
        if broken_at is None
        else f"{len(rows)} earlier entries keyed; their plain chain was broken at #{broken_at}"
    )
    at = datetime.now(timezone.utc)
    entry: dict[str, object] = {
        "at": at,
        "staff": "system",
        "action": AuditAction.CHAIN_KEYED.value,
        "case_ref": None,
        "channel": "migration",
        "outcome": "ok" if broken_at is None else "broken",
        "origin": origin(),
        "detail": detail,
        "prev_hash": prev,
    }
    names = ("staff", "action", "case_ref", "channel", "outcome", "origin", "detail")
    fields = [None if entry[name] is None else str(entry[name]) for name in names]
    entry["hash"] = chain_digest(key, prev, at, *fields)
    bind.execute(sa.insert(audit_log).values(**entry))


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("origin", sa.String(120), nullable=True))
    op.add_column("audit_log", sa.Column("detail", sa.String(300), nullable=True))
    lock = op.create_table(
        "audit_lock",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("writes", sa.Integer(), nullable=False),
    )
    op.bulk_insert(lock, [{"id": 1, "writes": 0}])
    bind = op.get_bind()
    _key_the_chain(bind)
    op.drop_table("audit_head")
    if bind.dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    raise NotImplementedError("The keyed chain cannot be turned back into the plain one that 0006 checked.")
