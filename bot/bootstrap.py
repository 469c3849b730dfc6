"""Shared service objects for one process, one per DATABASE_URL."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bot.cases.store import CaseStore
from bot.config import database_url
from bot.staff.store import StaffStore
from bot.storage.db import session_factory

if TYPE_CHECKING:  # search needs numpy and the lexicons, which the bridges' environment lacks
    from bot.knowledge.store import KnowledgeBase


def knowledge_base() -> KnowledgeBase:
    return _knowledge_base(database_url())


def case_store() -> CaseStore:
    return _case_store(database_url())


def staff_store() -> StaffStore:
    return _staff_store(database_url())


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
