"""Rasa's conversation events, kept by its SQL tracker store in our database, and their privacy.

- `sealing.py`: each event's data is encrypted with the data key before Rasa's row is written
  and opened when read; only the sender id, event type, time, intent and action names stay clear.
- `redaction.py`: interview answers must not outlive the interview; what was typed about an
  erased case is blanked; old conversations are purged.

Nothing here imports Rasa or the domain packages: the interview's slot names are passed in.
"""
