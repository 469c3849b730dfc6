"""The `prr` command group and what its commands share: acting as a staff member, domain errors
shown as click errors, safe database URLs. Commands live in the modules beside this one."""

from __future__ import annotations

import functools

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


@click.group(cls=_Commands)
def main() -> None:
    """PRR Assistant: knowledge search and case store from the command line."""


def acting_as(name: str):
    """The staff member a command acts as (--as NAME); every case command is checked and audited."""
    from bot.bootstrap import staff_store

    staff = staff_store().active_by_name(name)
    if staff is None:
        raise click.ClickException("not permitted")
    return staff_store().actor(staff.sender_id)


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
    "--as", "as_name", required=True, metavar="NAME", help="The staff member acting (checked and audited)."
)


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
