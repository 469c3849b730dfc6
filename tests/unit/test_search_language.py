"""How questions are read: the domain thesaurus, typo tolerance and the input guard."""

from __future__ import annotations

import pytest

from bot.knowledge import analyzer
from bot.knowledge.spelling import Speller
from bot.language.guard import Unreadable, unreadable


@pytest.mark.parametrize(
    "question, wanted",
    [
        ("can a 14-year-old be put on trial", {"14", "child", "prosecution"}),
        ("the wives of ISIS fighters", {"woman", "isil"}),
        ("keep the radical inmates together or spread them out", {"violent", "extremist", "prisoner", "dispersal"}),
        ("FTFs in jail", {"foreign", "terrorist", "fighter", "prison"}),
        ("what does UNSCR 2396 say", {"resolution", "2396"}),
        ("the kids came back from al-Hol", {"child", "camp"}),
    ],
)
def test_practitioners_words_become_the_corpus_words(question, wanted):
    assert wanted <= set(analyzer.query_terms(question))


def test_an_adult_age_is_not_made_a_child():
    assert "child" not in analyzer.query_terms("a 34-year-old returnee")


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("resolushun", "resolution"),
        ("prosecuton", "prosecution"),
        ("childern", "children"),
        ("radicalisaton", "radicalisation"),
        ("mandella", "mandela"),
        ("screning", "screening"),
    ],
)
def test_misspelt_words_are_read_as_the_corpus_word(typed, meant):
    speller = Speller({"resolution", "prosecution", "children", "radicalisation", "mandela", "screening", "whether"})
    assert speller.correct(f"what about {typed}") == f"what about {meant}"


def test_a_correct_word_of_another_topic_is_left_alone():
    speller = Speller({"resolution", "prosecution", "leather"})
    assert speller.correct("weather in almaty tomorrow") == "weather in almaty tomorrow"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Здравствуйте, как дела?", Unreadable.OTHER_SCRIPT),
        ("SELECT * FROM cases; DROP TABLE staff", Unreadable.CODE),
        ("<script>alert(1)</script>", Unreadable.CODE),
        ("🙂🙂🙂", Unreadable.SYMBOLS),
        ("asdkjh qwpeoi zxcv", Unreadable.GIBBERISH),
        ("jjjjjjj kkkkkkk", Unreadable.GIBBERISH),
    ],
)
def test_text_no_intent_should_be_guessed_for_is_named(text, reason):
    assert unreadable(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "what is VERA-2R?",
        "Amina Bekova",
        "Zhanar Tulegenova",
        "12.03.2015",
        "show case PRR-2026-0001",
        "add a note to PRR-2026-0001: met the grandmother && uncle",
        "she arrived from the camp this morning",
        "psychosocial support",
        "Uzbekistan",
        "7",
    ],
)
def test_ordinary_messages_and_intake_answers_pass_the_guard(text):
    assert unreadable(text) is None
