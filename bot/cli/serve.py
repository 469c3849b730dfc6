"""`prr web`, `prr telegram`, `prr shell`: the channels, started from the command line."""

from __future__ import annotations

import click

from bot.cli.app import AS_OPTION, authenticated, main, shown_as_click_errors
from bot.config import settings
from bot.security.tokens import TokenError
from bot.security.transport import is_local

secret_errors = shown_as_click_errors(TokenError)  # an empty or short bridge token: one clear line


class HostPort(click.ParamType):
    """--listen HOST:PORT, as the (host, port) pair the servers take."""

    name = "HOST:PORT"

    def convert(self, value, param, ctx) -> tuple[str, int]:
        if isinstance(value, tuple):
            return value
        host, _, port = str(value).rpartition(":")
        host = host.strip("[]")  # [::1]:5080
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            self.fail(f"{value!r} is not HOST:PORT, for example 127.0.0.1:5080", param, ctx)
        return host, int(port)


@main.command()
@click.option(
    "--listen", type=HostPort(), default="127.0.0.1:5080", show_default=True, help="Where the web chat listens."
)
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key.")
@click.option(
    "--behind-tls-proxy",
    is_flag=True,
    help="A TLS proxy in front is the only way in: the cookie is Secure and the client is the proxy's X-Forwarded-For.",
)
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (implied by the two above).")
@secret_errors
def web(
    listen: tuple[str, int],
    rasa_url: str,
    tls_cert: str | None,
    tls_key: str | None,
    behind_tls_proxy: bool,
    secure_cookies: bool,
) -> None:
    """Serve the web chat for staff (login, then chat)."""
    from bot.bootstrap import staff_store
    from bot.channels.web.app import serve
    from bot.security.tokens import channel_token

    host, port = listen
    if bool(tls_cert) != bool(tls_key):
        raise click.ClickException("--tls-cert and --tls-key go together.")
    if not (tls_cert or behind_tls_proxy or is_local(host)):
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
        channel_token("web"),
        staff_store(),
        (host, port),
        secure_cookies=secure_cookies or behind_tls_proxy or bool(tls_cert),
        trust_forwarded=behind_tls_proxy,
        ssl_context=context,
    )


@main.command()
@click.option("--webhook", "webhook_url", help="Receive updates by webhook at this public URL (default: long polling).")
@click.option(
    "--listen", type=HostPort(), default="127.0.0.1:8443", show_default=True, help="Where the webhook server listens."
)
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--base-url", envvar="TELEGRAM_API_BASE_URL", help="Bot API base URL (a local Bot API server).")
@click.option("--behind-tls-proxy", is_flag=True, help="A TLS proxy in front is the only way to the webhook listener.")
@secret_errors
def telegram(
    webhook_url: str | None, listen: tuple[str, int], rasa_url: str, base_url: str | None, behind_tls_proxy: bool
) -> None:
    """Run the Telegram bridge. The bot token comes from TELEGRAM_BOT_TOKEN."""
    import asyncio
    import logging

    from bot.bootstrap import staff_store
    from bot.channels.telegram import serve
    from bot.security.tokens import channel_token

    if webhook_url and not (behind_tls_proxy or is_local(listen[0])):
        raise click.ClickException(
            f"Listening for webhooks on {listen[0]} would take staff messages over the network in clear. "
            "Listen on 127.0.0.1 behind a TLS proxy, or give --behind-tls-proxy if one in front is the only way in."
        )
    token = settings().telegram_bot_token.strip()
    if not token:
        raise click.ClickException("Set TELEGRAM_BOT_TOKEN to the bot's token (from @BotFather).")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would print the token in URLs
    asyncio.run(
        serve(
            token,
            rasa_url,
            channel_token("telegram"),
            staff_store(),
            base_url=base_url,
            webhook_url=webhook_url,
            listen=listen,
        )
    )


@main.command()
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="The Rasa server.")
@AS_OPTION
@secret_errors
def shell(url: str, as_name: str) -> None:
    """Chat with the running assistant in this terminal, as a staff member who gives their
    password (type a button's number to press it)."""
    import asyncio

    from bot.channels.rasa_client import AssistantUnavailable, RasaClient
    from bot.language.catalogue import text as say
    from bot.security.tokens import channel_token

    member = authenticated(as_name, channel="shell")
    click.echo(f"Talking to {url} as {member.name}. Ctrl-D or /quit to leave.")
    loop = asyncio.new_event_loop()  # one loop for the whole session: the client's connections live in it
    rasa = RasaClient(url, channel_token("shell"))
    buttons: list[dict] = []
    try:
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
                replies = loop.run_until_complete(rasa.send(member.sender_id, text, "shell"))
            except AssistantUnavailable:
                click.echo("bot> " + say("channel.unavailable"))
                continue
            buttons = _show(replies)
    finally:
        loop.run_until_complete(rasa.close())
        loop.close()


def _show(replies: list[dict]) -> list[dict]:
    """Print the assistant's messages; returns their buttons, numbered as printed."""
    buttons: list[dict] = []
    for message in replies:
        if message.get("text"):
            click.echo("bot> " + message["text"].replace("\n", "\n     "))
        for button in message.get("buttons") or []:
            buttons.append(button)
            click.echo(f"     [{len(buttons)}] {button['title']}")
    return buttons
