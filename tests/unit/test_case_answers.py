"""The intake's fields, the case's columns and their encryption agree (bot/cases/answers.py)."""

from __future__ import annotations

from bot.cases.answers import CONTENT_COLUMNS, CONVERTED
from bot.cases.models import Case
from bot.intake import fields as f
from bot.storage.encrypted import Encrypted


def columns_of(field_name: str) -> tuple[str, ...]:
    return CONVERTED.get(field_name, (field_name,))


def test_every_field_but_referrals_has_its_columns_and_nothing_else_is_content():
    table = Case.__table__.columns
    for name in f.FIELD_NAMES:
        assert all(column in table for column in columns_of(name)), name
    assert set(CONTENT_COLUMNS) == {c for name in f.FIELD_NAMES for c in columns_of(name)}


def test_the_fields_marked_sensitive_are_exactly_the_encrypted_columns():
    table = Case.__table__.columns
    encrypted = {c.name for c in table if isinstance(c.type, Encrypted)}
    sensitive = {c for fld in f.FIELDS if fld.sensitive for c in columns_of(fld.name)}
    content = set(CONTENT_COLUMNS)
    assert sensitive & content <= encrypted  # a sensitive answer is never stored in clear
    assert encrypted & content <= sensitive  # and encryption follows the field description
