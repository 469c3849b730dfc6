"""`prr web` and the Telegram webhook refuse to listen beyond this machine without TLS: passwords and
messages would cross in clear."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.mark.parametrize("listen", ["0.0.0.0:5080", "192.168.1.20:5080", "chat.office.lan:5080", "[::]:5080"])
def test_a_network_address_without_tls_is_refused(listen, monkeypatch):
    started = []
    monkeypatch.setattr("bot.channels.web.app.serve", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(main, ["web", "--listen", listen])
    assert result.exit_code == 1 and "in clear" in result.output and "--behind-tls-proxy" in result.output
    assert started == []


@pytest.mark.parametrize(
    "listen, extra, secure, forwarded",
    [
        ("127.0.0.1:5080", [], False, False),
        ("localhost:5080", [], False, False),
        ("0.0.0.0:5080", ["--behind-tls-proxy"], True, True),  # the proxy's cookie must be Secure
    ],
)
def test_loopback_or_behind_a_tls_proxy_starts(listen, extra, secure, forwarded, monkeypatch):
    started = []
    monkeypatch.setattr("bot.channels.web.app.serve", lambda *a, **k: started.append(k))
    monkeypatch.setattr("bot.security.tokens.bridge_token", lambda: "token")
    monkeypatch.setattr("bot.bootstrap.staff_store", lambda: None)
    result = CliRunner().invoke(main, ["web", "--listen", listen, *extra])
    assert result.exit_code == 0, result.output
    assert started[0]["secure_cookies"] is secure and started[0]["trust_forwarded"] is forwarded


def test_a_certificate_needs_its_key(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    result = CliRunner().invoke(main, ["web", "--listen", "0.0.0.0:5443", "--tls-cert", str(cert)])
    assert result.exit_code == 1 and "go together" in result.output
    result = CliRunner().invoke(
        main, ["web", "--listen", "0.0.0.0:5443", "--tls-cert", str(cert), "--tls-key", str(cert)]
    )
    assert result.exit_code == 1 and "Cannot use that certificate" in result.output


@pytest.mark.parametrize("extra, refused", [([], True), (["--behind-tls-proxy"], False)])
def test_the_telegram_webhook_listens_beyond_loopback_only_behind_a_tls_proxy(extra, refused, monkeypatch):
    started = []
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:fake-token-for-tests")
    monkeypatch.setattr("bot.channels.telegram.serve", lambda *a, **k: started.append(k))
    monkeypatch.setattr("asyncio.run", lambda coroutine: coroutine)
    monkeypatch.setattr("bot.bootstrap.staff_store", lambda: None)
    webhook = ["telegram", "--webhook", "https://bot.example/telegram", "--listen", "0.0.0.0:8443", *extra]
    result = CliRunner().invoke(main, webhook)
    if refused:
        assert result.exit_code == 1 and "in clear" in result.output and started == []
    else:
        assert result.exit_code == 0, result.output
        assert started[0]["listen"] == ("0.0.0.0", 8443)
