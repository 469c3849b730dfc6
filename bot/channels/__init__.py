"""Channels staff use to reach the assistant: the Telegram bridge and the Rasa input they share."""
