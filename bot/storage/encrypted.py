"""Column types that keep a Python type in the program and ciphertext in the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy.types import Text, TypeDecorator

from bot.security import crypto


class Encrypted(TypeDecorator):
    """Encrypts on write and decrypts on read; the value keeps its type (str, date, int, bool)."""

    impl = Text
    cache_ok = True

    def __init__(self, python_type: type = str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.python_type_ = python_type

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        # A typed column stays typed: refusing a wrong type here keeps unreadable rows out.
        if type(value) is not self.python_type_:
            raise TypeError(f"expected {self.python_type_.__name__}, got {type(value).__name__}")
        if self.python_type_ is bool:
            text = "1" if value else "0"
        elif isinstance(value, date):  # exactly a date, checked above
            text = value.isoformat()
        else:
            text = str(value)
        return crypto.encrypt(text)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        text = crypto.decrypt(value)
        if self.python_type_ is bool:
            return text == "1"
        if self.python_type_ is date:
            return date.fromisoformat(text)
        if self.python_type_ is int:
            return int(text)
        return text

    @property
    def python_type(self):
        return self.python_type_
