"""The web chat and the Telegram bridge run from their own environment, without Rasa's pins.

Rasa 3.6 holds the main environment at aiohttp 3.9.5, which later aiohttp.web advisories affect
(security review, finding 14). The bridges face the network, so they get a current aiohttp.
"""

from __future__ import annotations

import json
import subprocess

from tests.support.servers import BRIDGES_BIN

# The newest advisories the review lists against aiohttp.web were fixed in 3.13.4.
FIRST_SAFE_AIOHTTP = (3, 13, 4)


def _bridges_python(code: str) -> dict:
    out = subprocess.run([str(BRIDGES_BIN / "python"), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_bridges_load_without_rasa_or_tensorflow_and_with_a_current_aiohttp():
    loaded = _bridges_python(
        "import json, sys, aiohttp, bot.cli, bot.bootstrap, bot.channels.web.app, bot.channels.telegram;"
        "print(json.dumps({'aiohttp': aiohttp.__version__,"
        " 'heavy': sorted(m for m in ('rasa', 'rasa_sdk', 'tensorflow', 'spacy') if m in sys.modules)}))"
    )
    assert loaded["heavy"] == []
    assert tuple(int(part) for part in loaded["aiohttp"].split(".")[:3]) >= FIRST_SAFE_AIOHTTP


def test_rasa_is_not_even_installed_in_the_bridges_environment():
    found = _bridges_python(
        "import json, importlib.util;"
        "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in ('rasa', 'tensorflow', 'sanic')}))"
    )
    assert found == {"rasa": False, "tensorflow": False, "sanic": False}
