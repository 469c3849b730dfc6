"""The `prr` command group and what its commands share: acting as a staff member, domain errors
shown as click errors, safe database URLs. Commands live in the modules beside this one."""

from __future__ import annotations

import functools
import sys

import click

from bot.config import quiet_environment
from bot.security.transport import InsecureTransport

quiet_environment()  # TensorFlow is pulled in by spaCy's dependencies


class _Commands(click.Group):
    """Refusals that any command can meet at start-up are one-line messages, not tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InsecureTransport as error:
            raise click.ClickException(str(error)) from None


# Commands that work without data keys that fit the database: the schema, the keys themselves,
# backups, and secrets or configuration that hold no case data.
WITHOUT_KEY_CHECK = {"db", "keys", "backup", "secret", "rasa-endpoints"}


@click.group(cls=_Commands)
@click.pass_context
def main(ctx: click.Context) -> None:
    """PRR Assistant: knowledge search and case store from the command line."""
    if ctx.invoked_subcommand in WITHOUT_KEY_CHECK:
        return
    from bot.bootstrap import ensure_data_key
    from bot.security.crypto import DataKeyError

    try:
        ensure_data_key()  # a missing or wrong key stops every command before it touches data
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None


def authenticated(name: str, channel: str = "cli"):
    """The staff member NAME, once they gave their password (PRR_PASSWORD for scripts, else
    asked for without echo; never an argument). The same argon2 check and lockout as the web
    login; success, failure and lockout are audited with this channel and the OS account."""
    from bot.bootstrap import staff_store
    from bot.config import settings
    from bot.staff.store import LoginRefused

    password = settings().cli_password or read_password(f"Password for {name}")
    if not password:
        raise click.ClickException(
            "No password given: type it when asked, or give it in PRR_PASSWORD or on standard input."
        )
    try:
        return staff_store().login(name, password, channel=channel)
    except LoginRefused as refused:
        raise click.ClickException(str(refused)) from None


def read_password(prompt: str, confirm: bool = False) -> str:
    """A password typed without echo; from a script, the next line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)


def acting_as(name: str):
    """The staff member a command acts as (--as NAME, with their password); every case command
    is checked and audited."""
    from bot.bootstrap import staff_store

    return staff_store().actor(authenticated(name).sender_id)


def admin(name: str, action: str):
    """The admin acting (--as NAME, with their password). Anyone else is refused, and the
    refusal audited as `action`."""
    from bot.bootstrap import staff_store
    from bot.security import audit
    from bot.staff.models import Role
    from bot.storage.db import session_factory

    member = authenticated(name)
    if member.role != Role.ADMIN:
        fields = dict(staff=member.sender_id, action=action, case_ref=None, channel="cli", outcome="refused")
        audit.record_event(session_factory(), **fields)
        raise click.ClickException(f"Only an admin may do this; {name} is {member.role}.")
    return staff_store().actor(member.sender_id)


def shown_as_click_errors(*errors: type[Exception]):
    """Domain errors (refusals, bad requests) reach the user as one-line click errors."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except errors as error:
                raise click.ClickException(str(error)) from None

        return wrapper

    return decorate


def case_errors(func):
    from bot.cases.access import NotPermitted
    from bot.cases.store import CaseError

    return shown_as_click_errors(NotPermitted, CaseError)(func)


AS_OPTION = click.option(
    "--as",
    "as_name",
    required=True,
    metavar="NAME",
    help="The staff member acting: asks for their password (or reads PRR_PASSWORD); checked and audited.",
)
ADMIN_OPTION = click.option(
    "--as", "as_name", required=True, metavar="NAME", help="The admin acting: asks for their password; audited."
)


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
