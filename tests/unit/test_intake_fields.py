"""Each intake field accepts the answers shared/domain/intake.md allows and explains refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.intake.fields import display, find_field, validate
from bot.intake.parsing import InvalidAnswer


@pytest.mark.parametrize("typed", ["12 March 2009", "2009-03-12", "12.03.2009", "12/03/2009", "March 12, 2009"])
def test_date_of_birth_in_common_forms(typed):
    assert validate("date_of_birth", typed, {}) == "2009-03-12"


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("31.02.2020", "not a real date"),
        ((date.today() + timedelta(days=3)).strftime("%d.%m.%Y"), "future"),
        ("12.03.1890", "older than 100"),
        ("March 2009", "day, month and year"),
        ("yesterday-ish", "could not read"),
    ],
)
def test_bad_dates_of_birth_say_why_and_give_an_example(typed, reason):
    with pytest.raises(InvalidAnswer) as bad:
        validate("date_of_birth", typed, {})
    assert reason in bad.value.reason
    assert bad.value.example


def test_unknown_date_of_birth_is_allowed():
    assert validate("date_of_birth", "Unknown", {}) == "unknown"


def test_return_date_accepts_month_and_year_but_not_before_birth():
    assert validate("return_date", "March 2019", {}) == "2019-03"
    assert validate("return_date", "05.2019", {}) == "2019-05"
    assert validate("return_date", "3 February 2019", {"date_of_birth": "2009-03-12"}) == "2019-02-03"
    with pytest.raises(InvalidAnswer, match="before the date of birth"):
        validate("return_date", "June 2008", {"date_of_birth": "2009-03-12"})


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Kazakhstan", "KAZ"),
        ("kazakstan", "KAZ"),
        ("KZ", "KAZ"),
        ("uzb", "UZB"),
        ("Russia", "RUS"),
        ("Syria", "SYR"),
        ("Kyrgistan", "KGZ"),
        ("stateless", "stateless"),
        ("unknown", "unknown"),
        ("Tajik", "TJK"),
    ],
)
def test_nationality_matches_names_codes_and_typos(typed, code):
    assert validate("nationality", typed, {}) == code


def test_nationality_refuses_nonsense():
    with pytest.raises(InvalidAnswer, match="could not match"):
        validate("nationality", "Narnia and Mordor", {})


@pytest.mark.parametrize("typed", ["A", "R2-D2", "x" * 121, "Robert'); DROP TABLE cases;--", "😀 Smile"])
def test_names_must_be_letters_spaces_hyphens_apostrophes(typed):
    with pytest.raises(InvalidAnswer):
        validate("full_name", typed, {})


@pytest.mark.parametrize("typed", ["Aigerim Nurlanovna", "Жанна Ахметова", "Anne-Marie O'Neil", "Ali ibn Yusuf"])
def test_real_names_are_accepted(typed):
    assert validate("full_name", typed, {}) == typed


@pytest.mark.parametrize(
    "typed, months",
    [("3 years", 36), ("18 months", 18), ("2 years 6 months", 30), ("1.5 years", 18), ("unknown", "unknown")],
)
def test_time_in_conflict_zone(typed, months):
    assert validate("time_in_conflict_zone", typed, {}) == months


def test_choices_accept_typos_and_refuse_others_with_the_list():
    assert validate("intake_type", "self returned", {}) == "self-returned"
    assert validate("role", "Supporter", {}) == "supporter"
    assert validate("nationality_verification", "dna", {}) == "DNA match with relatives"
    assert validate("risk_tool", "vera", {}) == "VERA-2R"
    with pytest.raises(InvalidAnswer, match="fighter, supporter"):
        validate("role", "astronaut", {})


def test_referrals_several_at_once_and_none():
    assert validate("referrals", "psychologist, education and legal aid", {}) == [
        "psychologist",
        "education",
        "legal aid",
    ]
    assert validate("referrals", "none", {}) == []
    with pytest.raises(InvalidAnswer):
        validate("referrals", "astrologer", {})


def test_counts_and_yes_no():
    assert validate("accompanying_children", "two", {}) == 2
    assert validate("accompanying_children", "3", {}) == 3
    with pytest.raises(InvalidAnswer, match="0 to 20"):
        validate("accompanying_children", "25", {})
    assert validate("unaccompanied", "Yes", {}) is True
    assert validate("consent", "no", {}) is False


def test_notes_over_2000_characters_are_refused_with_the_count():
    with pytest.raises(InvalidAnswer, match="10,000"):
        validate("notes", "n" * 10000, {})
    assert validate("notes", "None", {}) == "none"


def test_display_and_field_names():
    assert display("date_of_birth", "2009-03-12") == "12 March 2009"
    assert display("return_date", "2019-03") == "March 2019"
    assert display("nationality", "KAZ") == "Kazakhstan"
    assert display("time_in_conflict_zone", 30) == "2 years 6 months"
    assert find_field("dob", {}).name == "date_of_birth"
    assert find_field("Nationalty", {}).name == "nationality"
