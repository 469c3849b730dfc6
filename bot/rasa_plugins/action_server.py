"""Our action server: rasa_sdk's, reachable only by our Rasa server and silent about trackers.

Every action acts as the staff member named by the tracker's sender id, so a caller who could
post a made-up tracker could read or change any case as anyone. Here rasa_sdk's app is wrapped:

- every request but GET /health must carry `Authorization: Bearer <actions token>` (bot/security/
  tokens.py; Rasa sends it from the generated endpoints file), compared in constant time: 401;
- the Host header must name this server on the loopback, against DNS rebinding: 421;
- a POST must be `application/json` (no cross-site "simple" form or text POST) and not
  compressed (rasa_sdk would inflate a deflate body with no size limit): 415;
- bodies over MAX_BODY_BYTES are refused by Sanic before they are read: 413;
- an error answers a fixed text and logs only the exception's type, where rasa_sdk answered
  with the whole tracker (every intake answer), which Rasa then wrote to its log;
- it listens on 127.0.0.1 unless told otherwise, with no CORS and no access log.

Usage: python -m bot.rasa_plugins.action_server [--port 5055] [--host 127.0.0.1] [--actions actions]
"""

from __future__ import annotations

import argparse
import logging
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import ensure_data_key, knowledge_base
from bot.config import quiet_environment
from bot.security.crypto import DataKeyError
from bot.security.tokens import TokenError, actions_token, bearer_matches

MAX_BODY_BYTES = 2 * 1024 * 1024  # a tracker holds one bounded session (tracker_store.MAX_SESSION_EVENTS)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
OPEN_PATHS = ("/health",)  # says only "ok", for start-up checks
logger = logging.getLogger("prr.action_server")


def build_app(actions_package: str, token: str, port: int, host: str = "127.0.0.1") -> Sanic:
    app = create_app(actions_package, cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    allowed_hosts = {f"{name}:{port}" for name in {*LOOPBACK_NAMES, host}}

    @app.middleware("request")
    async def only_our_rasa(request):
        if request.headers.get("host", "").lower() not in allowed_hosts:
            return response.json({"error": "unknown host"}, status=421)
        if request.method == "GET" and request.path in OPEN_PATHS:
            return None
        if not bearer_matches(request.headers.get("authorization"), token):
            return response.json({"error": "a valid action server token is required"}, status=401)
        if request.method == "POST":
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type != "application/json" or request.headers.get("content-encoding", "identity") != "identity":
                return response.json({"error": "send uncompressed application/json"}, status=415)
        return None

    async def without_the_tracker(request, exception: Exception):
        if isinstance(exception, SanicException):  # 404, 405, 413, bad JSON: Sanic's own status
            return response.json({"error": type(exception).__name__}, status=exception.status_code)
        logger.error("Action %s failed: %s", _action_name(request), type(exception).__name__)
        return response.json({"error": "the action failed"}, status=500)

    app.error_handler.add(Exception, without_the_tracker)  # replaces rasa_sdk's, which echoes the tracker
    return app


def _action_name(request) -> str | None:
    try:
        return str((request.json or {}).get("next_action"))
    except Exception:  # a body that is not a JSON object: no name to give
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start the PRR action server (only our Rasa server may call it).")
    parser.add_argument("--actions", default="actions", help="the package with the actions")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    quiet_environment()
    try:
        token = actions_token()
        # A missing or wrong data key stops the server here, not at the first case looked up; and
        # the search index is built now rather than during the first question.
        ensure_data_key()
        knowledge_base().prepare()
    except (TokenError, DataKeyError) as error:
        sys.exit(f"The action server cannot start: {error}")
    except SQLAlchemyError as error:
        sys.exit(
            f"The action server cannot start: the database is not ready ({type(error).__name__}); run `prr db upgrade`."
        )
    utils.configure_colored_logging(logging.INFO)  # rasa_sdk's default level
    utils.update_sanic_log_level()
    app = build_app(args.actions, token, args.port, args.host)
    logger.info("Action server listening on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
