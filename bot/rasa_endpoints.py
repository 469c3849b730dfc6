"""Rasa's endpoints.yml, made in one place for `make run` (`prr rasa-endpoints`), the tests and
the benchmark.

It stays outside `bot/rasa_plugins/` although it is about Rasa: it imports no Rasa, and the CLI
must run without loading Rasa, while importing anything under `rasa_plugins` patches Rasa.

- Rasa presents the actions token to the action server (bot.rasa_plugins.action_server refuses
  any call without it), so the file holds a secret: write it 0600 (run.sh's umask does).
- The action server gets no copy of the domain with each call (`enable_selective_domain`):
  our actions do not read it, and building and sending it cost time on every turn.
- Conversations are kept in our own database by our tracker store.
- With several Rasa servers, a Redis lock store keeps two servers off one conversation.
- An address on another machine must use TLS (bot.security.transport): PostgreSQL's sslmode
  reaches Rasa's store as `query`, and `rediss://` turns on the lock store's TLS.
"""

from __future__ import annotations

from urllib.parse import urlparse

from sqlalchemy.engine import make_url

from bot.security.tokens import actions_token as generated_actions_token
from bot.security.transport import check_database_url, check_http_url, check_redis_url

TRACKER_STORE = "bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore"


def rasa_endpoints(
    database_url: str,
    actions_url: str,
    lock_store_url: str | None = None,
    lock_prefix: str | None = None,
    actions_token: str | None = None,
) -> dict:
    """The endpoints; `actions_token` defaults to this process's (PRR_ACTIONS_TOKEN or var/keys)."""
    check_database_url(database_url)
    check_http_url(actions_url, "action server")
    url = make_url(database_url)
    store = {"type": TRACKER_STORE, "dialect": url.drivername.split("+")[0], "db": url.database}
    # Rasa passes a custom store's host as `url` (a `host` key would be given twice).
    for key, value in (("url", url.host), ("port", url.port), ("username", url.username), ("password", url.password)):
        if value:
            store[key] = value
    if url.query:  # sslmode, sslrootcert: the tracker store connects as our own engine does
        store["query"] = dict(url.query)
    action_endpoint = {
        "url": actions_url,
        "enable_selective_domain": True,
        "headers": {"Authorization": f"Bearer {actions_token or generated_actions_token()}"},
    }
    endpoints = {"action_endpoint": action_endpoint, "tracker_store": store}
    if lock_store_url:
        redis = urlparse(lock_store_url)
        if redis.scheme not in ("redis", "rediss") or not redis.hostname:
            raise ValueError(f"The lock store must be a redis://HOST:PORT/DB address, not {lock_store_url!r}.")
        check_redis_url(lock_store_url)
        lock = {
            "type": "redis",
            "url": redis.hostname,
            "port": redis.port or 6379,
            "db": int(redis.path.strip("/") or 0),
        }
        if redis.password:
            lock["password"] = redis.password
        if redis.scheme == "rediss":
            lock["use_ssl"] = True
        if lock_prefix:
            lock["key_prefix"] = lock_prefix
        endpoints["lock_store"] = lock
    return endpoints
