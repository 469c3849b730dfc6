"""Protect case data: encrypted sensitive columns, assignment, erasure marks, audit trail.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column) pairs that now hold ciphertext, with the type the program sees
ENCRYPTED = {
    "cases": [
        "full_name",
        "date_of_birth",
        "estimated_age",
        "nationality_verification",
        "role",
        "association",
        "legal_status",
        "health_needs",
        "psychosocial_needs",
        "caregiver",
        "unaccompanied",
        "risk_tool",
        "notes",
    ],
    "case_notes": ["text"],
    "case_status_changes": ["reason"],
}
NOW_NULLABLE = ["intake_type", "sex", "nationality", "consent"]


def _as_text(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def upgrade() -> None:
    from bot.security import crypto

    bind = op.get_bind()
    # Read the clear values first: altering a column type on SQLite copies the table.
    clear = {}
    for table, columns in ENCRYPTED.items():
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).mappings().all()
        clear[table] = [dict(r) for r in rows]

    with op.batch_alter_table("cases") as batch:
        for column in ENCRYPTED["cases"]:
            batch.alter_column(
                column, type_=sa.Text(), existing_nullable=True, nullable=True, postgresql_using=f"{column}::text"
            )
        for column in NOW_NULLABLE:
            batch.alter_column(column, nullable=True)
        batch.add_column(sa.Column("assigned_to", sa.String(120), nullable=True))
        batch.add_column(sa.Column("intake_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_cases_assigned_to", ["assigned_to"])
    with op.batch_alter_table("case_notes") as batch:
        batch.alter_column("text", type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("case_status_changes") as batch:
        batch.alter_column("reason", type_=sa.Text(), existing_nullable=False)

    if any(clear.values()) and not crypto.has_keys():
        crypto.create_first_key()  # the data is still clear here: no other key can hold any of it
    for table, rows in clear.items():
        for row in rows:
            values = {c: (None if row[c] is None else crypto.encrypt(_as_text(row[c]))) for c in ENCRYPTED[table]}
            assignments = ", ".join(f"{c} = :{c}" for c in values)
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row["id"]})

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_ref", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_case_ref", "audit_log", ["case_ref"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    raise NotImplementedError("Decrypting case data back into clear columns is deliberately not offered.")
