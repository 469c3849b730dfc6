"""How questions are read: the domain thesaurus, typo tolerance, similarity and meaning, and the input guard."""

from __future__ import annotations

import pytest

from bot.knowledge import analyzer
from bot.knowledge.meaning import MeaningIndex
from bot.knowledge.ranking import Ranked, is_reliable, rerank
from bot.knowledge.similarity import CharNgramIndex
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


@pytest.mark.parametrize(
    "question, wanted",
    [
        ("my nephew came back from Syria last year", {"return"}),
        ("when they are coming home from the camps", {"return", "camp"}),
        ("he left the group but kept his beliefs", {"disengagement"}),
    ],
)
def test_everyday_phrases_for_returning_and_leaving_the_group_become_the_corpus_words(question, wanted):
    assert wanted <= set(analyzer.query_terms(question))


@pytest.mark.parametrize(
    "question, wanted",
    [
        ("is it possible to put a returnee's spouse on trial", {"prosecution", "returnee", "woman"}),
        ("keep the radical inmates together", {"concentration", "violent", "extremist", "prisoner"}),
        ("can we bring these children home from Syria", {"repatriation", "child", "syria"}),
        ("his mother wants to come and see him in the colony", {"visit", "mother", "colony"}),
    ],
)
def test_a_phrase_with_words_in_between_becomes_the_corpus_word(question, wanted):
    assert wanted <= set(analyzer.query_terms(question))


def test_a_gap_spans_at_most_three_words():
    assert "prosecution" not in analyzer.query_terms("put the files of the returnees on the trial list")


def test_get_and_go_are_not_counted_as_what_the_question_is_about():
    assert {"get", "go"}.isdisjoint(analyzer.query_terms("who gets charged and who goes to rehabilitation"))


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


def test_a_misspelling_one_letter_off_wins_over_a_word_that_only_contains_its_letters():
    # "coersion" is one letter from "coercion"; its letters all stand, in order, in "conversion".
    speller = Speller({"coercion", "conversion"})
    assert speller.correct("coersion of women") == "coercion of women"


@pytest.mark.parametrize(
    "question, wanted, unwanted",
    [
        ("difference between intel and evidence", {"intelligence", "evidence"}, set()),
        ("ppl who went to syria", {"people", "syria"}, set()),
        ("men jailed for jihadism", {"extremist"}, {"foreign", "fighter"}),
        ("a jihadist cell in the colony", {"extremist"}, {"foreign", "fighter"}),
    ],
)
def test_chat_words_and_jihadist_are_read_as_the_corpus_means_them(question, wanted, unwanted):
    terms = set(analyzer.query_terms(question))
    assert wanted <= terms and not unwanted & terms


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
        ("salom, qalaysiz? menga yordam kerak", Unreadable.OTHER_LANGUAGE),
        ("merhaba, nasılsın", Unreadable.OTHER_LANGUAGE),
        ("bonjour, comment ça va", Unreadable.OTHER_LANGUAGE),
        ("guten Tag, wie geht es Ihnen", Unreadable.OTHER_LANGUAGE),
        ("lorem ipsum dolor sit amet", Unreadable.OTHER_LANGUAGE),
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
        "Aigerim Sultanova Bekovna",
        "comment on the case please",
        "is para 6 of resolution 2396 binding?",
    ],
)
def test_ordinary_messages_and_intake_answers_pass_the_guard(text):
    assert unreadable(text) is None


SECTIONS = [
    "Financing terrorism: money sent to relatives abroad. Sending funds to a fighter is an offence.",
    "Family visits in prison: how often relatives may visit and what they may bring.",
    "Screening returnees at the border: what to check on arrival.",
]


@pytest.mark.parametrize("question", ["is sending money to my son a terrorist financing crime", "terorism finansing"])
def test_a_question_in_other_word_forms_or_misspelt_is_most_similar_to_its_section(question):
    similarities = CharNgramIndex(SECTIONS).similarities(question, [0, 1, 2])
    assert similarities.argmax() == 0 and similarities[0] > 0


@pytest.mark.parametrize(
    "question, meant",
    [
        # Not one word in common with the section it means.
        ("his mother wants to come and see him in the colony", 1),
        ("what do we look at when they land at the airport", 2),
    ],
)
def test_a_question_in_other_words_is_nearest_in_meaning_to_its_section(question, meant):
    similarities = MeaningIndex(SECTIONS).similarities(question, [0, 1, 2])
    assert similarities.argmax() == meant and similarities[meant] > 0.15


def ranked(section_id: str, score: float) -> Ranked:
    return Ranked(section_id, score, coverage=1.0, matched=3, about=3, fused=score)


def test_a_close_runner_up_much_more_like_the_question_is_put_first():
    order = rerank([ranked("a", 10.0), ranked("b", 9.0), ranked("c", 2.0)], [0.1, 0.4, 0.05])
    assert [r.id for r in order] == ["b", "a", "c"]


def test_a_clear_bm25_win_stands_whatever_the_similarity():
    order = rerank([ranked("a", 10.0), ranked("b", 5.0), ranked("c", 2.0)], [0.1, 0.4, 0.05])
    assert order[0].id == "a" and [r.id for r in order[1:]] == ["b", "c"]


def shares(matched: int, about: int, coverage: float) -> Ranked:
    return Ranked("a", 20.0, coverage=coverage, matched=matched, about=about, fused=20.0)


def test_a_few_shared_words_with_a_section_unlike_the_question_are_not_an_answer():
    # "a crisis centre for women who left abusive husbands in Karaganda: how do we get state funding?"
    near_topic = shares(matched=3, about=2, coverage=0.2)
    assert not is_reliable(near_topic, 9, wording=0.15, meaning=0.35)
    assert is_reliable(near_topic, 9, wording=0.3, meaning=0.35)
    assert is_reliable(near_topic, 9, wording=0.15, meaning=0.55)
    assert is_reliable(shares(matched=3, about=2, coverage=0.3), 9, wording=0.15, meaning=0.35)


def test_most_of_a_questions_words_in_a_section_answer_it_though_few_name_what_it_is_about():
    assert is_reliable(shares(matched=4, about=1, coverage=0.65), 5)
    assert not is_reliable(shares(matched=3, about=1, coverage=1.0), 3)  # "punishment for murder in Kazakhstan"
