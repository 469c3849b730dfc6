"""The trained model's intent for a text, outside a running server: for `make eval`, which asks
how the assistant routes each development-set question before any search is made."""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path


def load_intent_router(model: Path) -> Callable[[str], str]:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # Rasa's dependencies', on loading
    from rasa.core.agent import Agent  # late: loading Rasa takes seconds
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not a debug line per question
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()

    def intent(text: str) -> str:
        return loop.run_until_complete(agent.parse_message(text))["intent"]["name"]

    return intent
