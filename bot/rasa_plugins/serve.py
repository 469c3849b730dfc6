"""`rasa run`, with the HTTP API token taken from our key store instead of the command line.

`rasa run --auth-token TOKEN` shows the token to anyone who can list processes. Here Rasa's
own command line is used unchanged, and the token (PRR_API_TOKEN or var/keys/api.token,
bot/security/tokens.py) is put into the parsed arguments. Usage: python -m bot.rasa_plugins.serve run
--enable-api [rasa run options, without --auth-token].
"""

from __future__ import annotations

import sys

import rasa.cli.run
from rasa.__main__ import main

from bot.security.tokens import api_token

_run_with_arguments = rasa.cli.run.run


def run_with_our_token(args) -> None:
    if getattr(args, "auth_token", None):
        sys.exit("Give the API token in PRR_API_TOKEN or var/keys/api.token, not on the command line.")
    args.auth_token = api_token()
    _run_with_arguments(args)


if __name__ == "__main__":
    rasa.cli.run.run = run_with_our_token  # before Rasa's parser binds `rasa run` to it
    sys.argv[0] = "rasa"
    main()
