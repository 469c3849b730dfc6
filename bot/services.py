"""Shared service objects for one process, built once from DATABASE_URL."""
from __future__ import annotations

from functools import lru_cache

from bot.cases.store import CaseStore
from bot.config import database_url
from bot.db import session_factory
from bot.knowledge.store import KnowledgeBase


@lru_cache(maxsize=4)
def knowledge_base(url: str | None = None) -> KnowledgeBase:
    return KnowledgeBase(session_factory(url or database_url()))


@lru_cache(maxsize=4)
def case_store(url: str | None = None) -> CaseStore:
    return CaseStore(session_factory(url or database_url()))
