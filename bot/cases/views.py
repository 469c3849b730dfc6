"""How cases read in chat and on the command line (shared by every channel)."""

from __future__ import annotations

from bot.cases.answers import from_case
from bot.cases.models import Case
from bot.intake import fields as f


def _when(dt) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "—"


def case_text(case: Case, max_notes: int = 5) -> str:
    answers = from_case(case)
    lines = [
        f"Case {case.reference} — status: {case.status}",
        f"Created {_when(case.created_at)} by {case.created_by} via {case.channel}",
    ]
    for fld in f.applicable(answers):
        lines.append(f"• {fld.label}: {f.display(fld.name, answers.get(fld.name))}")
    if case.status_changes:
        lines.append("Status history:")
        for change in case.status_changes:
            lines.append(
                f"  {_when(change.changed_at)}: {change.from_status or '—'} → {change.to_status} ({change.reason})"
            )
    if case.case_notes:
        shown = case.case_notes[-max_notes:]
        lines.append(f"Notes ({len(case.case_notes)}{', latest shown' if len(shown) < len(case.case_notes) else ''}):")
        for note in shown:
            lines.append(f"  {_when(note.created_at)} {note.author}: {note.text}")
    return "\n".join(lines)


def case_list_text(cases: list[Case]) -> str:
    if not cases:
        return "You have no cases yet. Say “start an intake” to register one."
    lines = [f"{len(cases)} case{'s' if len(cases) != 1 else ''}:"]
    for c in cases:
        lines.append(f"• {c.reference} — {c.status} — {c.intake_type} — {c.full_name} — {c.created_at:%Y-%m-%d}")
    return "\n".join(lines)
