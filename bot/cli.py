"""`prr`: the command line for staff and operators."""
from __future__ import annotations

import json
import os
import sys

import click

# TensorFlow is pulled in by spaCy's dependencies; its start-up chatter is noise for a CLI user.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@click.group()
def main() -> None:
    """PRR Assistant: knowledge search and case store from the command line."""


@main.command()
@click.argument("question")
@click.option("--k", "k", default=3, show_default=True, type=click.IntRange(1, 50), help="How many hits to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def ask(question: str, k: int, as_json: bool) -> None:
    """Search the knowledge store and print the ranked hits."""
    from bot.knowledge.answers import DISCLAIMER
    from bot.services import knowledge_base

    result = knowledge_base().search(question, k=k)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    if not result.answered:
        click.echo("No reliable answer in the knowledge store.")
        if result.hits:
            click.echo("Closest sections (below the answer threshold):")
    for rank, hit in enumerate(result.hits, 1):
        click.echo(f"\n{rank}. [{hit.id}] {hit.title}  (score {hit.score:.2f})")
        click.echo(f"   Source: {hit.source}")
        click.echo(f"   {hit.text}")
    click.echo(f"\n{DISCLAIMER}")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    from bot.config import database_url
    from bot.migrate import upgrade

    upgrade()
    click.echo(f"Database is at the newest schema ({_safe_url(database_url())}).")


@main.group()
def knowledge() -> None:
    """The knowledge corpus."""


@knowledge.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), help="Corpus folder (default: knowledge/).")
def knowledge_load(directory: str | None) -> None:
    """Load the Markdown corpus into the database (add, update, remove; safe to repeat)."""
    from pathlib import Path

    from tqdm import tqdm

    from bot.config import knowledge_dir
    from bot.db import session_factory
    from bot.knowledge.corpus import CorpusError, parse_corpus
    from bot.knowledge.store import load_sections

    try:
        sections = parse_corpus(Path(directory) if directory else knowledge_dir())
    except CorpusError as error:
        raise click.ClickException(str(error)) from None
    with tqdm(total=len(sections), desc="Loading knowledge sections", unit="section", file=sys.stderr) as bar:
        with session_factory().begin() as session:
            report = load_sections(session, sections, progress=lambda _id: bar.update(1))
    click.echo(f"Knowledge: {len(report.added)} added, {len(report.updated)} updated, "
               f"{len(report.removed)} removed, {report.unchanged} unchanged.")


@main.group()
def case() -> None:
    """Cases in the case store."""


@case.command("show")
@click.argument("reference")
def case_show(reference: str) -> None:
    """Print one case with its notes and status history."""
    from bot.cases.store import normalise_reference
    from bot.cases.views import case_text
    from bot.services import case_store

    ref = normalise_reference(reference)
    found = case_store().get(ref) if ref else None
    if found is None:
        raise click.ClickException(f"No case {reference!r} was found (references look like PRR-2026-0007).")
    click.echo(case_text(found, max_notes=1000))


@case.command("list")
@click.option("--staff", help="Only cases created by this staff id.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def case_list(staff: str | None, limit: int) -> None:
    """List the newest cases."""
    from bot.services import case_store

    cases = case_store().list_for(staff, limit=limit)
    if not cases:
        click.echo("No cases.")
    for c in cases:
        click.echo(f"{c.reference}\t{c.status}\t{c.created_at:%Y-%m-%d}\t{c.created_by}\t{c.intake_type}")


@main.command()
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="The Rasa server.")
@click.option("--sender", default=lambda: os.environ.get("USER", "staff"), show_default="$USER", help="Your staff id.")
def shell(url: str, sender: str) -> None:
    """Chat with the running assistant in this terminal (type a button's number to press it)."""
    import requests

    click.echo(f"Talking to {url} as {sender!r}. Ctrl-D or /quit to leave.")
    buttons: list[dict] = []
    while True:
        try:
            text = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        if text.strip() == "/quit":
            return
        if text.strip().isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            reply = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
            reply.raise_for_status()
        except requests.RequestException as error:
            click.echo(f"bot> The assistant is unreachable ({type(error).__name__}); your progress is kept on the server.")
            continue
        buttons = []
        for message in reply.json():
            if message.get("text"):
                click.echo("bot> " + message["text"].replace("\n", "\n     "))
            for button in message.get("buttons") or []:
                buttons.append(button)
                click.echo(f"     [{len(buttons)}] {button['title']}")


@main.group()
def staff() -> None:
    """Registered staff: who may use the assistant."""


@staff.command("add")
@click.option("--name", required=True, help="A short unique name, e.g. a.sultanova.")
@click.option("--role", required=True, type=click.Choice(["intake", "case_manager", "supervisor", "admin"]))
@click.option("--telegram-id", type=int, help="The person's numeric Telegram user id.")
def staff_add(name: str, role: str, telegram_id: int | None) -> None:
    """Register a staff member."""
    from bot.services import staff_store
    from bot.staff.store import StaffError

    try:
        member = staff_store().add(name, role, telegram_id)
    except StaffError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {member.name} ({member.role}), staff id {member.id}.")


@staff.command("list")
def staff_list() -> None:
    """List staff members."""
    from bot.services import staff_store

    members = staff_store().list()
    if not members:
        click.echo("No staff registered. Add one with: prr staff add --name NAME --role intake --telegram-id ID")
    for m in members:
        click.echo(f"{m.id}\t{m.name}\t{m.role}\t{'active' if m.active else 'disabled'}\ttelegram:{m.telegram_id or '-'}")


@staff.command("disable")
@click.argument("name")
def staff_disable(name: str) -> None:
    """Disable a staff member: they can no longer reach the assistant."""
    from bot.services import staff_store
    from bot.staff.store import StaffError

    try:
        staff_store().disable(name)
    except StaffError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Disabled {name}.")


@main.command()
@click.option("--webhook", "webhook_url", help="Receive updates by webhook at this public URL (default: long polling).")
@click.option("--listen", default="127.0.0.1:8443", show_default=True, help="Where the webhook server listens.")
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--base-url", envvar="TELEGRAM_API_BASE_URL", help="Bot API base URL (a local Bot API server).")
def telegram(webhook_url: str | None, listen: str, rasa_url: str, base_url: str | None) -> None:
    """Run the Telegram bridge. The bot token comes from TELEGRAM_BOT_TOKEN."""
    import asyncio
    import logging

    from bot.channels.telegram import serve
    from bot.secrets import bridge_token
    from bot.services import staff_store

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise click.ClickException("Set TELEGRAM_BOT_TOKEN to the bot's token (from @BotFather).")
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException("--listen takes HOST:PORT, for example 127.0.0.1:8443")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would print the token in URLs
    asyncio.run(serve(token, rasa_url, bridge_token(), staff_store(), base_url=base_url,
                      webhook_url=webhook_url, listen=(host, int(port))))


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
