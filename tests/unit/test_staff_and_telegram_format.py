"""Staff registration, and how replies are shaped for Telegram."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.channels.telegram_format import button_rows, split_message, to_html
from bot.cli import main
from bot.staff.store import StaffError, StaffStore


@pytest.fixture
def staff(sessions):
    return StaffStore(sessions)


def test_staff_are_added_found_by_telegram_id_and_disabled(staff):
    member = staff.add("a.sultanova", "intake", 1001)
    assert staff.active_by_telegram_id(1001).id == member.id and member.sender_id == str(member.id)
    staff.disable("a.sultanova")
    assert staff.active_by_telegram_id(1001) is None


@pytest.mark.parametrize(
    "name, role, tg, message",
    [
        ("has space", "intake", None, "without spaces"),
        ("ok.name", "janitor", None, "Unknown role"),
        ("ok.name", "intake", -5, "positive"),
    ],
)
def test_bad_staff_details_are_refused(staff, name, role, tg, message):
    with pytest.raises(StaffError, match=message):
        staff.add(name, role, tg)


def test_duplicates_are_refused_clearly(staff):
    staff.add("b.user", "supervisor", 7)
    with pytest.raises(StaffError, match="already exists"):
        staff.add("b.user", "intake", 8)
    with pytest.raises(StaffError, match="already exists"):
        staff.add("c.user", "intake", 7)


def test_refusals_are_recorded(staff):
    staff.record_refusal("telegram", "2002", "Eve @eve")
    (entry,) = staff.refusals()
    assert (entry.channel, entry.external_id, entry.display_name) == ("telegram", "2002", "Eve @eve") and entry.at


def test_staff_cli(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    run = CliRunner().invoke
    assert run(main, ["staff", "add", "--name", "a.admin", "--role", "admin"], input="admin secret 1\n").exit_code == 0
    monkeypatch.setenv("PRR_PASSWORD", "admin secret 1")
    added = run(
        main, ["staff", "add", "--name", "d.user", "--role", "intake", "--telegram-id", "55", "--as", "a.admin"]
    )
    assert added.exit_code == 0
    assert "d.user\tintake\tactive\ttelegram:55" in run(main, ["staff", "list"]).output
    assert run(main, ["staff", "disable", "d.user", "--as", "a.admin"]).exit_code == 0
    assert "disabled" in run(main, ["staff", "list"]).output
    bad = run(main, ["staff", "disable", "nobody", "--as", "a.admin"])
    assert bad.exit_code == 1 and "No staff member" in bad.output


def test_html_is_escaped_and_bold_converted():
    assert to_html("a <b> & **c**") == "a &lt;b&gt; &amp; <b>c</b>"


def test_long_text_splits_at_paragraphs_then_lines():
    paragraphs = [f"p{i} " + "x" * 1500 for i in range(5)]
    chunks = split_message("\n\n".join(paragraphs), limit=4000)
    assert len(chunks) == 3 and all(len(c) <= 4000 for c in chunks)
    assert chunks[0].startswith("p0") and chunks[1].startswith("p2")
    one_line = split_message("y" * 9000, limit=4000)
    assert all(len(c) <= 4000 for c in one_line) and "".join(one_line) == "y" * 9000
    assert split_message("") == []


def test_buttons_pair_short_titles():
    rows = button_rows([{"title": "yes"}, {"title": "no"}, {"title": "a much longer choice than fits"}, {"title": "x"}])
    assert rows == [[("yes", 0), ("no", 1)], [("a much longer choice than fits", 2)], [("x", 3)]]


def test_passwords_are_hashed_and_logins_checked(staff, sessions):
    from sqlalchemy import text

    from bot.staff.store import LoginRefused

    staff.add("e.user", "intake")
    with pytest.raises(StaffError, match="12 to 128 characters"):
        staff.set_password("e.user", "short")
    staff.set_password("e.user", "a long enough secret")
    with sessions() as s:
        stored = s.execute(text("SELECT password_hash FROM staff WHERE name = 'e.user'")).scalar_one()
    assert stored.startswith("$argon2") and "a long enough secret" not in stored
    assert staff.login("e.user", "a long enough secret").name == "e.user"
    for name, password in (("e.user", "wrong"), ("nobody", "a long enough secret")):
        with pytest.raises(LoginRefused, match="Wrong name or password"):
            staff.login(name, password)
    staff.disable("e.user")
    with pytest.raises(LoginRefused):
        staff.login("e.user", "a long enough secret")
