"""`prr knowledge check`: what makes a corpus unfit to answer from, listed all at once.

A section must cite documents of the bibliography at an exact place, be long enough to answer
a question on its own, say which questions it answers (`asks:`) and not repeat another section.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge.corpus import BIBLIOGRAPHY_FIELDS, CorpusError, Section, load_bibliography, parse_corpus

MIN_WORDS = 80
MAX_WORDS = 450
MIN_ASKS = 3
# Cosine similarity of two sections' word vectors (tf-idf) above which they say the same thing.
# Between the two summaries of the UN Key Principles (0.585, since merged) and the closest pair
# left (0.45: two angles of one subject that point to each other).
NEAR_DUPLICATE = 0.52
_PLACE = re.compile(
    r"^(?:preambular\s+|operative\s+)?"
    r"(?:paras?|paragraphs?|arts?|articles?|rules?|principles?|recommendations?|good practices?|chapters?|ch|"
    r"sections?|pp?|pages?|parts?|annex|guidelines?|slides?|standards?|box|table|module|questions?|items?)"
    r"\.?\s+\S.*$"
    r"|^(?:preamble|preambular paras?\.?|introduction|foreword|preface|executive summary|summary|abstract|overview|"
    r"conclusions?|key (?:outcomes|findings)|headline|title|title page|cover|covering letter|acknowledgements|"
    r"(?:table of )?contents|panels?|notes?)\b.*$",
    re.IGNORECASE,
)


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def check_sections(sections: list[Section], bibliography: dict[str, dict]) -> list[str]:
    problems: list[str] = []
    for key, entry in bibliography.items():
        missing = [f for f in BIBLIOGRAPHY_FIELDS if not entry.get(f)]
        if missing:
            problems.append(f"sources.yml: '{key}' lacks {', '.join(missing)}")
    for s in sections:
        where = f"{s.where} ({s.id})"
        if not s.citations:
            problems.append(f"{where}: no source")
        for c in s.citations:
            if c.key not in bibliography:
                problems.append(f"{where}: source '{c.key}' is not in sources.yml")
            if not c.place:
                problems.append(f"{where}: source '{c.key}' names no place (para., art., rule, page …)")
            elif not _PLACE.match(c.place):
                problems.append(f"{where}: place '{c.place}' of '{c.key}' is not a paragraph, article, rule, page …")
        n = words(s.text)
        if n < MIN_WORDS:
            problems.append(f"{where}: {n} words; a section needs at least {MIN_WORDS}")
        if n > MAX_WORDS:
            problems.append(f"{where}: {n} words; split it (at most {MAX_WORDS})")
        if len(s.asks) < MIN_ASKS:
            problems.append(f"{where}: {len(s.asks)} questions in asks:; at least {MIN_ASKS}")
    problems.extend(near_duplicates(sections))
    return problems


def near_duplicates(sections: list[Section], threshold: float = NEAR_DUPLICATE) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer  # late: only the check needs it

    if len(sections) < 2:
        return []
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform([s.text for s in sections])
    similarity = (matrix @ matrix.T).toarray()
    out = []
    for i in range(len(sections)):
        for j in range(i + 1, len(sections)):
            if similarity[i, j] >= threshold:
                out.append(
                    f"{sections[i].where} ({sections[i].id}) and {sections[j].id} say nearly the same "
                    f"(similarity {similarity[i, j]:.2f}): merge them"
                )
    return out


def check_corpus(directory: Path) -> list[str]:
    """Every problem of the corpus in `directory`; an empty list means it is fit to load."""
    try:
        return check_sections(parse_corpus(directory), load_bibliography(directory))
    except CorpusError as bad:
        return [str(bad)]
