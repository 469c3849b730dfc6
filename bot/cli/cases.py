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


@case.command("assign")
@click.argument("reference")
@click.argument("case_manager")
@AS_OPTION
@case_errors
def case_assign(reference: str, case_manager: str, as_name: str) -> None:
    """Assign a case to a case manager (supervisors; audited)."""
    from bot.bootstrap import case_store, staff_store
    from bot.staff.models import Role

    member = staff_store().active_by_name(case_manager)
    if member is None or member.role != Role.CASE_MANAGER:
        raise click.ClickException(f"{case_manager!r} is not an active case manager.")
    case_store().assign(reference, member.sender_id, actor=acting_as(as_name), channel="cli")
    click.echo(f"{reference.upper()} is assigned to {case_manager}.")


@case.command("export")
@click.argument("reference")
@AS_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this new file (0600; an existing file or a link is refused) instead of stdout.",
)
@case_errors
def case_export(reference: str, as_name: str, out: str | None) -> None:
    """Write one case with its notes and history as JSON (supervisors; audited)."""
    from bot.bootstrap import case_store

    destination = f"file {os.path.abspath(out)}" if out else "standard output"

    def exported() -> str:
        case = case_store().export(reference, actor=acting_as(as_name), channel="cli", destination=destination)
        return json.dumps(case, ensure_ascii=False, indent=2)

    if not out:
        click.echo(exported())
        return
    with _new_private_file(out) as handle:  # made first: a refused destination exports nothing
        try:
            handle.write(exported() + "\n")
        except BaseException:  # a refused export leaves no empty file behind
            os.unlink(out)
            raise
    click.echo(f"Exported to {out}.")


def _new_private_file(path: str):
    """Open a file that did not exist, for the owner only: never through a link, never over a file
    (whose mode and other links would be kept), whatever the umask."""
    from bot.security.private_files import create_new

    try:
        fd = create_new(path)
    except FileExistsError:
        raise click.ClickException(f"{path} already exists (or is a link); an export writes only a new file.") from None
    except OSError as error:
        raise click.ClickException(f"cannot create {path}: {error.strerror}.") from None
    return os.fdopen(fd, "w", encoding="utf-8")


@case.command("erase")
@click.argument("reference")
@click.option("--reason", required=True)
@AS_OPTION
@case_errors
def case_erase(reference: str, reason: str, as_name: str) -> None:
    """Remove a case's content, its interview's conversation events and the messages that name it
    (supervisors; audited)."""
    from bot.bootstrap import case_store

    erasure = case_store().erase(reference, reason, actor=acting_as(as_name), channel="cli")
    click.echo(
        f"Erased {erasure.case.reference}: content removed, {erasure.events_deleted} interview events deleted, "
        f"{erasure.events_redacted} other conversation events naming it blanked; the audit trail keeps the erasure."
    )
