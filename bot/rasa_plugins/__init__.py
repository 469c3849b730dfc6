"""Code that runs inside the Rasa server (named in credentials.yml and endpoints.yml), and the
wrapper that starts our action server.

The only modules of `bot` that import Rasa or rasa_sdk; nothing else in `bot` imports them. The
modules Rasa loads (our channel, tracker store and NLU component) import hot_paths, which puts
its fixes in place before the first message. This package itself imports nothing, so that the
action server (action_server.py) does not load Rasa and TensorFlow.
"""
