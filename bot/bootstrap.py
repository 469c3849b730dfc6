"""Shared service objects for one process, one per DATABASE_URL, and the start-up key check."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bot.cases.store import CaseStore
from bot.config import database_url
from bot.staff.store import StaffStore
from bot.storage.db import engine_for, session_factory

if TYPE_CHECKING:  # search needs numpy and the lexicons, which the bridges' environment lacks
    from bot.knowledge.store import KnowledgeBase


def knowledge_base() -> KnowledgeBase:
    return _knowledge_base(database_url())


def case_store() -> CaseStore:
    ensure_data_key()
    return _case_store(database_url())


def staff_store() -> StaffStore:
    ensure_data_key()
    return _staff_store(database_url())


def ensure_data_key(url: str | None = None) -> None:
    """Refuse to go on (DataKeyError) when the data keys do not fit the database: see key_check."""
    from bot.security.key_check import check_data_key, checked_key_environment

    url = url or database_url()
    done = (url, checked_key_environment())
    if done in _checked:
        return
    if check_data_key(engine_for(url)) != "no schema yet":  # checked again once migrated
        _checked.add(done)


_checked: set[tuple] = set()


@lru_cache(maxsize=8)
def _knowledge_base(url: str) -> KnowledgeBase:
    from bot.knowledge.store import KnowledgeBase

    return KnowledgeBase(session_factory(url))


@lru_cache(maxsize=8)
def _case_store(url: str) -> CaseStore:
    return CaseStore(session_factory(url))


@lru_cache(maxsize=8)
def _staff_store(url: str) -> StaffStore:
    return StaffStore(session_factory(url))
