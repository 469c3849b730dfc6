"""PRR Assistant services: knowledge search, intake validation, case store.

Nothing in this package imports Rasa, so it can be tested and reused on its own.
"""
