"""Developers' commands: files generated from the code."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.app import main


@main.group()
def dev() -> None:
    """Files generated from the code (commit what they write)."""


@dev.command("gen-domain")
@click.option("--check", is_flag=True, help="Change nothing; fail if a generated file is out of date.")
@click.option("--domain-dir", type=click.Path(file_okay=False, path_type=Path), help="Default: the project's domain/.")
def gen_domain(check: bool, domain_dir: Path | None) -> None:
    """Write domain/intake_form.yml and domain/responses.yml from the intake fields and the catalogue."""
    from bot.config import PROJECT_ROOT, settings
    from bot.language import domain

    lang = settings().language
    domain_dir = domain_dir or PROJECT_ROOT / "domain"
    if check:
        out_of_date = domain.stale(domain_dir, lang)
        if out_of_date:
            raise click.ClickException(f"out of date: {', '.join(out_of_date)}; run `prr dev gen-domain`")
        click.echo("The generated domain files are up to date.")
        return
    changed = domain.write(domain_dir, lang)
    click.echo(f"Wrote {', '.join(changed)}." if changed else "Nothing to change.")
