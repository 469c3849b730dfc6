"""Alembic environment: migrates whatever database DATABASE_URL (or -x url=) names."""

from alembic import context

from bot.cases import models as _cases  # noqa: F401  (registers the tables)
from bot.knowledge import store as _knowledge  # noqa: F401
from bot.security import audit as _audit  # noqa: F401
from bot.staff import models as _staff  # noqa: F401
from bot.storage.db import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or None


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = make_engine(url)
    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a SQLite table by copying and dropping it; with foreign keys on,
            # dropping `cases` would cascade and delete every note and status change.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # Batch mode lets later migrations alter columns on SQLite too.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
