"""Operators' commands: database schema, audit trail, keys, retention, Rasa's endpoints, secrets."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.app import main, safe_url


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    from bot.config import database_url
    from bot.storage.migrate import upgrade

    upgrade()
    click.echo(f"Database is at the newest schema ({safe_url(database_url())}).")
    _check_keys()


def _check_keys() -> str:
    from bot.config import database_url
    from bot.security.crypto import DataKeyError, key_file
    from bot.security.key_check import check_data_key
    from bot.storage.db import engine_for

    try:
        outcome = check_data_key(engine_for(database_url()))
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None
    if outcome == "created":
        click.echo(f"A new data key was made in {key_file()}: back it up apart from the database now.")
    return outcome


@main.group()
def audit() -> None:
    """The audit trail of case access."""


@audit.command("show")
@click.option("--case", "case_ref", help="Only this case reference.")
@click.option("--staff", "staff_name", help="Only this staff member (name).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000))
def audit_show(case_ref: str | None, staff_name: str | None, limit: int) -> None:
    """Print audit entries, newest first."""
    from bot.bootstrap import staff_store
    from bot.security import audit as audit_log
    from bot.storage.db import session_factory

    staff_id = None
    if staff_name:
        member = next((m for m in staff_store().list() if m.name == staff_name), None)
        if member is None:
            raise click.ClickException(f"No staff member named {staff_name!r}.")
        staff_id = member.sender_id
    with session_factory()() as session:
        for e in audit_log.entries(
            session, case_ref=case_ref.upper() if case_ref else None, staff=staff_id, limit=limit
        ):
            click.echo(
                f"#{e.id}\t{e.at:%Y-%m-%d %H:%M:%S}\tstaff {e.staff}\t{e.action}\t{e.case_ref or '-'}\t{e.channel}\t{e.outcome}"
            )


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; report the first entry that was changed or removed."""
    from bot.security import audit as audit_log
    from bot.storage.db import session_factory

    with session_factory()() as session:
        result = audit_log.verify(session)
    if not result.ok:
        raise click.ClickException(
            f"Audit trail broken at entry #{result.first_bad_id}: {result.problem} "
            f"({result.checked} entries before it are intact)."
        )
    click.echo(f"Audit trail intact: {result.checked} entries.")


@main.group()
def keys() -> None:
    """Data encryption keys."""


@keys.command("init")
def keys_init() -> None:
    """Make the first data key, for a database that holds no encrypted data yet."""
    from bot.security.crypto import has_keys

    if has_keys():
        raise click.ClickException("A data key already exists; it was left as it is.")
    if _check_keys() == "no schema yet":
        raise click.ClickException("The database has no schema yet: run `prr db upgrade` (it makes the key).")


@keys.command("rotate")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 100000))
@click.option(
    "--with-keys",
    "keys_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Back up the keys, new one included, to this new file (0600) before re-encrypting anything.",
)
def keys_rotate(batch_size: int, keys_out: Path | None) -> None:
    """Re-encrypt all sensitive data under a new key; one at a time, safe to kill and run again."""
    from bot.config import database_url
    from bot.security.crypto import DataKeyError, keys_from_environment
    from bot.security.key_rotation import rotate
    from bot.storage.backup import BackupError, write_key_backup
    from bot.storage.db import engine_for

    backup = (lambda: write_key_backup(keys_out)) if keys_out is not None else None
    try:
        report = rotate(engine_for(database_url()), batch_size=batch_size, before_reencrypting=backup)
    except (DataKeyError, BackupError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Rotated: {report.reencrypted} values re-encrypted under the new key.")
    if keys_from_environment():
        click.echo("No value is under the old key any more: set PRR_DATA_KEY to its first key alone, on every node.")
    else:
        click.echo(f"{report.keys_dropped} old key(s) removed.")
    if keys_out is None:
        click.echo("Back up the new key (prr backup create FILE --with-keys KEYFILE), apart from the database.")


@keys.command("restore")
@click.argument("key_backup", type=click.Path(exists=True, dir_okay=False))
def keys_restore(key_backup: str) -> None:
    """Put the data keys from a key backup in place (refuses to replace an existing key file)."""
    from bot.security.crypto import DataKeyError, install_keys, key_file

    lines = [line.strip() for line in Path(key_backup).read_text().splitlines()]
    try:
        install_keys([line for line in lines if line and not line.startswith("#")])
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Data keys restored to {key_file()}.")


@main.command()
@click.option("--older-than", "older_than", required=True, help="Retention period, e.g. 30d, 12h.")
def purge(older_than: str) -> None:
    """Delete conversation events older than the retention period."""
    import re as _re

    from bot.config import database_url
    from bot.conversations.redaction import purge_older_than
    from bot.storage.db import engine_for

    match = _re.fullmatch(r"(\d+)\s*([dh])", older_than.strip().lower())
    if not match:
        raise click.ClickException("--older-than takes a number of days or hours, e.g. 30d or 12h.")
    seconds = int(match.group(1)) * (86400 if match.group(2) == "d" else 3600)
    removed = purge_older_than(engine_for(database_url()), seconds)
    click.echo(f"Purged {removed} conversation events older than {older_than}.")


@main.command("rasa-endpoints")
@click.option("--actions-url", default="http://127.0.0.1:5055/webhook", show_default=True)
@click.option(
    "--lock-store",
    "lock_store",
    metavar="redis://HOST:PORT/DB",
    help="A Redis lock store, needed when several Rasa servers share the conversations.",
)
@click.option("--lock-prefix", help="Keeps this deployment's locks apart from others on the same Redis.")
def rasa_endpoints(actions_url: str, lock_store: str | None, lock_prefix: str | None) -> None:
    """Print Rasa's endpoints.yml: our action server, and the SQL tracker store in our database."""
    import yaml

    from bot.config import database_url
    from bot.rasa_endpoints import rasa_endpoints as make_endpoints

    try:
        endpoints = make_endpoints(database_url(), actions_url, lock_store, lock_prefix)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(yaml.safe_dump(endpoints, sort_keys=False))


@main.command("secret")
@click.argument("which", type=click.Choice(["api-token", "bridge-token"]))
def secret(which: str) -> None:
    """Print a generated secret, for the scripts that start the servers."""
    from bot.security.tokens import TokenError, api_token, bridge_token

    try:
        click.echo(api_token() if which == "api-token" else bridge_token())
    except TokenError as error:
        raise click.ClickException(str(error)) from None
