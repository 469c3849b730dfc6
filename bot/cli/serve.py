"""`prr web`, `prr telegram`, `prr shell`: the channels, started from the command line."""

from __future__ import annotations

import click

from bot.cli.app import AS_OPTION, main
from bot.config import settings


@main.command()
@click.option("--listen", default="127.0.0.1:5080", show_default=True, help="Where the web chat listens.")
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key.")
@click.option(
    "--behind-tls-proxy",
    is_flag=True,
    help="A TLS proxy in front is the only way in: the cookie is Secure and the client is the proxy's X-Forwarded-For.",
)
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (implied by the two above).")
def web(
    listen: str, rasa_url: str, tls_cert: str | None, tls_key: str | None, behind_tls_proxy: bool, secure_cookies: bool
) -> None:
    """Serve the web chat for staff (login, then chat)."""
    from bot.bootstrap import staff_store
    from bot.channels.web.app import serve
    from bot.security.tokens import bridge_token

    host, port = _host_port(listen, "127.0.0.1:5080")
    if bool(tls_cert) != bool(tls_key):
        raise click.ClickException("--tls-cert and --tls-key go together.")
    if not (tls_cert or behind_tls_proxy or _loopback(host)):
        raise click.ClickException(
            f"Listening on {host} would send passwords and session cookies over the network in clear. "
            "Give --tls-cert and --tls-key, or --behind-tls-proxy if a TLS proxy in front is the only way in."
        )
    context = None
    if tls_cert:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(tls_cert, tls_key)
        except (ssl.SSLError, OSError) as error:
            raise click.ClickException(f"Cannot use that certificate and key: {error}") from None
    serve(
        rasa_url,
        bridge_token(),
        staff_store(),
        (host, port),
        secure_cookies=secure_cookies or behind_tls_proxy or bool(tls_cert),
        trust_forwarded=behind_tls_proxy,
        ssl_context=context,
    )


def _host_port(listen: str, example: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException(f"--listen takes HOST:PORT, for example {example}")
    return host.strip("[]"), int(port)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


@main.command()
@click.option("--webhook", "webhook_url", help="Receive updates by webhook at this public URL (default: long polling).")
@click.option("--listen", default="127.0.0.1:8443", show_default=True, help="Where the webhook server listens.")
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--base-url", envvar="TELEGRAM_API_BASE_URL", help="Bot API base URL (a local Bot API server).")
def telegram(webhook_url: str | None, listen: str, rasa_url: str, base_url: str | None) -> None:
    """Run the Telegram bridge. The bot token comes from TELEGRAM_BOT_TOKEN."""
    import asyncio
    import logging

    from bot.bootstrap import staff_store
    from bot.channels.telegram import serve
    from bot.security.tokens import bridge_token

    token = settings().telegram_bot_token.strip()
    if not token:
        raise click.ClickException("Set TELEGRAM_BOT_TOKEN to the bot's token (from @BotFather).")
    host, port = _host_port(listen, "127.0.0.1:8443")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would print the token in URLs
    asyncio.run(
        serve(
            token,
            rasa_url,
            bridge_token(),
            staff_store(),
            base_url=base_url,
            webhook_url=webhook_url,
            listen=(host, port),
        )
    )


@main.command()
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="The Rasa server.")
@AS_OPTION
def shell(url: str, as_name: str) -> None:
    """Chat with the running assistant in this terminal (type a button's number to press it)."""
    import requests

    from bot.bootstrap import staff_store
    from bot.security.tokens import bridge_token

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
            reply = requests.post(
                f"{url}/webhooks/bridge/webhook",
                headers=headers,
                timeout=30,
                json={"sender": member.sender_id, "message": text, "input_channel": "shell"},
            )
            reply.raise_for_status()
        except requests.RequestException as error:
            click.echo(
                f"bot> The assistant is unreachable ({type(error).__name__}); your progress is kept on the server."
            )
            continue
        buttons = []
        for message in reply.json():
            if message.get("text"):
                click.echo("bot> " + message["text"].replace("\n", "\n     "))
            for button in message.get("buttons") or []:
                buttons.append(button)
                click.echo(f"     [{len(buttons)}] {button['title']}")
