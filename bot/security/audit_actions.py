"""What the audit trail records, as a str enum (apart from bot.security.audit, so that the
command line can name an action without loading the database layer)."""

from __future__ import annotations

from enum import Enum


class AuditAction(str, Enum):
    """Everything the trail records. Case actions keep the names of bot.cases.access.CaseAction."""

    CREATE = "create"
    READ = "read"
    LIST = "list"
    UPDATE = "update"
    STATUS_CHANGE = "status_change"
    NOTE = "note"
    ASSIGN = "assign"
    EXPORT = "export"
    ERASE = "erase"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    ACCESS_REFUSED = "access_refused"  # someone not registered (or disabled) tried a channel
    STAFF_ADD = "staff_add"
    STAFF_DISABLE = "staff_disable"
    STAFF_SET_PASSWORD = "staff_set_password"
    KEYS_ROTATE = "keys_rotate"
    PURGE = "purge"
    BACKUP = "backup"  # a copy of the whole database (and, when asked, the keys) written to a file
    CHAIN_KEYED = "chain_keyed"  # written once by the migration that keyed the older, plain chain
