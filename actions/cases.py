"""Look up, list and update cases."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import actor, channel, entity, guarded, latest_text
from bot.bootstrap import case_store
from bot.cases.access import NotPermitted
from bot.cases.commands import parse_note, parse_status_change
from bot.cases.models import STATUSES
from bot.cases.store import CaseError, normalise_reference
from bot.cases.views import case_list_text, case_text, status_title
from bot.language.catalogue import text as say


class ActionShowCase(Action):
    def name(self) -> str:
        return "action_show_case"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reference = normalise_reference(entity(tracker, "case_ref") or latest_text(tracker))
        if not reference:
            dispatcher.utter_message(text=say("case.ask_reference"))
            return []
        try:
            case = case_store().get(reference, actor=actor(tracker), channel=channel(tracker))
        except NotPermitted as refusal:
            dispatcher.utter_message(text=str(refusal))
            return []
        dispatcher.utter_message(text=case_text(case))
        return []


class ActionListCases(Action):
    def name(self) -> str:
        return "action_list_cases"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        try:
            cases = case_store().list_for(actor=actor(tracker), channel=channel(tracker))
        except NotPermitted as refusal:
            dispatcher.utter_message(text=str(refusal))
            return []
        dispatcher.utter_message(text=case_list_text(cases))
        return []


class ActionChangeCaseStatus(Action):
    def name(self) -> str:
        return "action_change_case_status"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        request = parse_status_change(latest_text(tracker))
        if not request.reference:
            dispatcher.utter_message(text=say("case.ask_reference_to_move"))
            return []
        if not request.status:
            statuses = ", ".join(status_title(s) for s in STATUSES)
            dispatcher.utter_message(text=say("case.ask_status", statuses=statuses))
            return []
        try:
            case = case_store().change_status(
                request.reference, request.status, request.reason, actor=actor(tracker), channel=channel(tracker)
            )
        except (CaseError, NotPermitted) as error:
            dispatcher.utter_message(text=str(error))
            return []
        moved = say("case.moved", reference=case.reference, status=status_title(case.status), reason=request.reason)
        dispatcher.utter_message(text=moved)
        return []


class ActionAddCaseNote(Action):
    def name(self) -> str:
        return "action_add_case_note"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        request = parse_note(latest_text(tracker))
        if not request.reference:
            dispatcher.utter_message(text=say("case.ask_reference_for_note"))
            return []
        try:
            case = case_store().add_note(
                request.reference, request.text, actor=actor(tracker), channel=channel(tracker)
            )
        except (CaseError, NotPermitted) as error:
            dispatcher.utter_message(text=str(error))
            return []
        dispatcher.utter_message(text=say("case.note_added", reference=case.reference, count=len(case.case_notes)))
        return []
