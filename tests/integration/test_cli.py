"""The `prr` command line: database, cases, knowledge."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


PASSWORD = "correct horse battery"


@pytest.fixture
def staffed(sqlite_url, monkeypatch):
    """Four staff members with one password (given the scripts' way, PRR_PASSWORD) and a case."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PRR_PASSWORD", PASSWORD)
    staff = StaffStore(session_factory(sqlite_url))
    ids = {}
    for name, role in (("i.one", "intake"), ("s.two", "supervisor"), ("m.three", "case_manager"), ("a.four", "admin")):
        ids[name] = staff.add(name, role).sender_id
        staff.set_password(name, PASSWORD)
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
    refused = run(main, ["case", "show", staffed, "--as", "a.four"])
    assert refused.exit_code == 1 and "not permitted" in refused.output
    unknown = run(main, ["case", "show", staffed, "--as", "nobody"])
    assert unknown.exit_code == 1 and "Wrong name or password" in unknown.output


def test_case_show_unknown_reference_is_not_permitted(staffed):
    for reference in ["PRR-2020-0001", "not-a-reference", "'; DROP TABLE cases; --"]:
        result = CliRunner().invoke(main, ["case", "show", reference, "--as", "s.two"])
        assert result.exit_code == 1 and "not permitted" in result.output


def test_assign_export_erase_and_audit(staffed, tmp_path):
    run = CliRunner().invoke
    assert run(main, ["case", "assign", staffed, "m.three", "--as", "i.one"]).exit_code == 1
    assert run(main, ["case", "assign", staffed, "m.three", "--as", "s.two"]).exit_code == 0
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


def test_export_writes_only_a_new_private_file(staffed, tmp_path):
    run = CliRunner().invoke
    existing = tmp_path / "existing.json"
    existing.write_text("kept")
    existing.chmod(0o644)
    refused = run(main, ["case", "export", staffed, "--as", "s.two", "--out", str(existing)])
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert existing.read_text() == "kept" and oct(existing.stat().st_mode & 0o777) == "0o644"
    planted = tmp_path / "planted"
    planted.symlink_to(tmp_path / "target.json")  # a link to a file that does not exist yet
    refused = run(main, ["case", "export", staffed, "--as", "s.two", "--out", str(planted)])
    assert refused.exit_code == 1 and not (tmp_path / "target.json").exists()
    not_allowed = tmp_path / "not-allowed.json"  # a refused export leaves no file
    assert run(main, ["case", "export", staffed, "--as", "m.three", "--out", str(not_allowed)]).exit_code == 1
    assert not not_allowed.exists()
    fresh = tmp_path / "fresh.json"
    assert run(main, ["case", "export", staffed, "--as", "s.two", "--out", str(fresh)]).exit_code == 0
    assert oct(fresh.stat().st_mode & 0o777) == "0o600" and staffed in fresh.read_text()


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's bridge channel on a real socket: answers with a button, records what it was sent."""

    received: list[tuple[str | None, dict]] = []
    status = 200

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append((self.headers.get("Authorization"), body))
        reply = [{"text": f"you said {body['message']}", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
        data = json.dumps(reply).encode()
        self.send_response(FakeRasa.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_rasa():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    FakeRasa.received, FakeRasa.status = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_shell_talks_to_rasa_as_the_staff_member_and_presses_buttons_by_number(staffed, fake_rasa):
    from bot.security.tokens import channel_token

    result = CliRunner().invoke(main, ["shell", "--url", fake_rasa, "--as", "i.one"], input="hello\n1\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "bot> you said hello" in result.output and "[1] Yes" in result.output
    assert [body["message"] for _, body in FakeRasa.received] == ["hello", "/affirm"]
    # The shell presents its own channel's token: the server, not the message, says "shell".
    assert all(auth == f"Bearer {channel_token('shell')}" for auth, _ in FakeRasa.received)
    FakeRasa.status = 500
    down = CliRunner().invoke(main, ["shell", "--url", fake_rasa, "--as", "i.one"], input="hello\n")
    assert down.exit_code == 0 and "unavailable" in down.output and "progress is kept" in down.output


def test_staff_assign_still_assigns_and_says_where_it_moved(staffed):
    moved = CliRunner().invoke(main, ["staff", "assign", staffed, "m.three", "--as", "s.two"])
    assert moved.exit_code == 0 and "prr case assign" in moved.stderr
    assert staffed in CliRunner().invoke(main, ["case", "list", "--as", "m.three"]).output
    assert "assign" not in CliRunner().invoke(main, ["staff", "--help"]).output


def test_listen_takes_host_and_port(staffed):
    for command in ("web", "telegram"):
        result = CliRunner().invoke(main, [command, "--listen", "localhost"])
        assert result.exit_code == 2 and "is not HOST:PORT" in result.output


def audit_lines(*args: str) -> list[str]:
    return CliRunner().invoke(main, ["audit", "show", *args]).output.splitlines()


def test_acting_as_someone_needs_their_password_with_the_web_lockout(staffed, monkeypatch):
    run = CliRunner().invoke
    monkeypatch.delenv("PRR_PASSWORD")
    typed = run(main, ["case", "list", "--as", "i.one"], input=PASSWORD + "\n")  # a script's standard input
    assert typed.exit_code == 0 and staffed in typed.output and PASSWORD not in typed.output
    for _ in range(4):
        wrong = run(main, ["case", "list", "--as", "i.one"], input="a guess at it\n")
        assert wrong.exit_code == 1 and "Wrong name or password" in wrong.output and staffed not in wrong.output
    run(main, ["case", "list", "--as", "i.one"], input="a guess at it\n")
    paused = run(main, ["case", "list", "--as", "i.one"], input=PASSWORD + "\n")  # right, but paused
    assert paused.exit_code == 1 and "Wrong name or password" in paused.output and staffed not in paused.output
    empty = run(main, ["case", "list", "--as", "i.one"], input="")
    assert empty.exit_code == 1 and "No password given" in empty.output
    logins = [line.split("\t")[3:6] for line in audit_lines("--staff", "i.one") if "login" in line]
    assert logins[-1] == ["login", "-", "cli"] and ["login_failed", "-", "cli"] in logins
    assert ["login_locked", "-", "cli"] in logins
    assert run(main, ["case", "list", "--help"]).output.count("--password") == 0  # never an argument


def test_the_shell_needs_the_password_before_it_talks_to_anyone(staffed, monkeypatch):
    monkeypatch.delenv("PRR_PASSWORD")
    shell = ["shell", "--as", "i.one", "--url", "http://127.0.0.1:9"]  # nothing listens there
    refused = CliRunner().invoke(main, shell, input="not it at all\nhello\n")
    assert refused.exit_code == 1 and "Wrong name or password" in refused.output and "Talking to" not in refused.output
    talked = CliRunner().invoke(main, shell, input=PASSWORD + "\nhello\n")
    assert talked.exit_code == 0 and "Talking to" in talked.output and "unavailable" in talked.output
    logins = [line.split("\t")[3:6] for line in audit_lines("--staff", "i.one") if "login" in line]
    assert logins[:2] == [["login", "-", "shell"], ["login_failed", "-", "shell"]]


def test_the_first_admin_bootstraps_then_only_admins_change_staff(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    run = CliRunner().invoke
    first = run(main, ["staff", "add", "--name", "root.admin", "--role", "admin"], input=PASSWORD + "\n")
    assert first.exit_code == 0 and "Added root.admin (admin)" in first.output
    second = run(main, ["staff", "add", "--name", "other.admin", "--role", "admin"], input=PASSWORD + "\n")
    assert second.exit_code == 1 and "needs an admin" in second.output
    monkeypatch.setenv("PRR_PASSWORD", PASSWORD)
    as_admin = ["--as", "root.admin"]
    assert run(main, ["staff", "add", "--name", "s.sup", "--role", "supervisor", *as_admin]).exit_code == 0
    set_pw = run(main, ["staff", "set-password", "s.sup", "--password-stdin", *as_admin], input=PASSWORD + "\n")
    assert set_pw.exit_code == 0
    for command in (
        ["staff", "add", "--name", "x.sup", "--role", "supervisor", "--as", "s.sup"],
        ["staff", "disable", "root.admin", "--as", "s.sup"],
        ["staff", "set-password", "root.admin", "--password-stdin", "--as", "s.sup"],
        ["keys", "rotate", "--as", "s.sup"],
        ["purge", "--older-than", "30d", "--as", "s.sup"],
    ):
        refused = run(main, command, input="taken over 12345\n")
        assert refused.exit_code == 1 and "Only an admin" in refused.output, command
    assert "x.sup" not in run(main, ["staff", "list"]).output
    own = run(main, ["staff", "set-password", "s.sup", "--password-stdin", "--as", "s.sup"], input="a new one 12345\n")
    assert own.exit_code == 0
    assert run(main, ["purge", "--older-than", "30d", *as_admin]).exit_code == 0
    assert run(main, ["staff", "disable", "s.sup", *as_admin]).exit_code == 0
    trail = "\n".join(audit_lines())
    for entry in ("staff_add", "staff_set_password", "staff_disable", "purge"):
        assert f"\t{entry}\t-\tcli\tok\t" in trail, entry
    for refused in ("staff_add", "staff_disable", "staff_set_password", "keys_rotate", "purge"):
        assert f"\t{refused}\t-\tcli\trefused\t" in trail, refused
    assert "first admin\tstaff_add" in trail and "root.admin as admin" in trail
    assert PASSWORD not in trail and "taken over" not in trail


def test_exports_name_their_destination_and_the_os_account(staffed, tmp_path):
    run = CliRunner().invoke
    out = tmp_path / "case.json"
    assert run(main, ["case", "export", staffed, "--as", "s.two", "--out", str(out)]).exit_code == 0
    assert run(main, ["case", "export", staffed, "--as", "s.two"]).exit_code == 0
    exports = [line.split("\t") for line in audit_lines("--case", staffed) if "\texport\t" in line]
    assert [e[-1] for e in exports] == ["to standard output", f"to file {out}"]
    assert all("@" in e[-2] for e in exports)  # the OS account and host that ran the command


def test_audit_show_staff_lists_one_member_and_verify_checks_a_kept_anchor(staffed):
    run = CliRunner().invoke
    run(main, ["case", "list", "--as", "s.two"])
    lines = audit_lines("--staff", "s.two")
    assert lines and all("\tstaff 2\t" in line for line in lines)
    assert any(f"\tlist\t{staffed}\tcli" in line for line in lines)  # the case the listing showed
    anchor = run(main, ["audit", "anchor"])
    assert anchor.exit_code == 0
    kept = anchor.output.strip()
    checked = run(main, ["audit", "verify", "--anchor", kept])
    assert checked.exit_code == 0 and "intact" in checked.output
    bad = run(main, ["audit", "verify", "--anchor", "not-a-head"])
    assert bad.exit_code == 2 and "42:<64 hex digits>" in bad.output
    forged = run(main, ["audit", "verify", "--anchor", kept.split(":")[0] + ":" + "f" * 64])
    assert forged.exit_code == 1 and "rewritten" in forged.output


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
