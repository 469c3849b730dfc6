"""One instance per process of what is costly to load (word vectors, the sentence encoder)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def loaded_once(load: Callable[[], T]) -> Callable[[], T]:
    """A function that returns what `load` gives, calling it the first time only, whichever
    thread asks first (functools.cache may call it twice at once, loading the files twice)."""
    lock = threading.Lock()
    loaded: list[T] = []

    def get() -> T:
        with lock:
            if not loaded:
                loaded.append(load())
            return loaded[0]

    return get
