"""Turn assistant replies into Telegram messages: safe HTML, split to fit, button rows."""

from __future__ import annotations

import html
import re

LIMIT = 4000  # Telegram allows 4,096 characters; leave room for the ✓ mark added on a button press
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def to_html(text: str) -> str:
    """Escape everything Telegram's HTML parser would read, then turn **bold** into <b>."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text or "", quote=False))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph breaks, then line breaks, then spaces; never mid-word unless forced."""
    text = (text or "").strip()
    if _utf16_len(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) == 1:
            continue
        chunks, current = [], ""
        for part in parts:
            candidate = f"{current}{separator}{part}" if current else part
            if _utf16_len(candidate) <= limit:
                current = candidate
                continue
            if current:
                chunks.append(current)
            current = part
        if current:
            chunks.append(current)
        return [piece for chunk in chunks for piece in split_message(chunk, limit)]
    return [text[i : i + limit // 2] for i in range(0, len(text), limit // 2)]  # one enormous word


def button_rows(buttons: list[dict], per_row: int = 2) -> list[list[tuple[str, int]]]:
    """(title, index) pairs in rows; long titles get a row of their own."""
    rows: list[list[tuple[str, int]]] = []
    for index, button in enumerate(buttons):
        title = str(button.get("title") or button.get("payload") or "?")[:60]
        if rows and len(rows[-1]) < per_row and len(title) <= 24 and all(len(t) <= 24 for t, _ in rows[-1]):
            rows[-1].append((title, index))
        else:
            rows.append([(title, index)])
    return rows
