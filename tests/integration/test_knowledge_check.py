"""`prr knowledge check`: a corpus that cannot be trusted is refused, with every reason listed."""

from __future__ import annotations

import subprocess

from bot.knowledge.check import check_corpus
from bot.knowledge.corpus import cite, load_bibliography, parse_corpus
from tests.support.paths import ROOT

BIBLIOGRAPHY = """\
bangkok-rules:
  title: The Bangkok Rules
  issuer: United Nations General Assembly
  symbol: A/RES/65/229
  date: 2010-12-21
  where: https://undocs.org/A/RES/65/229
half-entry:
  title: Something
"""
BODY = (
    "Courts should prefer a sentence served in the community for a pregnant woman or a mother of young "
    "children unless the offence is serious or violent or she remains a danger. " * 4
)
OTHER = (
    "Solitary confinement means twenty-two hours or more a day without meaningful human contact, and "
    "beyond fifteen consecutive days it is prolonged and prohibited by the rules for every prisoner. " * 4
)
ASKS = "asks: can a mother be jailed | pregnant woman sentence | what about women with kids in court"


def section(id_, source, body=BODY, asks=ASKS):
    return f"## Title of {id_}\nid: {id_}\nsource: {source}\ntags: a, b\n{asks}\n\n{body}\n\n"


def write(tmp_path, *sections):
    (tmp_path / "sources.yml").write_text(BIBLIOGRAPHY)
    (tmp_path / "topic.md").write_text("# Topic\n\n" + "".join(sections))
    return check_corpus(tmp_path)


def test_a_sound_section_passes_and_reads_its_source_with_title_symbol_and_place(tmp_path):
    problems = write(tmp_path, section("ok-1", "bangkok-rules, rule 64"))
    assert problems == ["sources.yml: 'half-entry' lacks issuer, date, where"]
    s = parse_corpus(tmp_path)[0]
    assert cite(s, load_bibliography(tmp_path)) == "The Bangkok Rules (A/RES/65/229), rule 64"


def test_every_kind_of_problem_is_reported_with_its_place(tmp_path):
    problems = "\n".join(
        write(
            tmp_path,
            section("unknown-source", "prr-brief, para. 2"),
            section("no-place", "bangkok-rules"),
            section("vague-place", "bangkok-rules, somewhere in the middle"),
            section("too-short", "bangkok-rules, rule 61", body="Short text of a few words only."),
            section("no-asks", "bangkok-rules, rule 63", body=OTHER, asks="asks: just one"),
        )
    )
    assert "(unknown-source): source 'prr-brief' is not in sources.yml" in problems
    assert "(no-place): source 'bangkok-rules' names no place" in problems
    assert "(vague-place): place 'somewhere in the middle'" in problems
    assert "(too-short): 7 words; a section needs at least 80" in problems
    assert "(no-asks): 1 questions in asks:" in problems
    assert "topic.md:" in problems


def test_near_duplicate_sections_are_named_as_a_pair(tmp_path):
    problems = write(
        tmp_path,
        section("first", "bangkok-rules, rule 64"),
        section("second", "bangkok-rules, rule 64", body=BODY + " Also in appeals."),
        section("third", "bangkok-rules, rule 45", body=OTHER),
    )
    duplicates = [p for p in problems if "nearly the same" in p]
    assert len(duplicates) == 1 and "(first) and second" in duplicates[0]


def test_duplicate_ids_are_refused(tmp_path):
    problems = write(
        tmp_path, section("same", "bangkok-rules, rule 64"), section("same", "bangkok-rules, rule 45", body=OTHER)
    )
    assert len(problems) == 1 and "id 'same' is also used in topic.md:" in problems[0]


def test_prr_knowledge_check_exits_non_zero_and_lists_problems(tmp_path):
    write(tmp_path, section("no-place", "bangkok-rules"))
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "prr"), "knowledge", "check", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "names no place" in result.stderr and "problem(s) in the corpus" in result.stderr


def test_the_shipped_corpus_passes_its_check():
    assert check_corpus(ROOT / "knowledge") == []
