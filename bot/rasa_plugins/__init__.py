"""Code that runs inside the Rasa server (named in credentials.yml and endpoints.yml).

The only modules of `bot` that import Rasa; nothing else in `bot` imports them.
"""
