"""`prr backup create|restore`: copies of the database, and of the keys only when asked."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.app import ADMIN_OPTION, admin, main, safe_url


@main.group()
def backup() -> None:
    """Database backups (keys only with --with-keys, into a file of their own)."""


@backup.command("create")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-keys",
    "keys_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the data keys to this new file (0600); store it apart from the database backup.",
)
@ADMIN_OPTION
def backup_create(out: Path, keys_out: Path | None, as_name: str) -> None:
    """Write a consistent copy of the database to OUT (a new file, 0600; an admin; audited)."""
    from bot.config import database_url
    from bot.security import audit
    from bot.security.audit_actions import AuditAction
    from bot.security.crypto import DataKeyError
    from bot.storage.backup import BackupError, create_backup, write_key_backup
    from bot.storage.db import session_factory

    if keys_out is not None and keys_out.resolve() == out.resolve():
        raise click.ClickException("Give the keys a file of their own, apart from the database backup.")
    by = admin(as_name, AuditAction.BACKUP).staff_id
    detail = f"to file {out.resolve()}" + (f", keys to file {keys_out.resolve()}" if keys_out else "")
    # Recorded first, so that the copy holds the entry that says it was made.
    audit.record_event(
        session_factory(), staff=by, action=AuditAction.BACKUP, case_ref=None, channel="cli", detail=detail
    )
    try:
        kind = create_backup(database_url(), out)
        click.echo(f"Backed up the {kind} database {safe_url(database_url())} to {out}.")
        if keys_out is not None:
            count = write_key_backup(keys_out)
            click.echo(f"Wrote {count} data key(s) to {keys_out}; keep it apart from the database backup.")
    except (BackupError, DataKeyError) as error:
        raise click.ClickException(str(error)) from None


@backup.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to_url", required=True, metavar="URL", help="A new, empty database (SQLAlchemy URL).")
def backup_restore(backup_file: Path, to_url: str) -> None:
    """Restore BACKUP_FILE into the new, empty database at URL."""
    from bot.storage.backup import BackupError, restore_backup

    try:
        kind = restore_backup(backup_file, to_url)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the {kind} backup into {safe_url(to_url)}. Point DATABASE_URL at it, put its keys in place "
        "(prr keys restore KEYFILE), then run `prr audit verify`."
    )
