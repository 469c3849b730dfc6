"""One catalogue of what people read: every id the code uses exists with the placeholders it is
given, nothing in the catalogue is unused, the generated domain files are up to date, and a second
language is a data change."""

from __future__ import annotations

import ast
import re
import shutil

import pytest
import yaml

from actions.intake import REVIEW_BUTTONS
from bot.cases.models import STATUSES
from bot.intake import fields, flow
from bot.language import catalogue, domain
from bot.language.catalogue import MissingMessage, placeholders, text
from tests.support.paths import ROOT

ENGLISH = catalogue.catalogue("en")
SECTIONS = "|".join(sorted({key.split(".", 1)[0] for key in ENGLISH}))
MESSAGE_ID = re.compile(rf"^(?:{SECTIONS})\.[a-z0-9_]+(?:\.[a-z0-9_]+)*$(?<!\.yml)")
WORDED = {"InvalidAnswer": 2, "CaseError": 1, "Worded": 1}  # error classes: how many leading ids
LOOKUPS = {"text", "say"}


def _python_files():
    for folder in ("bot", "actions"):
        yield from (ROOT / folder).rglob("*.py")


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _uses() -> tuple[set[str], list[tuple[str, str, frozenset, frozenset]]]:
    """Every string in the code that looks like a message id, and each literal look-up with the
    placeholders it fills: (where, id or ids, given keywords, placeholders needed)."""
    ids: set[str] = set()
    calls = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and MESSAGE_ID.match(node.value):
                ids.add(node.value)
            if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
                continue
            leading = 1 if _name(node.func) in LOOKUPS else WORDED.get(_name(node.func), 0)
            literal = [a.value for a in node.args[:leading] if isinstance(a, ast.Constant)]
            if leading and len(literal) == len(node.args[:leading]) and literal:
                given = frozenset(k.arg for k in node.keywords)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                calls.append((where, " + ".join(literal), given, literal))
    return ids, calls


def _web_ids() -> set[str]:
    static = ROOT / "bot" / "channels" / "web" / "static"
    found = set(re.findall(r"""["']((?:web|channel)\.[a-z_]+)["']""", (static / "app.js").read_text()))
    return found | set(re.findall(r"\{\{(web\.[a-z_]+)\}\}", (static / "index.html").read_text()))


def _generated_ids() -> set[str]:
    """Ids the code builds from the fields, statuses and response names rather than spells out."""
    ids = {f"intake.{f.name}.label" for f in fields.FIELDS}
    ids |= {f"intake.{step}.question" for step in domain.FORM_SLOTS if step != flow.REVIEW}
    ids |= {f"intake.{f.name}.options.{code}" for f in fields.FIELDS for code in f.options}
    controls = {c for f in fields.FIELDS for c in f.buttons}
    controls |= {c for _, extra in domain.EXTRA_QUESTIONS.values() for c in extra} | set(REVIEW_BUTTONS)
    ids |= {f"button.{code}" for code in controls}
    ids |= {f"case.status.{status}" for status in STATUSES}
    ids |= {"value.unknown", "value.stateless"}  # display() of those two codes
    return ids


def _responses_in_use() -> set[str]:
    used = "\n".join(p.read_text() for p in [*(ROOT / "data").rglob("*.yml"), *(ROOT / "actions").glob("*.py")])
    return {key for key in ENGLISH if key.startswith("responses.") and key.split(".", 1)[1] in used}


def test_the_committed_domain_files_are_what_the_generator_writes():
    assert domain.stale(ROOT / "domain", "en") == [], "run `make domain` (prr dev gen-domain) and commit"


def test_every_message_id_in_the_code_exists_with_the_placeholders_it_is_given():
    ids, calls = _uses()
    missing = sorted(i for i in ids | _web_ids() | _generated_ids() if i not in ENGLISH)
    assert missing == []
    wrong = []
    for where, joined, given, literal in calls:
        needed = frozenset().union(*(placeholders(i) for i in literal if i in ENGLISH))
        if any(isinstance(ENGLISH.get(i), dict) for i in literal):
            needed |= {"count"}  # chooses the plural form
        if given != needed:
            wrong.append(f"{where} {joined}: given {sorted(given)}, needs {sorted(needed)}")
    assert wrong == []


def test_no_catalogue_entry_is_unused():
    ids, _ = _uses()
    used = ids | _web_ids() | _generated_ids() | _responses_in_use()
    assert sorted(set(ENGLISH) - used) == []


def test_a_missing_id_or_placeholder_fails_loudly():
    with pytest.raises(MissingMessage):
        text("interview.no_such_message")
    with pytest.raises(MissingMessage):
        text("interview.saved")  # needs {reference}
    assert text("interview.saved", reference="PRR-2026-0001") == "Saved. The case reference is PRR-2026-0001."


def test_numbers_choose_the_plural_form():
    assert text("case.list_heading", count=1) == "1 case:"
    assert text("case.list_heading", count=3) == "3 cases:"
    assert fields.display("time_in_conflict_zone", 13) == "1 year 1 month"


def test_a_second_language_is_a_catalogue_file(tmp_path, monkeypatch):
    """A Russian file with a few entries: the interview asks and shows them in Russian, stores the
    same option codes, takes the Russian title as an answer, and falls back to English elsewhere."""
    messages = tmp_path / "messages"
    messages.mkdir()
    shutil.copy(catalogue.MESSAGES / "en.yml", messages / "en.yml")
    russian = {
        "intake": {"sex": {"label": "Пол", "question": "Пол?", "options": {"female": "женский"}}},
        "case": {"list_heading": {"one": "{count} дело:", "few": "{count} дела:", "other": "{count} дел:"}},
    }
    (messages / "ru.yml").write_text(yaml.safe_dump(russian, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(catalogue, "MESSAGES", messages)
    monkeypatch.setenv("PRR_LANGUAGE", "ru")
    catalogue.catalogue.cache_clear()
    try:
        ask_sex = domain.intake_form("ru")["responses"]["utter_ask_sex"][0]
        assert ask_sex["text"] == "Пол?"
        assert ask_sex["buttons"][0] == {"title": "женский", "payload": "female"}
        assert ask_sex["buttons"][1] == {"title": "male", "payload": "male"}  # not translated yet
        assert fields.validate("sex", "Женский", {}) == "female"
        assert fields.display("sex", "female") == "женский"
        assert text("case.list_heading", count=3) == "3 дела:"
        assert "Пол: женский" in flow.review_text({"sex": "female"})
    finally:
        catalogue.catalogue.cache_clear()
