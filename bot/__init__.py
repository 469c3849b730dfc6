"""PRR Assistant services: knowledge search, intake validation, case store, staff, security.

Only `bot.rasa_plugins` imports Rasa (it runs inside the Rasa server); everything else can be
tested and reused on its own.
"""
