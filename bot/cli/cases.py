"""`prr case …`: cases, acting as a staff member who gives their password (checked and audited like chat)."""

from __future__ import annotations

import json
import os

import click

from bot.cli.app import AS_OPTION, acting_as, case_errors, main


@main.group()
def case() -> None:
    """Cases in the case store (each command acts as a staff member: --as NAME)."""


@case.command("show")
@click.argument("reference")
@AS_OPTION
@case_errors
def case_show(reference: str, as_name: str) -> None:
    """Print one case with its notes and status history."""
    from bot.bootstrap import case_store
    from bot.cases.views import case_text

    click.echo(case_text(case_store().get(reference, actor=acting_as(as_name), channel="cli"), max_notes=1000))


@case.command("list")
@AS_OPTION
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@case_errors
def case_list(as_name: str, limit: int) -> None:
    """List the newest cases this staff member may see."""
    from bot.bootstrap import case_store

    cases = case_store().list_for(actor=acting_as(as_name), channel="cli", limit=limit)
    if not cases:
        click.echo("No cases.")
    for c in cases:
        click.echo(
            f"{c.reference}\t{c.status}\t{c.created_at:%Y-%m-%d}\t{c.created_by}\t{c.assigned_to or '-'}\t{c.intake_type}"
        )


@case.command("export")
@click.argument("reference")
@AS_OPTION
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file (0600) instead of stdout."
)
@case_errors
def case_export(reference: str, as_name: str, out: str | None) -> None:
    """Write one case with its notes and history as JSON (supervisors; audited)."""
    from bot.bootstrap import case_store

    destination = f"file {os.path.abspath(out)}" if out else "standard output"
    exported = case_store().export(reference, actor=acting_as(as_name), channel="cli", destination=destination)
    data = json.dumps(exported, ensure_ascii=False, indent=2)
    if out:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(data + "\n")
        click.echo(f"Exported to {out}.")
    else:
        click.echo(data)


@case.command("erase")
@click.argument("reference")
@click.option("--reason", required=True)
@AS_OPTION
@case_errors
def case_erase(reference: str, reason: str, as_name: str) -> None:
    """Remove a case's content and its interview's conversation events (supervisors; audited)."""
    from bot.bootstrap import case_store

    case, removed = case_store().erase(reference, reason, actor=acting_as(as_name), channel="cli")
    click.echo(
        f"Erased {case.reference}: content removed, {removed} conversation events deleted; the audit trail keeps the erasure."
    )
