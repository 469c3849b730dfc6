"""Operators' commands: database schema, audit trail, keys, retention, Rasa's endpoints, secrets."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.app import ADMIN_OPTION, admin, main, safe_url
from bot.security.audit_actions import AuditAction


def _audited(by: str, action: AuditAction, detail: str) -> None:
    """An operator's command, done: audited in a transaction of its own."""
    from bot.security import audit as audit_log
    from bot.storage.db import session_factory

    audit_log.record_event(session_factory(), staff=by, action=action, case_ref=None, channel="cli", detail=detail)


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
    """The audit trail: case access, logins, staff changes, keys, purges, exports."""


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
        member = staff_store().by_name(staff_name)
        if member is None:
            raise click.ClickException(f"No staff member named {staff_name!r}.")
        staff_id = member.sender_id
    with session_factory()() as session:
        for e in audit_log.entries(
            session, case_ref=case_ref.upper() if case_ref else None, staff=staff_id, limit=limit
        ):
            click.echo(
                f"#{e.id}\t{e.at:%Y-%m-%d %H:%M:%S}\tstaff {e.staff}\t{e.action}\t{e.case_ref or '-'}\t{e.channel}"
                f"\t{e.outcome}\t{e.origin or '-'}\t{e.detail or ''}".rstrip("\t")
            )


def _verified(anchor: str | None):
    from bot.security import audit as audit_log
    from bot.security.audit_anchor import AnchorError, parse_head
    from bot.storage.db import session_factory

    try:
        operator_anchor = parse_head(anchor) if anchor else None
    except AnchorError as error:
        raise click.BadParameter(str(error), param_hint="--anchor") from None
    with session_factory()() as session:
        result = audit_log.verify(session, operator_anchor)
    if not result.ok:
        where = f" at entry #{result.first_bad_id}" if result.first_bad_id else ""
        raise click.ClickException(
            f"Audit trail broken{where}: {result.problem} ({result.checked} entries before it are intact)."
        )
    return result


@audit.command("verify")
@click.option("--anchor", metavar="SEQ:HASH", help="A head kept elsewhere (from `prr audit anchor`) to check too.")
def audit_verify(anchor: str | None) -> None:
    """Check the keyed chain and its anchors; report the first entry changed, removed or re-created."""
    result = _verified(anchor)
    click.echo(f"Audit trail intact: {result.checked} entries, head {result.head}.")


@audit.command("anchor")
def audit_anchor() -> None:
    """Check the chain, then print its head (SEQ:HASH) to keep somewhere else, e.g. on paper or in
    another system; `prr audit verify --anchor SEQ:HASH` later shows the chain still contains it."""
    from bot.security import audit as audit_log
    from bot.security import audit_anchor as anchors
    from bot.storage.db import session_factory

    head = _verified(None).head
    if head.seq:
        with session_factory()() as session:
            anchors.append(head, audit_log.database_tag(session))
    click.echo(str(head))


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
@ADMIN_OPTION
def keys_rotate(batch_size: int, keys_out: Path | None, as_name: str) -> None:
    """Re-encrypt all sensitive data under a new key; one at a time, safe to kill and run again (an admin; audited)."""
    from bot.config import database_url
    from bot.security.crypto import DataKeyError, keys_from_environment, keys_lock
    from bot.security.key_rotation import rotate
    from bot.storage.backup import BackupError, write_key_backup
    from bot.storage.db import engine_for

    backup = (lambda: write_key_backup(keys_out)) if keys_out is not None else None
    try:
        with keys_lock(wait=False):  # a second rotation is refused before it asks for anything
            by = admin(as_name, AuditAction.KEYS_ROTATE).staff_id
            report = rotate(engine_for(database_url()), batch_size=batch_size, before_reencrypting=backup)
    except (DataKeyError, BackupError) as error:
        raise click.ClickException(str(error)) from None
    _audited(
        by, AuditAction.KEYS_ROTATE, f"{report.reencrypted} values re-encrypted, {report.keys_dropped} old keys removed"
    )
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
    """Put the data keys and the audit key from a key backup in place (refuses to replace an
    existing data key file; keeps an audit key already there)."""
    from bot.security.crypto import DataKeyError, install_keys, key_file
    from bot.security.tokens import TokenError, install_audit_key
    from bot.storage.backup import AUDIT_KEY_LINE

    lines = [line.strip() for line in Path(key_backup).read_text().splitlines()]
    audit_keys = [line.removeprefix(AUDIT_KEY_LINE) for line in lines if line.startswith(AUDIT_KEY_LINE)]
    try:
        install_keys([line for line in lines if line and not line.startswith(("#", AUDIT_KEY_LINE))])
        if audit_keys:
            install_audit_key(audit_keys[0])
    except (DataKeyError, TokenError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Data keys restored to {key_file()}.")
    if audit_keys:
        click.echo("The audit key is in place too.")
    else:
        click.echo("This backup holds no audit key: `prr audit verify` needs the one the trail was written with.")


@main.command()
@click.option("--older-than", "older_than", required=True, help="Retention period, e.g. 30d, 12h.")
@ADMIN_OPTION
def purge(older_than: str, as_name: str) -> None:
    """Delete conversation events older than the retention period (an admin; audited)."""
    import re as _re

    from bot.config import database_url
    from bot.conversations.redaction import purge_older_than
    from bot.storage.db import engine_for

    match = _re.fullmatch(r"(\d+)\s*([dh])", older_than.strip().lower())
    if not match:
        raise click.ClickException("--older-than takes a number of days or hours, e.g. 30d or 12h.")
    seconds = int(match.group(1)) * (86400 if match.group(2) == "d" else 3600)
    by = admin(as_name, AuditAction.PURGE).staff_id
    removed = purge_older_than(engine_for(database_url()), seconds)
    _audited(by, AuditAction.PURGE, f"{removed} conversation events older than {older_than}")
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
