"""The `prr` command line: database, cases, knowledge."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cases.store import CaseStore
from bot.cli import main
from bot.staff.store import StaffStore
from bot.storage.db import session_factory
from tests.support.factories import ADULT


def test_db_upgrade_is_safe_to_repeat(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for _ in range(2):
        result = CliRunner().invoke(main, ["db", "upgrade"])
        assert result.exit_code == 0 and "newest schema" in result.output


@pytest.fixture
def staffed(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    staff = StaffStore(session_factory(sqlite_url))
    ids = {
        name: staff.add(name, role).sender_id
        for name, role in (
            ("i.one", "intake"),
            ("s.two", "supervisor"),
            ("m.three", "case_manager"),
            ("a.four", "admin"),
        )
    }
    store = CaseStore(session_factory(sqlite_url))
    ref = store.save_intake(ADULT, actor=staff.actor(ids["i.one"]), channel="shell")
    store.add_note(ref, "first visit", actor=staff.actor(ids["s.two"]), channel="shell")
    return ref


def test_case_show_and_list_act_as_a_staff_member(staffed):
    run = CliRunner().invoke
    shown = run(main, ["case", "show", staffed.lower(), "--as", "s.two"])
    assert shown.exit_code == 0
    assert staffed in shown.output and "Aigerim Sultanova" in shown.output and "first visit" in shown.output
    assert staffed in run(main, ["case", "list", "--as", "i.one"]).output
    assert "No cases." in run(main, ["case", "list", "--as", "m.three"]).output
    for who in ("a.four", "nobody"):
        refused = run(main, ["case", "show", staffed, "--as", who])
        assert refused.exit_code == 1 and "not permitted" in refused.output


def test_case_show_unknown_reference_is_not_permitted(staffed):
    for reference in ["PRR-2020-0001", "not-a-reference", "'; DROP TABLE cases; --"]:
        result = CliRunner().invoke(main, ["case", "show", reference, "--as", "s.two"])
        assert result.exit_code == 1 and "not permitted" in result.output


def test_assign_export_erase_and_audit(staffed, tmp_path):
    run = CliRunner().invoke
    assert run(main, ["staff", "assign", staffed, "m.three", "--as", "i.one"]).exit_code == 1
    assert run(main, ["staff", "assign", staffed, "m.three", "--as", "s.two"]).exit_code == 0
    assert staffed in run(main, ["case", "list", "--as", "m.three"]).output
    out = tmp_path / "case.json"
    assert run(main, ["case", "export", staffed, "--as", "s.two", "--out", str(out)]).exit_code == 0
    data = json.loads(out.read_text())
    assert data["answers"]["full_name"] == "Aigerim Sultanova" and data["notes"][0]["text"] == "first visit"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert run(main, ["case", "export", staffed, "--as", "m.three"]).exit_code == 1
    erased = run(main, ["case", "erase", staffed, "--reason", "court order", "--as", "s.two"])
    assert erased.exit_code == 0 and "Erased" in erased.output
    log = run(main, ["audit", "show", "--case", staffed]).output
    for action in ("create", "assign", "export", "erase"):
        assert f"\t{action}\t{staffed}" in log
    assert "refused" in log and "Aigerim" not in log
    assert "intact" in run(main, ["audit", "verify"]).output


def test_knowledge_load_reports_a_broken_corpus(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    (tmp_path / "broken.md").write_text("## A title\nid: Bad Id\nsource: x\ntags: y\n\ntext\n")
    result = CliRunner().invoke(main, ["knowledge", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "broken.md:1" in result.output and "lowercase" in result.output


def test_gen_domain_writes_the_generated_files_and_check_catches_a_hand_edit(tmp_path):
    written = CliRunner().invoke(main, ["dev", "gen-domain", "--domain-dir", str(tmp_path)])
    assert written.exit_code == 0 and "intake_form.yml" in written.output
    assert "utter_ask_full_name" in (tmp_path / "intake_form.yml").read_text()
    assert CliRunner().invoke(main, ["dev", "gen-domain", "--check", "--domain-dir", str(tmp_path)]).exit_code == 0
    responses = tmp_path / "responses.yml"
    responses.write_text(responses.read_text().replace("You are welcome.", "You're welcome!"))
    checked = CliRunner().invoke(main, ["dev", "gen-domain", "--check", "--domain-dir", str(tmp_path)])
    assert checked.exit_code == 1 and "responses.yml" in checked.output
