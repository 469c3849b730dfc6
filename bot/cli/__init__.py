"""`prr`: the command line for staff and operators (one module per command group)."""

from bot.cli import backup, cases, dev, knowledge, ops, serve, staff  # noqa: F401  (they register their commands)
from bot.cli.app import main

__all__ = ["main"]
