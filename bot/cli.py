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
@click.option("--k", "k", default=3, show_default=True, type=click.IntRange(1, 50), help="How many hits to rank (--json).")
@click.option("--json", "as_json", is_flag=True, help="Print the ranked hits as JSON instead of the answer.")
def ask(question: str, k: int, as_json: bool) -> None:
    """Ask the knowledge store: the answer as chat gives it, or the ranked hits (--json)."""
    from bot.knowledge.answers import RELATED, answer
    from bot.services import knowledge_base

    kb = knowledge_base()
    result = kb.search(question, k=k if as_json else 1 + RELATED)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    reply = answer(result, kb.topics())
    click.echo(reply.text)
    for button in reply.buttons:
        click.echo(f"  • {button['title']}")


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


def _corpus_dir(directory: str | None):
    from pathlib import Path

    from bot.config import knowledge_dir

    return Path(directory) if directory else knowledge_dir()


_DIR_OPTION = click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False),
                           help="Corpus folder (default: knowledge/).")


@knowledge.command("check")
@_DIR_OPTION
def knowledge_check(directory: str | None) -> None:
    """Check the corpus: sources in the bibliography with a place, length, asks:, no near-duplicates."""
    from bot.knowledge.check import check_corpus
    from bot.knowledge.corpus import load_bibliography, parse_corpus

    folder = _corpus_dir(directory)
    problems = check_corpus(folder)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the corpus at {folder}")
    click.echo(f"Corpus OK: {len(parse_corpus(folder))} sections, {len(load_bibliography(folder))} sources.")


@knowledge.command("coverage")
@_DIR_OPTION
def knowledge_coverage(directory: str | None) -> None:
    """Print what the corpus covers as a Markdown table: topic, sections, most cited sources."""
    from collections import Counter

    from bot.knowledge.corpus import load_bibliography, parse_corpus

    folder = _corpus_dir(directory)
    sections, bibliography = parse_corpus(folder), load_bibliography(folder)
    click.echo("| topic | sections | main sources |\n|---|---|---|")
    for topic in dict.fromkeys(s.topic for s in sections):
        of_topic = [s for s in sections if s.topic == topic]
        cited = Counter(c.key for s in of_topic for c in s.citations)
        main = "; ".join(bibliography.get(key, {}).get("title", key) for key, _ in cited.most_common(3))
        click.echo(f"| {topic} | {len(of_topic)} | {main} |")
    click.echo(f"| **all** | **{len(sections)}** | {len(bibliography)} documents in the bibliography |")


@knowledge.command("load")
@_DIR_OPTION
def knowledge_load(directory: str | None) -> None:
    """Load the Markdown corpus into the database (add, update, remove; safe to repeat)."""
    from tqdm import tqdm

    from bot.db import session_factory
    from bot.knowledge.corpus import CorpusError, load_bibliography, parse_corpus
    from bot.knowledge.store import load_sections

    folder = _corpus_dir(directory)
    try:
        sections, bibliography = parse_corpus(folder), load_bibliography(folder)
    except CorpusError as error:
        raise click.ClickException(str(error)) from None
    with tqdm(total=len(sections), desc="Loading knowledge sections", unit="section", file=sys.stderr) as bar:
        with session_factory().begin() as session:
            report = load_sections(session, sections, lambda _id: bar.update(1), bibliography)
    click.echo(f"Knowledge: {len(report.added)} added, {len(report.updated)} updated, "
               f"{len(report.removed)} removed, {report.unchanged} unchanged.")


def _actor(name: str):
    """The staff member a command acts as (--as NAME); every case command is checked and audited."""
    from bot.services import staff_store

    staff = staff_store().active_by_name(name)
    if staff is None:
        raise click.ClickException("not permitted")
    return staff_store().actor(staff.sender_id)


def _case_errors(func):
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from bot.cases.access import NotPermitted
        from bot.cases.store import CaseError

        try:
            return func(*args, **kwargs)
        except (NotPermitted, CaseError) as error:
            raise click.ClickException(str(error)) from None
    return wrapper


AS_OPTION = click.option("--as", "as_name", required=True, metavar="NAME", help="The staff member acting (checked and audited).")


@main.group()
def case() -> None:
    """Cases in the case store (each command acts as a staff member: --as NAME)."""


@case.command("show")
@click.argument("reference")
@AS_OPTION
@_case_errors
def case_show(reference: str, as_name: str) -> None:
    """Print one case with its notes and status history."""
    from bot.cases.views import case_text
    from bot.services import case_store

    click.echo(case_text(case_store().get(reference, actor=_actor(as_name), channel="cli"), max_notes=1000))


@case.command("list")
@AS_OPTION
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@_case_errors
def case_list(as_name: str, limit: int) -> None:
    """List the newest cases this staff member may see."""
    from bot.services import case_store

    cases = case_store().list_for(actor=_actor(as_name), channel="cli", limit=limit)
    if not cases:
        click.echo("No cases.")
    for c in cases:
        click.echo(f"{c.reference}\t{c.status}\t{c.created_at:%Y-%m-%d}\t{c.created_by}\t{c.assigned_to or '-'}\t{c.intake_type}")


@case.command("export")
@click.argument("reference")
@AS_OPTION
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file (0600) instead of stdout.")
@_case_errors
def case_export(reference: str, as_name: str, out: str | None) -> None:
    """Write one case with its notes and history as JSON (supervisors; audited)."""
    from bot.services import case_store

    data = json.dumps(case_store().export(reference, actor=_actor(as_name), channel="cli"), ensure_ascii=False, indent=2)
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
@_case_errors
def case_erase(reference: str, reason: str, as_name: str) -> None:
    """Remove a case's content and its interview's conversation events (supervisors; audited)."""
    from bot.services import case_store

    case, removed = case_store().erase(reference, reason, actor=_actor(as_name), channel="cli")
    click.echo(f"Erased {case.reference}: content removed, {removed} conversation events deleted; the audit trail keeps the erasure.")


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


@staff.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def staff_set_password(name: str, password_stdin: bool) -> None:
    """Set a staff member's web login password (stored as an argon2 hash, never in clear)."""
    from bot.services import staff_store
    from bot.staff.store import StaffError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        staff_store().set_password(name, password)
    except StaffError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Password set for {name}.")


@staff.command("assign")
@click.argument("reference")
@click.argument("case_manager")
@AS_OPTION
@_case_errors
def staff_assign(reference: str, case_manager: str, as_name: str) -> None:
    """Assign a case to a case manager (supervisors; audited)."""
    from bot.services import case_store, staff_store

    member = staff_store().active_by_name(case_manager)
    if member is None or member.role != "case_manager":
        raise click.ClickException(f"{case_manager!r} is not an active case manager.")
    case_store().assign(reference, member.sender_id, actor=_actor(as_name), channel="cli")
    click.echo(f"{reference.upper()} is assigned to {case_manager}.")


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
@click.option("--listen", default="127.0.0.1:5080", show_default=True, help="Where the web chat listens.")
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (behind HTTPS).")
def web(listen: str, rasa_url: str, secure_cookies: bool) -> None:
    """Serve the web chat for staff (login, then chat)."""
    import asyncio

    from bot.secrets import bridge_token
    from bot.services import staff_store
    from bot.web.app import serve

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException("--listen takes HOST:PORT, for example 127.0.0.1:5080")
    asyncio.run(serve(rasa_url, bridge_token(), staff_store(), (host, int(port)), secure_cookies))


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


@main.group()
def audit() -> None:
    """The audit trail of case access."""


@audit.command("show")
@click.option("--case", "case_ref", help="Only this case reference.")
@click.option("--staff", "staff_name", help="Only this staff member (name).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000))
def audit_show(case_ref: str | None, staff_name: str | None, limit: int) -> None:
    """Print audit entries, newest first."""
    from bot import audit as audit_log
    from bot.db import session_factory
    from bot.services import staff_store

    staff_id = None
    if staff_name:
        member = next((m for m in staff_store().list() if m.name == staff_name), None)
        if member is None:
            raise click.ClickException(f"No staff member named {staff_name!r}.")
        staff_id = member.sender_id
    with session_factory()() as session:
        for e in audit_log.entries(session, case_ref=case_ref.upper() if case_ref else None, staff=staff_id, limit=limit):
            click.echo(f"#{e.id}\t{e.at:%Y-%m-%d %H:%M:%S}\tstaff {e.staff}\t{e.action}\t{e.case_ref or '-'}\t{e.channel}\t{e.outcome}")


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; report the first entry that was changed or removed."""
    from bot import audit as audit_log
    from bot.db import session_factory

    with session_factory()() as session:
        result = audit_log.verify(session)
    if not result.ok:
        raise click.ClickException(f"Audit trail broken at entry #{result.first_bad_id}: {result.problem} "
                                   f"({result.checked} entries before it are intact).")
    click.echo(f"Audit trail intact: {result.checked} entries.")


@main.group()
def keys() -> None:
    """Data encryption keys."""


@keys.command("rotate")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 100000))
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt all sensitive data under a new key; safe to interrupt and run again."""
    from bot.crypto import DataKeyError
    from bot.db import engine_for
    from bot.config import database_url
    from bot.keys import rotate

    try:
        report = rotate(engine_for(database_url()), batch_size=batch_size)
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Rotated: {report.reencrypted} values re-encrypted under the new key; {report.keys_dropped} old key(s) removed.")


@main.command()
@click.option("--older-than", "older_than", required=True, help="Retention period, e.g. 30d, 12h.")
def purge(older_than: str) -> None:
    """Delete conversation events older than the retention period."""
    import re as _re

    from bot import conversations
    from bot.db import engine_for
    from bot.config import database_url

    match = _re.fullmatch(r"(\d+)\s*([dh])", older_than.strip().lower())
    if not match:
        raise click.ClickException("--older-than takes a number of days or hours, e.g. 30d or 12h.")
    seconds = int(match.group(1)) * (86400 if match.group(2) == "d" else 3600)
    removed = conversations.purge_older_than(engine_for(database_url()), seconds)
    click.echo(f"Purged {removed} conversation events older than {older_than}.")


@main.command("rasa-endpoints")
@click.option("--actions-url", default="http://127.0.0.1:5055/webhook", show_default=True)
@click.option("--lock-store", "lock_store", metavar="redis://HOST:PORT/DB",
              help="A Redis lock store, needed when several Rasa servers share the conversations.")
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
    from bot.secrets import api_token, bridge_token

    click.echo(api_token() if which == "api-token" else bridge_token())


@main.command()
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="The Rasa server.")
@AS_OPTION
def shell(url: str, as_name: str) -> None:
    """Chat with the running assistant in this terminal (type a button's number to press it)."""
    import requests

    from bot.secrets import bridge_token
    from bot.services import staff_store

    member = staff_store().active_by_name(as_name)
    if member is None:
        raise click.ClickException("not permitted")
    click.echo(f"Talking to {url} as {member.name}. Ctrl-D or /quit to leave.")
    headers = {"Authorization": f"Bearer {bridge_token()}"}
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
            reply = requests.post(f"{url}/webhooks/bridge/webhook", headers=headers, timeout=30,
                                  json={"sender": member.sender_id, "message": text, "input_channel": "shell"})
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


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
