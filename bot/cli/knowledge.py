"""`prr ask` and `prr knowledge …`: the knowledge store from the command line."""

from __future__ import annotations

import json
import sys

import click

from bot.cli.app import main


@main.command()
@click.argument("question")
@click.option(
    "--k", "k", default=3, show_default=True, type=click.IntRange(1, 50), help="How many hits to rank (--json)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the ranked hits as JSON instead of the answer.")
def ask(question: str, k: int, as_json: bool) -> None:
    """Ask the knowledge store: the answer as chat gives it, or the ranked hits (--json)."""
    from bot.bootstrap import knowledge_base
    from bot.knowledge.answers import RELATED, answer

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
def knowledge() -> None:
    """The knowledge corpus."""


def _corpus_dir(directory: str | None):
    from pathlib import Path

    from bot.config import knowledge_dir

    return Path(directory) if directory else knowledge_dir()


_DIR_OPTION = click.option(
    "--dir", "directory", type=click.Path(exists=True, file_okay=False), help="Corpus folder (default: knowledge/)."
)


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

    from bot.knowledge.corpus import CorpusError, load_bibliography, parse_corpus
    from bot.knowledge.store import load_sections
    from bot.storage.db import session_factory

    folder = _corpus_dir(directory)
    try:
        sections, bibliography = parse_corpus(folder), load_bibliography(folder)
    except CorpusError as error:
        raise click.ClickException(str(error)) from None
    with tqdm(total=len(sections), desc="Loading knowledge sections", unit="section", file=sys.stderr) as bar:
        with session_factory().begin() as session:
            report = load_sections(session, sections, lambda _id: bar.update(1), bibliography)
    click.echo(
        f"Knowledge: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged."
    )
