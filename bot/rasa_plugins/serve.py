"""`rasa run`, with our secrets checked first and the API token kept off the command line.

- The bridge token (and, with `--enable-api`, the API token) is checked before Rasa loads its
  model, so an empty or short one stops the server at once with a clear message.
- `rasa run --auth-token TOKEN` shows the token to anyone who can list processes. Here Rasa's
  own command line is used unchanged, and the token (PRR_API_TOKEN or var/keys/api.token,
  bot/security/tokens.py) is put into the parsed arguments.

Usage: python -m bot.rasa_plugins.serve run [rasa run options, without --auth-token]. Rasa's
HTTP API stays off unless `--enable-api` is given (scripts/run.sh does not; the tests do).
"""

from __future__ import annotations

import sys

import rasa.cli.run
from rasa.__main__ import main

from bot.security.tokens import TokenError, api_token, bridge_token

_run_with_arguments = rasa.cli.run.run


def run_with_our_token(args) -> None:
    if getattr(args, "auth_token", None):
        sys.exit("Give the API token in PRR_API_TOKEN or var/keys/api.token, not on the command line.")
    try:
        bridge_token()
        if getattr(args, "enable_api", False):
            args.auth_token = api_token()
    except TokenError as error:
        sys.exit(f"The Rasa server cannot start: {error}")
    _run_with_arguments(args)


if __name__ == "__main__":
    rasa.cli.run.run = run_with_our_token  # before Rasa's parser binds `rasa run` to it
    sys.argv[0] = "rasa"
    main()
