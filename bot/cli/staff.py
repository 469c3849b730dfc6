"""`prr staff …`: who may use the assistant."""

from __future__ import annotations

import sys

import click

from bot.cli.app import AS_OPTION, main, shown_as_click_errors
from bot.cli.cases import case_assign
from bot.staff.models import ROLES
from bot.staff.store import StaffError

staff_errors = shown_as_click_errors(StaffError)


@main.group()
def staff() -> None:
    """Registered staff: who may use the assistant."""


@staff.command("add")
@click.option("--name", required=True, help="A short unique name, e.g. a.sultanova.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--telegram-id", type=int, help="The person's numeric Telegram user id.")
@staff_errors
def staff_add(name: str, role: str, telegram_id: int | None) -> None:
    """Register a staff member."""
    from bot.bootstrap import staff_store

    member = staff_store().add(name, role, telegram_id)
    click.echo(f"Added {member.name} ({member.role}), staff id {member.id}.")


@staff.command("list")
def staff_list() -> None:
    """List staff members."""
    from bot.bootstrap import staff_store

    members = staff_store().list()
    if not members:
        click.echo("No staff registered. Add one with: prr staff add --name NAME --role intake --telegram-id ID")
    for m in members:
        click.echo(
            f"{m.id}\t{m.name}\t{m.role}\t{'active' if m.active else 'disabled'}\ttelegram:{m.telegram_id or '-'}"
        )


@staff.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@staff_errors
def staff_set_password(name: str, password_stdin: bool) -> None:
    """Set a staff member's web login password (stored as an argon2 hash, never in clear)."""
    from bot.bootstrap import staff_store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    staff_store().set_password(name, password)
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
@staff_errors
def staff_disable(name: str) -> None:
    """Disable a staff member: they can no longer reach the assistant."""
    from bot.bootstrap import staff_store

    staff_store().disable(name)
    click.echo(f"Disabled {name}.")
