"""Code that runs inside the Rasa server (named in credentials.yml and endpoints.yml).

The only modules of `bot` that import Rasa; nothing else in `bot` imports them. Rasa imports
this package when it loads our channel or tracker store, so the fixes of hot_paths are in place
before the first message.
"""

from bot.rasa_plugins import hot_paths

hot_paths.install()
