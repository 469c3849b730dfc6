"""The intake interview: field rules, answer parsing and the interview flow (no Rasa here)."""
