"""Generated secrets: made whole and private, refused when empty or short, compared safely."""

from __future__ import annotations

import pytest

from bot.security import tokens


@pytest.fixture
def keys(tmp_path, monkeypatch):
    monkeypatch.setenv("PRR_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PRR_AUDIT_DIR", str(tmp_path / "audit"))  # its keys sign its own anchors
    for variable in ("PRR_BRIDGE_TOKEN", "PRR_ACTIONS_TOKEN", "PRR_API_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path / "keys"


def test_a_generated_secret_is_long_private_and_stable(keys):
    token = tokens.actions_token()
    assert len(token) >= tokens.MIN_LENGTH
    assert (keys / "actions.token").stat().st_mode & 0o777 == 0o600
    assert tokens.actions_token() == token
    assert sorted(p.name for p in keys.iterdir()) == ["actions.token"]  # no temporary file left behind


@pytest.mark.parametrize("content, complaint", [("", "is empty"), ("\n", "is empty"), ("a" * 31, "at least 32")])
def test_an_empty_or_short_token_file_is_refused_with_a_clear_message(keys, content, complaint):
    keys.mkdir()
    (keys / "bridge.token").write_text(content)
    with pytest.raises(tokens.TokenError, match=complaint) as refused:
        tokens.bridge_token()
    assert "bridge.token" in str(refused.value)


def test_a_short_token_in_the_environment_is_refused(keys, monkeypatch):
    monkeypatch.setenv("PRR_API_TOKEN", "short")
    with pytest.raises(tokens.TokenError, match="PRR_API_TOKEN.*at least 32"):
        tokens.api_token()


@pytest.mark.parametrize("command", [["web", "--listen", "127.0.0.1:1"], ["secret", "bridge-token"]])
def test_a_bridge_started_with_an_empty_token_file_stops_with_one_clear_line(keys, command):
    from click.testing import CliRunner

    from bot.cli import main

    keys.mkdir()
    (keys / "bridge.token").write_text("")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "bridge.token is empty" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "header, matches",
    [
        ("Bearer " + "t" * 40, True),
        ("Bearer " + "t" * 39 + "u", False),
        ("t" * 40, False),
        ("", False),
        (None, False),
        ("Bearer é", False),  # compare_digest on str would raise TypeError: a 500 instead of a 401
        ("Bearer \udcff", False),  # cannot even be encoded
    ],
)
def test_a_bearer_header_is_compared_without_ever_raising(header, matches):
    assert tokens.bearer_matches(header, "t" * 40) is matches
