"""The `prr` command line: database, cases, knowledge."""
from __future__ import annotations

from click.testing import CliRunner

from bot.cases.store import CaseStore
from bot.cli import main
from bot.db import session_factory
from tests.test_case_store import ADULT


def test_db_upgrade_is_safe_to_repeat(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for _ in range(2):
        result = CliRunner().invoke(main, ["db", "upgrade"])
        assert result.exit_code == 0 and "newest schema" in result.output


def test_case_show_and_list(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    store = CaseStore(session_factory(sqlite_url))
    ref = store.save_intake(ADULT, staff="staff-9", channel="rest")
    store.add_note(ref, "first visit", staff="staff-9", channel="rest")
    shown = CliRunner().invoke(main, ["case", "show", ref.lower()])
    assert shown.exit_code == 0
    assert ref in shown.output and "Aigerim Sultanova" in shown.output and "first visit" in shown.output
    listed = CliRunner().invoke(main, ["case", "list", "--staff", "staff-9"])
    assert listed.exit_code == 0 and ref in listed.output
    assert "No cases." in CliRunner().invoke(main, ["case", "list", "--staff", "nobody"]).output


def test_case_show_unknown_reference_fails_clearly(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for reference in ["PRR-2020-0001", "not-a-reference", "'; DROP TABLE cases; --"]:
        result = CliRunner().invoke(main, ["case", "show", reference])
        assert result.exit_code == 1 and "No case" in result.output


def test_knowledge_load_reports_a_broken_corpus(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    (tmp_path / "broken.md").write_text("## A title\nid: Bad Id\nsource: x\ntags: y\n\ntext\n")
    result = CliRunner().invoke(main, ["knowledge", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "broken.md:1" in result.output and "lowercase" in result.output
