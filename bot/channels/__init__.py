"""Channels staff use to reach the assistant: the web chat, the Telegram bridge, and the client
both use to post to Rasa's token-protected `bridge` input (which is in bot/rasa_plugins/)."""
