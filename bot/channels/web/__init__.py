"""The web chat for staff: login, a chat page, and an HTTP bridge to Rasa."""
