"""Nationality answers: country names, ISO codes and the aliases staff type, read with pycountry."""

from __future__ import annotations

import difflib

import pycountry

from bot.intake.parsing import UNKNOWN_WORDS, InvalidAnswer, normalise

COUNTRY_ALIASES = {
    "uk": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "england": "GBR",
    "usa": "USA",
    "us": "USA",
    "america": "USA",
    "united states": "USA",
    "russia": "RUS",
    "syria": "SYR",
    "iran": "IRN",
    "turkey": "TUR",
    "kazakstan": "KAZ",
    "qazaqstan": "KAZ",
    "kirghizia": "KGZ",
    "kyrgyz republic": "KGZ",
    "moldova": "MDA",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "tanzania": "TZA",
    "vietnam": "VNM",
    "south korea": "KOR",
    "north korea": "PRK",
    "korea": "KOR",
    "laos": "LAO",
    "czechia": "CZE",
    "holland": "NLD",
    "the netherlands": "NLD",
    "palestine": "PSE",
    "kosovo": "XKX",
}
NATIONALITY_WORDS = {"unknown": "unknown", "stateless": "stateless", "no nationality": "stateless", "none": "stateless"}


def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.lower()] = c.alpha_3
    names.update(COUNTRY_ALIASES)
    return names


_COUNTRIES: dict[str, str] | None = None


def parse_nationality(text: str) -> str:
    """A country name, alternative name or ISO 3166 code (typos accepted) -> alpha-3 code."""
    global _COUNTRIES
    if _COUNTRIES is None:
        _COUNTRIES = _country_names()
    t = normalise(text)
    if t in UNKNOWN_WORDS:
        return "unknown"
    if t in NATIONALITY_WORDS:
        return NATIONALITY_WORDS[t]
    if len(t) in (2, 3) and t.isalpha():
        found = (
            pycountry.countries.get(alpha_2=t.upper()) if len(t) == 2 else pycountry.countries.get(alpha_3=t.upper())
        )
        if found:
            return found.alpha_3
    if t in _COUNTRIES:
        return _COUNTRIES[t]
    demonyms = {
        "kazakh": "KAZ",
        "uzbek": "UZB",
        "kyrgyz": "KGZ",
        "tajik": "TJK",
        "turkmen": "TKM",
        "russian": "RUS",
        "syrian": "SYR",
        "iraqi": "IRQ",
        "turkish": "TUR",
        "afghan": "AFG",
    }
    if t in demonyms:
        return demonyms[t]
    close = difflib.get_close_matches(t, list(_COUNTRIES), n=1, cutoff=0.8)
    if close:
        return _COUNTRIES[close[0]]
    raise InvalidAnswer("answer.unknown_country", "example.country")


def country_name(code: str) -> str:
    if code in ("unknown", "stateless"):
        return code
    if code == "XKX":
        return "Kosovo"
    c = pycountry.countries.get(alpha_3=code)
    return getattr(c, "common_name", None) or c.name if c else code
