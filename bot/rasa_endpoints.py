"""Rasa's endpoints.yml, made in one place for `make run`, the tests and the benchmark.

- Rasa presents the actions token to the action server (bot.rasa_plugins.action_server refuses
  any call without it), so the file holds a secret: write it 0600 (run.sh's umask does).
- The action server gets no copy of the domain with each call (`enable_selective_domain`):
  our actions do not read it, and building and sending it cost time on every turn.
- Conversations are kept in our own database by our tracker store.
- With several Rasa servers, a Redis lock store keeps two servers off one conversation.
"""

from __future__ import annotations

from urllib.parse import urlparse

from sqlalchemy.engine import make_url

from bot.security.tokens import actions_token as generated_actions_token

TRACKER_STORE = "bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore"


def rasa_endpoints(
    database_url: str,
    actions_url: str,
    lock_store_url: str | None = None,
    lock_prefix: str | None = None,
    actions_token: str | None = None,
) -> dict:
    """The endpoints; `actions_token` defaults to this process's (PRR_ACTIONS_TOKEN or var/keys)."""
    url = make_url(database_url)
    store = {"type": TRACKER_STORE, "dialect": url.drivername.split("+")[0], "db": url.database}
    # Rasa passes a custom store's host as `url` (a `host` key would be given twice).
    for key, value in (("url", url.host), ("port", url.port), ("username", url.username), ("password", url.password)):
        if value:
            store[key] = value
    action_endpoint = {
        "url": actions_url,
        "enable_selective_domain": True,
        "headers": {"Authorization": f"Bearer {actions_token or generated_actions_token()}"},
    }
    endpoints = {"action_endpoint": action_endpoint, "tracker_store": store}
    if lock_store_url:
        redis = urlparse(lock_store_url)
        if redis.scheme != "redis" or not redis.hostname:
            raise ValueError(f"The lock store must be a redis://HOST:PORT/DB address, not {lock_store_url!r}.")
        lock = {
            "type": "redis",
            "url": redis.hostname,
            "port": redis.port or 6379,
            "db": int(redis.path.strip("/") or 0),
        }
        if redis.password:
            lock["password"] = redis.password
        if lock_prefix:
            lock["key_prefix"] = lock_prefix
        endpoints["lock_store"] = lock
    return endpoints
