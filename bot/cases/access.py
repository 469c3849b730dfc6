"""Who may do what with a case: the one role check every case operation calls.

Roles (need to know, one record owner, after UNICEF's Primero):
- intake: creates cases and sees the cases they created;
- case_manager: sees and updates the cases assigned to them;
- supervisor: sees and updates all cases, assigns them, exports and erases;
- admin: manages staff and keys, and sees no case content.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import true
from sqlalchemy.sql.elements import ColumnElement

from bot.cases.models import Case
from bot.language.catalogue import Worded
from bot.staff.models import Actor, Role


class CaseAction(str, Enum):
    CREATE = "create"
    READ = "read"
    LIST = "list"
    UPDATE = "update"
    ASSIGN = "assign"
    EXPORT = "export"
    ERASE = "erase"


CREATE, READ, LIST, UPDATE, ASSIGN, EXPORT, ERASE = CaseAction


class NotPermitted(Worded, PermissionError):
    """Refused. The message never says whether the case exists."""

    def __init__(self):
        super().__init__("case.not_permitted")


def allowed(actor: Actor | None, action: CaseAction | str, case: Case | None = None) -> bool:
    if actor is None:
        return False
    role = actor.role
    if role == Role.SUPERVISOR:
        return action in tuple(CaseAction)
    if role == Role.INTAKE:
        if action in (CREATE, LIST):
            return True
        return action == READ and case is not None and case.created_by == actor.staff_id
    if role == Role.CASE_MANAGER:
        if action == LIST:
            return True
        return action in (READ, UPDATE) and case is not None and case.assigned_to == actor.staff_id
    return False  # admin and anything unknown: no case content


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The cases a listing may show this actor: the READ rule above, as a query condition."""
    if actor.role == Role.SUPERVISOR:
        return true()
    if actor.role == Role.INTAKE:
        return Case.created_by == actor.staff_id
    if actor.role == Role.CASE_MANAGER:
        return Case.assigned_to == actor.staff_id
    return Case.id.is_(None)  # admin: none
