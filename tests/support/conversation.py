"""Talking to the real servers as a bridge does, the way the end-to-end tests script it."""

from __future__ import annotations


def staff(servers, name: str) -> str:
    """The sender id of a staff member added when the servers started."""
    return servers.staff[name]


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons") or []}


def drive(servers, sender, script):
    """Say each message (`@title` presses the button of the last reply) and check the reply."""
    last = []
    for message, expected in script:
        if message.startswith("@"):
            options = buttons(last)
            assert message[1:] in options, f"no button {message[1:]!r} in {options}"
            message = options[message[1:]]
        last = servers.say(sender, message)
        assert expected in joined(last), f"after {message!r}: {joined(last)!r}"
    return last
