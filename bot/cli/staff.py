"""`prr staff …`: who may use the assistant. Changes need an authenticated admin and are audited."""

from __future__ import annotations

import sys

import click

from bot.cli.app import (
    ADMIN_OPTION,
    AS_OPTION,
    admin,
    authenticated,
    main,
    read_password,
    shown_as_click_errors,
)
from bot.cli.cases import case_assign
from bot.security.audit_actions import AuditAction
from bot.staff.models import ROLES, Role
from bot.staff.store import StaffError

staff_errors = shown_as_click_errors(StaffError)
FIRST_ADMIN = "prr staff add --name NAME --role admin"


@main.group()
def staff() -> None:
    """Registered staff: who may use the assistant."""


@staff.command("add")
@click.option("--name", required=True, help="A short unique name, e.g. a.sultanova.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--telegram-id", type=int, help="The person's numeric Telegram user id.")
@click.option("--as", "as_name", metavar="NAME", help="The admin adding them (not for the very first admin).")
@staff_errors
def staff_add(name: str, role: str, telegram_id: int | None, as_name: str | None) -> None:
    """Register a staff member (an admin, --as NAME). On a fresh installation the first admin is
    added without --as, with a password of their own: prr staff add --name NAME --role admin."""
    from bot.bootstrap import staff_store
    from bot.config import settings

    store = staff_store()
    if as_name:
        by = admin(as_name, AuditAction.STAFF_ADD).staff_id
        member = store.add(name, role, telegram_id, by=by)
    elif role == Role.ADMIN and not store.has_active_admin():
        password = settings().cli_password or read_password(f"Password for {name}", confirm=True)
        member = store.add(name, role, telegram_id, first_admin_password=password)
    else:
        raise click.ClickException(
            f"Adding staff needs an admin: --as ADMIN. (Only the very first admin is added without: {FIRST_ADMIN}.)"
        )
    click.echo(f"Added {member.name} ({member.role}), staff id {member.id}.")


@staff.command("list")
def staff_list() -> None:
    """List staff members."""
    from bot.bootstrap import staff_store

    members = staff_store().list()
    if not members:
        click.echo(f"No staff registered. Add the first admin with: {FIRST_ADMIN}")
    for m in members:
        click.echo(
            f"{m.id}\t{m.name}\t{m.role}\t{'active' if m.active else 'disabled'}\ttelegram:{m.telegram_id or '-'}"
        )


@staff.command("set-password")
@click.argument("name")
@click.option("--as", "as_name", required=True, metavar="NAME", help="An admin, or NAME themself; asks their password.")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (for scripts).")
@staff_errors
def staff_set_password(name: str, as_name: str, password_stdin: bool) -> None:
    """Set a staff member's login password (stored as an argon2 hash, never in clear). An admin
    may set anyone's (which also lifts a lockout); others only their own. Audited."""
    from bot.bootstrap import staff_store

    if as_name == name:
        by = authenticated(as_name).sender_id
    else:
        by = admin(as_name, AuditAction.STAFF_SET_PASSWORD).staff_id
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = read_password("New password", confirm=True)
    staff_store().set_password(name, password, by=by)
    click.echo(f"Password set for {name}.")


@staff.command("assign", hidden=True)
@click.argument("reference")
@click.argument("case_manager")
@AS_OPTION
@click.pass_context
def staff_assign(ctx: click.Context, reference: str, case_manager: str, as_name: str) -> None:
    """Moved to `prr case assign` (it acts on a case); kept so that old scripts still work."""
    click.echo("`prr staff assign` has moved to `prr case assign REF MANAGER --as NAME`.", err=True)
    ctx.invoke(case_assign, reference=reference, case_manager=case_manager, as_name=as_name)


@staff.command("disable")
@click.argument("name")
@ADMIN_OPTION
@staff_errors
def staff_disable(name: str, as_name: str) -> None:
    """Disable a staff member: they can no longer reach the assistant (an admin; audited)."""
    from bot.bootstrap import staff_store

    staff_store().disable(name, by=admin(as_name, AuditAction.STAFF_DISABLE).staff_id)
    click.echo(f"Disabled {name}.")
