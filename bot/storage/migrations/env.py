"""Alembic environment: migrates whatever database DATABASE_URL (or -x url=) names."""

from alembic import context

from bot.storage.db import make_engine
from bot.storage.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or None


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
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
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
