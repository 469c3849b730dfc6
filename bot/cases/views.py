"""How cases read in chat and on the command line (shared by every channel)."""

from __future__ import annotations

from bot.cases.answers import from_case
from bot.cases.models import Case
from bot.intake import fields as f
from bot.language.catalogue import text


def _when(dt) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else text("value.missing")


def status_title(status: str | None, lang: str | None = None) -> str:
    return text(f"case.status.{status}", lang) if status else text("value.missing", lang)


def case_text(case: Case, max_notes: int = 5, lang: str | None = None) -> str:
    answers = from_case(case)
    lines = [
        text("case.heading", lang, reference=case.reference, status=status_title(case.status, lang)),
        text("case.created", lang, when=_when(case.created_at), author=case.created_by, channel=case.channel),
    ]
    for fld in f.applicable(answers):
        value = f.display(fld.name, answers.get(fld.name), lang)
        lines.append(text("case.answer_line", lang, label=fld.label(lang), value=value))
    if case.status_changes:
        lines.append(text("case.history_heading", lang))
        for change in case.status_changes:
            lines.append(
                text(
                    "case.history_line",
                    lang,
                    when=_when(change.changed_at),
                    from_status=status_title(change.from_status, lang),
                    to_status=status_title(change.to_status, lang),
                    reason=change.reason,
                )
            )
    if case.case_notes:
        shown = case.case_notes[-max_notes:]
        heading = "case.notes_heading_latest" if len(shown) < len(case.case_notes) else "case.notes_heading"
        lines.append(text(heading, lang, count=len(case.case_notes)))
        for note in shown:
            lines.append(text("case.note_line", lang, when=_when(note.created_at), author=note.author, text=note.text))
    return "\n".join(lines)


def case_list_text(cases: list[Case], lang: str | None = None) -> str:
    if not cases:
        return text("case.none_yet", lang)
    lines = [text("case.list_heading", lang, count=len(cases))]
    for c in cases:
        lines.append(
            text(
                "case.list_line",
                lang,
                reference=c.reference,
                status=status_title(c.status, lang),
                intake_type=f.display("intake_type", c.intake_type, lang),
                name=c.full_name,
                created=f"{c.created_at:%Y-%m-%d}",
            )
        )
    return "\n".join(lines)
