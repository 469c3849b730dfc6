"""`prr web`, `prr telegram`, `prr shell`: the channels, started from the command line."""

from __future__ import annotations

import click

from bot.cli.app import AS_OPTION, authenticated, main
from bot.config import settings


@main.command()
@click.option("--listen", default="127.0.0.1:5080", show_default=True, help="Where the web chat listens.")
@click.option("--rasa-url", default="http://127.0.0.1:5005", show_default=True)
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (behind HTTPS).")
def web(listen: str, rasa_url: str, secure_cookies: bool) -> None:
    """Serve the web chat for staff (login, then chat)."""
    import asyncio

    from bot.bootstrap import staff_store
    from bot.channels.web.app import serve
    from bot.security.tokens import channel_token

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException("--listen takes HOST:PORT, for example 127.0.0.1:5080")
    asyncio.run(serve(rasa_url, channel_token("web"), staff_store(), (host, int(port)), secure_cookies))


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
    from bot.security.tokens import channel_token

    token = settings().telegram_bot_token.strip()
    if not token:
        raise click.ClickException("Set TELEGRAM_BOT_TOKEN to the bot's token (from @BotFather).")
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.ClickException("--listen takes HOST:PORT, for example 127.0.0.1:8443")
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
            listen=(host, int(port)),
        )
    )


@main.command()
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="The Rasa server.")
@AS_OPTION
def shell(url: str, as_name: str) -> None:
    """Chat with the running assistant in this terminal, as a staff member who gives their
    password (type a button's number to press it)."""
    import requests

    from bot.security.tokens import channel_token

    member = authenticated(as_name, channel="shell")
    click.echo(f"Talking to {url} as {member.name}. Ctrl-D or /quit to leave.")
    headers = {"Authorization": f"Bearer {channel_token('shell')}"}
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
