"""Turn text into search terms with a blank spaCy pipeline and a lookup lemmatizer.

No pretrained pipeline can be downloaded here, so lemmas come from spacy-lookups-data.
"""
from __future__ import annotations

from functools import lru_cache

MAX_QUERY_CHARS = 1000  # a pasted page must not stall a turn; the start says what it is about
# Words that frame a question but say nothing about its subject; left in, they would count as
# "not covered" and make the assistant abstain on a fair question.
QUESTION_FILLERS = frozenset(
    "tell know explain information info please exist need want like give thing stuff kind way "
    "question ask let help guidance".split()
)


@lru_cache(maxsize=1)
def _pipeline():
    import spacy  # imported late: it is slow to import and only search needs it

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def terms(text: str) -> list[str]:
    """Lemmas of the content words, lowercased; stop words and punctuation dropped."""
    doc = _pipeline()(text.lower())
    out = []
    for token in doc:
        if token.is_stop or token.is_punct or token.is_space:
            continue
        lemma = token.lemma_.strip() or token.text
        if any(ch.isalnum() for ch in lemma):
            out.append(lemma)
    return out


def query_terms(query: str) -> list[str]:
    if len(query) > MAX_QUERY_CHARS:  # cut at a word boundary: half a word would count as unknown
        query = query[:MAX_QUERY_CHARS].rsplit(None, 1)[0]
    return [t for t in terms(query) if t not in QUESTION_FILLERS]
