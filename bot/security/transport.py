"""No case data, token or password crosses a network in clear (security review, finding 16).

Talking to a service on this machine (loopback, or a Unix socket) needs nothing more. Reaching
one on another machine needs an encrypted and verified connection: PostgreSQL with
`sslmode=verify-ca` or `verify-full`, Redis over TLS (`rediss://`) with a password, Rasa and the
action server over `https://`. Every process checks its addresses with these functions before it
connects, so a multi-node set-up that forgot TLS stops at start-up with a message saying what to
add, instead of running in clear.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from sqlalchemy.engine import make_url

VERIFYING_SSLMODES = ("verify-ca", "verify-full")


class InsecureTransport(ValueError):
    """An address that would send data over the network without TLS."""


def is_local(host: str | None) -> bool:
    """True for this machine: no host (a Unix socket), `localhost`, or a loopback address."""
    if not host or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_database_url(url: str) -> None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or is_local(parsed.host):
        return
    if parsed.query.get("sslmode") not in VERIFYING_SSLMODES:
        raise InsecureTransport(
            f"The database on {parsed.host} is reached over the network without a verified TLS connection. "
            "Add ?sslmode=verify-full (and sslrootcert=PATH to the server's CA) to DATABASE_URL."
        )


def check_http_url(url: str, what: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme != "https" and not is_local(parsed.hostname):
        raise InsecureTransport(
            f"The {what} at {parsed.hostname} is reached over the network in clear. "
            "Use an https:// address (a TLS proxy in front of it), or run it on this machine."
        )


def check_redis_url(url: str) -> None:
    parsed = urlparse(url)
    if is_local(parsed.hostname):
        return
    if parsed.scheme != "rediss" or not parsed.password:
        raise InsecureTransport(
            f"The lock store on {parsed.hostname} is reached over the network without TLS or a password. "
            "Use rediss://:PASSWORD@HOST:PORT/DB."
        )
