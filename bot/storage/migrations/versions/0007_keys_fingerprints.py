"""The fingerprints of the data keys this database's encrypted values are under, checked at
start-up so that a missing or wrong key is refused instead of replaced (bot/security/key_check.py).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_key_fingerprints",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("data_key_fingerprints")
