"""Knowledge sections keep the questions they answer (asks:) and those questions' terms; the
source as a reader sees it (every citation with its title and place) no longer fits 500 characters.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_sections") as batch:
        batch.add_column(sa.Column("asks", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("ask_terms", sa.Text(), nullable=False, server_default=""))
        batch.alter_column("source", type_=sa.Text(), existing_nullable=False)
    # Every section is analysed again by the next load: the old hashes did not cover asks.
    op.execute("UPDATE knowledge_sections SET content_hash = ''")


def downgrade() -> None:
    with op.batch_alter_table("knowledge_sections") as batch:
        batch.alter_column("source", type_=sa.String(500), existing_nullable=False)
        batch.drop_column("ask_terms")
        batch.drop_column("asks")
